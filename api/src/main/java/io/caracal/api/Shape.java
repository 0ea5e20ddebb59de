package io.caracal.api;

import java.util.Arrays;
import java.util.List;

/**
 * An immutable tensor shape. In a model description a dimension of {@code -1} means "any size"; in
 * a request or response every dimension is non-negative.
 */
public final class Shape {
  private static final Shape SCALAR = new Shape(new long[0]);

  private final long[] dims;

  private Shape(long[] dims) {
    this.dims = dims;
  }

  /** Returns the shape with these dimensions (copied). */
  public static Shape of(long... dims) {
    return dims.length == 0 ? SCALAR : new Shape(dims.clone());
  }

  /** Returns the shape with these dimensions. */
  public static Shape of(List<Long> dims) {
    long[] d = new long[dims.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = dims.get(i);
    }
    return new Shape(d);
  }

  /** Returns the number of dimensions. */
  public int rank() {
    return dims.length;
  }

  /** Returns dimension {@code i}. */
  public long dim(int i) {
    return dims[i];
  }

  /** Returns a copy of the dimensions. */
  public long[] toArray() {
    return dims.clone();
  }

  /** Returns this shape with {@code first} put in front. */
  public Shape prepend(long first) {
    long[] d = new long[dims.length + 1];
    d[0] = first;
    System.arraycopy(dims, 0, d, 1, dims.length);
    return new Shape(d);
  }

  /** Returns this shape without its first dimension. */
  public Shape dropFirst() {
    if (dims.length == 0) {
      throw new IllegalStateException("a scalar shape has no first dimension");
    }
    return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
  }

  /** Returns this shape with dimension {@code i} replaced by {@code value}. */
  public Shape with(int i, long value) {
    long[] d = dims.clone();
    d[i] = value;
    return new Shape(d);
  }

  /** Returns whether some dimension is {@code -1} (any size). */
  public boolean hasWildcard() {
    for (long d : dims) {
      if (d < 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns the number of elements, the product of the dimensions.
   *
   * @throws ArithmeticException if the product overflows a {@code long}
   * @throws IllegalStateException if a dimension is negative
   */
  public long elementCount() {
    long n = 1;
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalStateException("shape " + this + " has a wildcard dimension");
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /**
   * Returns whether this concrete shape fits {@code pattern}: same rank, and every dimension equal
   * unless the pattern's is {@code -1}.
   */
  public boolean matches(Shape pattern) {
    if (pattern.dims.length != dims.length) {
      return false;
    }
    for (int i = 0; i < dims.length; i++) {
      if (pattern.dims[i] >= 0 && pattern.dims[i] != dims[i]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** Returns the dimensions as {@code [1,16]}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < dims.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(dims[i]);
    }
    return sb.append(']').toString();
  }
}
