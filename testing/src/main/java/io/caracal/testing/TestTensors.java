package io.caracal.testing;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds small tensors from Java arrays and reads them back, for tests. Element conversions follow
 * the V2 binary encoding (little-endian; BOOL one byte; FP16 IEEE half; BF16 the upper half of an
 * FP32).
 */
public final class TestTensors {
  private TestTensors() {}

  /** Returns an FP32 tensor. */
  public static Tensor fp32(Shape shape, float... values) {
    ByteBuffer b = allocate(values.length * 4);
    for (float v : values) {
      b.putFloat(v);
    }
    return Tensor.of(DataType.FP32, shape, b.flip());
  }

  /** Returns an FP64 tensor. */
  public static Tensor fp64(Shape shape, double... values) {
    ByteBuffer b = allocate(values.length * 8);
    for (double v : values) {
      b.putDouble(v);
    }
    return Tensor.of(DataType.FP64, shape, b.flip());
  }

  /** Returns an INT64 tensor. */
  public static Tensor int64(Shape shape, long... values) {
    ByteBuffer b = allocate(values.length * 8);
    for (long v : values) {
      b.putLong(v);
    }
    return Tensor.of(DataType.INT64, shape, b.flip());
  }

  /** Returns an INT32 tensor. */
  public static Tensor int32(Shape shape, int... values) {
    ByteBuffer b = allocate(values.length * 4);
    for (int v : values) {
      b.putInt(v);
    }
    return Tensor.of(DataType.INT32, shape, b.flip());
  }

  /** Returns an FP16 tensor, rounding each value to half precision. */
  public static Tensor fp16(Shape shape, float... values) {
    ByteBuffer b = allocate(values.length * 2);
    for (float v : values) {
      b.putShort(Float.floatToFloat16(v));
    }
    return Tensor.of(DataType.FP16, shape, b.flip());
  }

  /**
   * Returns a tensor of any fixed-size type whose element {@code i} is {@code values[i]} converted
   * to that type (integers wrap, BOOL is {@code v != 0}, floats are rounded).
   */
  public static Tensor of(DataType type, Shape shape, double... values) {
    if (!type.isFixedSize()) {
      throw new IllegalArgumentException("not a fixed-size type: " + type);
    }
    ByteBuffer b = allocate(values.length * type.byteSize());
    for (double v : values) {
      switch (type) {
        case BOOL -> b.put((byte) (v != 0 ? 1 : 0));
        case UINT8, INT8 -> b.put((byte) (long) v);
        case UINT16, INT16 -> b.putShort((short) (long) v);
        case UINT32, INT32 -> b.putInt((int) (long) v);
        case UINT64, INT64 -> b.putLong((long) v);
        case FP16 -> b.putShort(Float.floatToFloat16((float) v));
        case BF16 -> b.putShort((short) (Float.floatToIntBits((float) v) >>> 16));
        case FP32 -> b.putFloat((float) v);
        case FP64 -> b.putDouble(v);
        case BYTES -> throw new AssertionError();
      }
    }
    return Tensor.of(type, shape, b.flip());
  }

  /** Returns a BYTES tensor of UTF-8 strings. */
  public static Tensor strings(Shape shape, String... values) {
    return Tensor.ofStrings(shape, List.of(values));
  }

  /**
   * Returns the elements of any numeric or BOOL tensor as doubles (unsigned types read as unsigned;
   * UINT64 above 2^63 loses precision).
   */
  public static double[] doubles(Tensor t) {
    ByteBuffer b = t.data();
    int n = Math.toIntExact(t.elementCount());
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] =
          switch (t.dataType()) {
            case BOOL -> b.get() != 0 ? 1 : 0;
            case UINT8 -> Byte.toUnsignedInt(b.get());
            case INT8 -> b.get();
            case UINT16 -> Short.toUnsignedInt(b.getShort());
            case INT16 -> b.getShort();
            case UINT32 -> Integer.toUnsignedLong(b.getInt());
            case INT32 -> b.getInt();
            case UINT64 -> {
              long v = b.getLong();
              yield v >= 0 ? v : (double) (v >>> 1) * 2.0;
            }
            case INT64 -> b.getLong();
            case FP16 -> Float.float16ToFloat(b.getShort());
            case BF16 -> Float.intBitsToFloat(b.getShort() << 16);
            case FP32 -> b.getFloat();
            case FP64 -> b.getDouble();
            case BYTES -> throw new IllegalArgumentException("BYTES tensor");
          };
    }
    return out;
  }

  /** Returns the elements of an FP32 or FP16 tensor as floats. */
  public static float[] floats(Tensor t) {
    double[] d = doubles(t);
    float[] out = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      out[i] = (float) d[i];
    }
    return out;
  }

  /** Returns the elements of an INT64 tensor. */
  public static long[] longs(Tensor t) {
    if (t.dataType() != DataType.INT64) {
      throw new IllegalArgumentException("not INT64: " + t.dataType());
    }
    long[] out = new long[Math.toIntExact(t.elementCount())];
    t.data().asLongBuffer().get(out);
    return out;
  }

  /** Returns the elements of a BYTES tensor decoded as UTF-8. */
  public static List<String> strings(Tensor t) {
    List<String> out = new ArrayList<>();
    for (byte[] e : t.bytesElements()) {
      out.add(new String(e, StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Returns the index of the largest element of a numeric tensor. */
  public static int argmax(Tensor t) {
    double[] d = doubles(t);
    int best = 0;
    for (int i = 1; i < d.length; i++) {
      if (d[i] > d[best]) {
        best = i;
      }
    }
    return best;
  }

  private static ByteBuffer allocate(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }
}
