package io.caracal.protocol.v2;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;

/**
 * The size rules of the binary tensor data extension: a tensor travels as its V2 binary encoding
 * (row-major, little-endian; each BYTES element as a u32 little-endian length and the bytes), and
 * {@code binary_data_size} gives its length. A fixed-size datatype needs exactly element count ×
 * element size bytes; BYTES needs at least four bytes an element, and exactly as many
 * length-prefixed elements as the shape has. Stateless and thread-safe.
 */
public final class BinaryTensorData {
  private BinaryTensorData() {}

  /**
   * Checks that {@code size} bytes can hold a tensor of this type and shape, before the bytes are
   * looked at: a fixed-size type needs exactly its byte size; BYTES at most {@code maxElements}
   * elements and four bytes for each.
   *
   * @throws TensorDataException ({@link TensorDataProblem.CountOverflow}, {@link
   *     TensorDataProblem.SizeMismatch} or {@link TensorDataProblem.BytesTooShort})
   */
  public static void checkSize(DataType dataType, Shape shape, long size, long maxElements) {
    long count = elementCount(dataType, shape);
    if (dataType.isFixedSize()) {
      long expected;
      try {
        expected = Math.multiplyExact(count, dataType.byteSize());
      } catch (ArithmeticException e) {
        throw new TensorDataException(new TensorDataProblem.CountOverflow(), dataType, shape);
      }
      if (expected != size) {
        throw new TensorDataException(
            new TensorDataProblem.SizeMismatch(expected, size), dataType, shape);
      }
    } else if (count > maxElements || count > size / 4) {
      throw new TensorDataException(
          new TensorDataProblem.BytesTooShort(count, size), dataType, shape);
    }
  }

  /**
   * Returns the tensor over {@code data} (position to limit, not copied) after checking its size
   * and, for BYTES, its length-prefixed elements.
   *
   * @throws TensorDataException when the data does not fit the type and shape
   */
  public static Tensor toTensor(DataType dataType, Shape shape, ByteBuffer data) {
    checkSize(dataType, shape, data.remaining(), Long.MAX_VALUE);
    if (dataType == DataType.BYTES) {
      long found = Tensor.countBytesElements(data);
      long expected = shape.elementCount();
      if (found < 0) {
        throw new TensorDataException(new TensorDataProblem.BytesOverrun(), dataType, shape);
      }
      if (found != expected) {
        throw new TensorDataException(
            new TensorDataProblem.BytesCountMismatch(expected, found), dataType, shape);
      }
    }
    return Tensor.of(dataType, shape, data);
  }

  /**
   * Returns the shape's element count.
   *
   * @throws TensorDataException ({@link TensorDataProblem.CountOverflow}) when it overflows a long
   */
  static long elementCount(DataType dataType, Shape shape) {
    try {
      return shape.elementCount();
    } catch (ArithmeticException e) {
      throw new TensorDataException(new TensorDataProblem.CountOverflow(), dataType, shape);
    }
  }
}
