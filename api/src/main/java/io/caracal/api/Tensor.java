package io.caracal.api;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An immutable tensor: a datatype, a concrete shape and its data in the V2 binary encoding
 * (row-major, little-endian; {@link DataType#BYTES} elements each as a u32 little-endian length and
 * the bytes).
 *
 * <p>The data buffer is not copied: the creator hands it over and must not change it afterwards.
 * {@link #data()} returns a read-only little-endian view. A direct buffer stays direct, so a
 * backend may hand it to native code without a copy. Equality compares type, shape and bytes.
 */
public final class Tensor {
  private final DataType dataType;
  private final Shape shape;
  private final ByteBuffer data;

  private Tensor(DataType dataType, Shape shape, ByteBuffer data) {
    this.dataType = dataType;
    this.shape = shape;
    this.data = data;
  }

  /**
   * Returns a tensor over {@code data} (from its position to its limit).
   *
   * @throws IllegalArgumentException if the shape has a wildcard, its element count overflows, or
   *     the data length does not fit the shape (for BYTES: does not hold exactly that many
   *     well-formed elements)
   */
  public static Tensor of(DataType dataType, Shape shape, ByteBuffer data) {
    Objects.requireNonNull(dataType, "dataType");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    if (shape.hasWildcard()) {
      throw new IllegalArgumentException("tensor shape " + shape + " has a negative dimension");
    }
    long count;
    try {
      count = shape.elementCount();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("tensor shape " + shape + " has too many elements", e);
    }
    ByteBuffer view = data.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (dataType.isFixedSize()) {
      long expected;
      try {
        expected = Math.multiplyExact(count, dataType.byteSize());
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException("tensor shape " + shape + " has too many bytes", e);
      }
      if (expected != view.remaining()) {
        throw new IllegalArgumentException(
            "expected "
                + expected
                + " bytes for "
                + dataType
                + " "
                + shape
                + ", got "
                + view.remaining());
      }
    } else {
      long found = countBytesElements(view);
      if (found != count) {
        throw new IllegalArgumentException(
            found < 0
                ? "BYTES data is not a sequence of length-prefixed elements"
                : "expected " + count + " BYTES elements for shape " + shape + ", got " + found);
      }
    }
    return new Tensor(dataType, shape, view.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
  }

  /** Returns a BYTES tensor holding these elements. */
  public static Tensor ofBytes(Shape shape, List<byte[]> elements) {
    long size = 0;
    for (byte[] e : elements) {
      size += 4L + e.length;
    }
    ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
    for (byte[] e : elements) {
      buf.putInt(e.length).put(e);
    }
    return of(DataType.BYTES, shape, buf.flip());
  }

  /** Returns a BYTES tensor holding these strings, UTF-8 encoded. */
  public static Tensor ofStrings(Shape shape, List<String> elements) {
    List<byte[]> bytes = new ArrayList<>(elements.size());
    for (String s : elements) {
      bytes.add(s.getBytes(StandardCharsets.UTF_8));
    }
    return ofBytes(shape, bytes);
  }

  /**
   * Returns the number of length-prefixed elements in {@code buf} (position to limit), or -1 when a
   * length runs past the end. Does not move the buffer's position.
   */
  public static long countBytesElements(ByteBuffer buf) {
    ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long n = 0;
    while (b.hasRemaining()) {
      if (b.remaining() < 4) {
        return -1;
      }
      long len = Integer.toUnsignedLong(b.getInt());
      if (len > b.remaining()) {
        return -1;
      }
      b.position(b.position() + (int) len);
      n++;
    }
    return n;
  }

  /** Returns the element type. */
  public DataType dataType() {
    return dataType;
  }

  /** Returns the concrete shape. */
  public Shape shape() {
    return shape;
  }

  /** Returns the number of elements. */
  public long elementCount() {
    return shape.elementCount();
  }

  /** Returns a read-only little-endian view of the data; each call returns a fresh view. */
  public ByteBuffer data() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Returns the data size in bytes. */
  public int byteSize() {
    return data.remaining();
  }

  /** Returns the elements of a BYTES tensor. */
  public List<byte[]> bytesElements() {
    if (dataType != DataType.BYTES) {
      throw new IllegalStateException("not a BYTES tensor: " + dataType);
    }
    ByteBuffer b = data();
    List<byte[]> out = new ArrayList<>();
    while (b.hasRemaining()) {
      byte[] e = new byte[b.getInt()];
      b.get(e);
      out.add(e);
    }
    return out;
  }

  /** Returns the same data seen with another shape of the same element count (Triton's reshape). */
  public Tensor withShape(Shape newShape) {
    if (newShape.elementCount() != shape.elementCount()) {
      throw new IllegalArgumentException("cannot view " + shape + " as " + newShape);
    }
    return new Tensor(dataType, newShape, data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t
        && t.dataType == dataType
        && t.shape.equals(shape)
        && t.data.equals(data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dataType, shape, data);
  }

  @Override
  public String toString() {
    return "Tensor[" + dataType + " " + shape + ", " + data.remaining() + " bytes]";
  }
}
