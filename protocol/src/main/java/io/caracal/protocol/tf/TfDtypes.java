package io.caracal.protocol.tf;

import io.caracal.api.DataType;

/** TensorFlow's names of Caracal's element types. */
public final class TfDtypes {
  private TfDtypes() {}

  /** Returns TF's {@code DataTypeString}: {@code float}, {@code int32}, {@code string}, ... */
  public static String shortName(DataType t) {
    return switch (t) {
      case BOOL -> "bool";
      case UINT8 -> "uint8";
      case UINT16 -> "uint16";
      case UINT32 -> "uint32";
      case UINT64 -> "uint64";
      case INT8 -> "int8";
      case INT16 -> "int16";
      case INT32 -> "int32";
      case INT64 -> "int64";
      case FP16 -> "half";
      case BF16 -> "bfloat16";
      case FP32 -> "float";
      case FP64 -> "double";
      case BYTES -> "string";
    };
  }

  /** Returns the {@code tensorflow.DataType} enum name: {@code DT_FLOAT}, {@code DT_STRING}, ... */
  public static String enumName(DataType t) {
    return switch (t) {
      case BOOL -> "DT_BOOL";
      case UINT8 -> "DT_UINT8";
      case UINT16 -> "DT_UINT16";
      case UINT32 -> "DT_UINT32";
      case UINT64 -> "DT_UINT64";
      case INT8 -> "DT_INT8";
      case INT16 -> "DT_INT16";
      case INT32 -> "DT_INT32";
      case INT64 -> "DT_INT64";
      case FP16 -> "DT_HALF";
      case BF16 -> "DT_BFLOAT16";
      case FP32 -> "DT_FLOAT";
      case FP64 -> "DT_DOUBLE";
      case BYTES -> "DT_STRING";
    };
  }
}
