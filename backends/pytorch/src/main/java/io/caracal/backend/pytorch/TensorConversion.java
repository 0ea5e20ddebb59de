package io.caracal.backend.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Converts tensors between Caracal's V2 encoding (little-endian element bytes) and libtorch's.
 * Served: BOOL, UINT8, INT8, INT32, INT64, FP16, FP32, FP64. Not served: BYTES (torch has no string
 * tensor) and INT16, UINT16, UINT32, UINT64, BF16, which torch has but DJL 0.36's JNI binding
 * cannot create or read (it aborts the process), so a config naming them is refused at load.
 * Stateless.
 */
final class TensorConversion {
  private TensorConversion() {}

  /** Returns the DJL type of a V2 type, or empty when the backend does not serve it. */
  static Optional<ai.djl.ndarray.types.DataType> toTorch(DataType type) {
    return Optional.ofNullable(
        switch (type) {
          case BOOL -> ai.djl.ndarray.types.DataType.BOOLEAN;
          case UINT8 -> ai.djl.ndarray.types.DataType.UINT8;
          case INT8 -> ai.djl.ndarray.types.DataType.INT8;
          case INT32 -> ai.djl.ndarray.types.DataType.INT32;
          case INT64 -> ai.djl.ndarray.types.DataType.INT64;
          case FP16 -> ai.djl.ndarray.types.DataType.FLOAT16;
          case FP32 -> ai.djl.ndarray.types.DataType.FLOAT32;
          case FP64 -> ai.djl.ndarray.types.DataType.FLOAT64;
          case UINT16, UINT32, UINT64, INT16, BF16, BYTES -> null;
        });
  }

  /** Returns the V2 type of a DJL type, or empty when there is none (complex, string). */
  static Optional<DataType> fromTorch(ai.djl.ndarray.types.DataType type) {
    return Optional.ofNullable(
        switch (type) {
          case BOOLEAN -> DataType.BOOL;
          case UINT8 -> DataType.UINT8;
          case INT8 -> DataType.INT8;
          case INT32 -> DataType.INT32;
          case INT64 -> DataType.INT64;
          case FLOAT16 -> DataType.FP16;
          case FLOAT32 -> DataType.FP32;
          case FLOAT64 -> DataType.FP64;
          case INT16, UINT16, UINT32, UINT64, BFLOAT16, COMPLEX64, STRING, UNKNOWN -> null;
        });
  }

  /**
   * Copies {@code tensor} into a new libtorch tensor owned by {@code manager} (closing the manager
   * frees it).
   */
  static NDArray toTorch(NDManager manager, Tensor tensor) {
    ai.djl.ndarray.types.DataType type =
        toTorch(tensor.dataType())
            .orElseThrow(() ->
                new IllegalArgumentException(
                    tensor.dataType() + " tensors are not served by torch"));
    ByteBuffer src = tensor.data().duplicate();
    ByteBuffer direct =
        ByteBuffer.allocateDirect(src.remaining()).order(ByteOrder.nativeOrder()).put(src).flip();
    return manager.create(direct, new ai.djl.ndarray.types.Shape(tensor.shape().toArray()), type);
  }

  /** Copies a libtorch tensor out, as the V2 type {@code type} (which the caller checked). */
  static Tensor fromTorch(NDArray array, DataType type) {
    byte[] bytes = array.toByteArray();
    ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    return Tensor.of(type, Shape.of(array.getShape().getShape()), data);
  }
}
