package io.caracal.backend.tensorflow;

import io.caracal.api.DataType;
import java.util.Optional;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint16;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * The element types V2 and TensorFlow share, as far as TF Java 1.1 can carry them: it has tensor
 * classes for BOOL, UINT8, UINT16, INT32, INT64, FP16, BF16, FP32, FP64 and strings (BYTES), and
 * none for INT8, INT16, UINT32 or UINT64, so a signature with those is refused at load.
 */
final class TfTypes {
  private TfTypes() {}

  /** Returns the V2 datatype of a TensorFlow one, when TF Java can feed and fetch it. */
  static Optional<DataType> dataType(org.tensorflow.proto.DataType t) {
    return Optional.ofNullable(
        switch (t) {
          case DT_BOOL -> DataType.BOOL;
          case DT_UINT8 -> DataType.UINT8;
          case DT_UINT16 -> DataType.UINT16;
          case DT_INT32 -> DataType.INT32;
          case DT_INT64 -> DataType.INT64;
          case DT_HALF -> DataType.FP16;
          case DT_BFLOAT16 -> DataType.BF16;
          case DT_FLOAT -> DataType.FP32;
          case DT_DOUBLE -> DataType.FP64;
          case DT_STRING -> DataType.BYTES;
          default -> null;
        });
  }

  /** Returns the TF Java tensor class of a V2 datatype that {@link #dataType} maps to. */
  static Class<? extends TType> tensorClass(DataType t) {
    return switch (t) {
      case BOOL -> TBool.class;
      case UINT8 -> TUint8.class;
      case UINT16 -> TUint16.class;
      case INT32 -> TInt32.class;
      case INT64 -> TInt64.class;
      case FP16 -> TFloat16.class;
      case BF16 -> TBfloat16.class;
      case FP32 -> TFloat32.class;
      case FP64 -> TFloat64.class;
      case BYTES -> TString.class;
      case INT8, INT16, UINT32, UINT64 ->
          throw new IllegalArgumentException("TF Java cannot carry " + t + " tensors");
    };
  }

  /**
   * Returns how TensorFlow spells a type in messages ({@code DT_INT8} is shown as {@code INT8}).
   */
  static String name(org.tensorflow.proto.DataType t) {
    return t.name().startsWith("DT_") ? t.name().substring(3) : t.name();
  }
}
