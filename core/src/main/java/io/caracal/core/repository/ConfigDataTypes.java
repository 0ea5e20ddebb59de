package io.caracal.core.repository;

import io.caracal.api.DataType;
import java.util.Optional;

/**
 * Maps between Triton's config data types ({@code TYPE_FP32}, ...) and the V2 wire types ({@code
 * FP32}, ...); {@code TYPE_STRING} is {@code BYTES}. Stateless and thread-safe.
 */
public final class ConfigDataTypes {
  private ConfigDataTypes() {}

  /** Returns the wire type of a config type, or empty for {@code TYPE_INVALID} (unset). */
  public static Optional<DataType> toApi(io.caracal.proto.inference.DataType type) {
    return switch (type) {
      case TYPE_BOOL -> Optional.of(DataType.BOOL);
      case TYPE_UINT8 -> Optional.of(DataType.UINT8);
      case TYPE_UINT16 -> Optional.of(DataType.UINT16);
      case TYPE_UINT32 -> Optional.of(DataType.UINT32);
      case TYPE_UINT64 -> Optional.of(DataType.UINT64);
      case TYPE_INT8 -> Optional.of(DataType.INT8);
      case TYPE_INT16 -> Optional.of(DataType.INT16);
      case TYPE_INT32 -> Optional.of(DataType.INT32);
      case TYPE_INT64 -> Optional.of(DataType.INT64);
      case TYPE_FP16 -> Optional.of(DataType.FP16);
      case TYPE_FP32 -> Optional.of(DataType.FP32);
      case TYPE_FP64 -> Optional.of(DataType.FP64);
      case TYPE_STRING -> Optional.of(DataType.BYTES);
      case TYPE_BF16 -> Optional.of(DataType.BF16);
      case TYPE_INVALID, UNRECOGNIZED -> Optional.empty();
    };
  }

  /** Returns the config type of a wire type. */
  public static io.caracal.proto.inference.DataType toProto(DataType type) {
    return switch (type) {
      case BOOL -> io.caracal.proto.inference.DataType.TYPE_BOOL;
      case UINT8 -> io.caracal.proto.inference.DataType.TYPE_UINT8;
      case UINT16 -> io.caracal.proto.inference.DataType.TYPE_UINT16;
      case UINT32 -> io.caracal.proto.inference.DataType.TYPE_UINT32;
      case UINT64 -> io.caracal.proto.inference.DataType.TYPE_UINT64;
      case INT8 -> io.caracal.proto.inference.DataType.TYPE_INT8;
      case INT16 -> io.caracal.proto.inference.DataType.TYPE_INT16;
      case INT32 -> io.caracal.proto.inference.DataType.TYPE_INT32;
      case INT64 -> io.caracal.proto.inference.DataType.TYPE_INT64;
      case FP16 -> io.caracal.proto.inference.DataType.TYPE_FP16;
      case FP32 -> io.caracal.proto.inference.DataType.TYPE_FP32;
      case FP64 -> io.caracal.proto.inference.DataType.TYPE_FP64;
      case BYTES -> io.caracal.proto.inference.DataType.TYPE_STRING;
      case BF16 -> io.caracal.proto.inference.DataType.TYPE_BF16;
    };
  }
}
