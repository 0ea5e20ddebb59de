package io.caracal.protocol.v2;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A growable buffer of BYTES elements in the V2 binary encoding (u32 little-endian length, then the
 * bytes).
 */
final class BytesElements {
  private final Shape shape;
  private byte[] a;
  private int n;

  BytesElements(Shape shape, int initial) {
    this.shape = shape;
    a = new byte[Math.max(initial, 16)];
  }

  /** Appends one element. */
  void put(byte[] e) {
    ensure(4 + e.length);
    a[n++] = (byte) e.length;
    a[n++] = (byte) (e.length >>> 8);
    a[n++] = (byte) (e.length >>> 16);
    a[n++] = (byte) (e.length >>> 24);
    System.arraycopy(e, 0, a, n, e.length);
    n += e.length;
  }

  private void ensure(int more) {
    long need = (long) n + more;
    if (need > Integer.MAX_VALUE - 8) {
      throw new TensorDataException(new TensorDataProblem.BytesTooLarge(), DataType.BYTES, shape);
    }
    if (need > a.length) {
      a = Arrays.copyOf(a, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(need, a.length * 2L)));
    }
  }

  /**
   * Returns the elements so far, as a little-endian buffer over this builder's array (not copied).
   */
  ByteBuffer toBuffer() {
    return ByteBuffer.wrap(a, 0, n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
