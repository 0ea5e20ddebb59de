package io.caracal.client;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.protocol.v2.Bfloat16;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One named input tensor of an inference request, with optional input parameters. The factories
 * copy the given values into the V2 binary encoding (row-major, little-endian), so the arrays may
 * be reused afterwards.
 *
 * <pre>{@code
 * InferInput a = InferInput.fp32("INPUT0", new long[] {1, 4}, 1f, 2f, 3f, 4f);
 * InferInput s = InferInput.strings("TEXT", new long[] {2}, "hello", "wörld");
 * }</pre>
 */
public final class InferInput {
  private final String name;
  private final Tensor tensor;
  private final Map<String, Object> parameters;

  private InferInput(String name, Tensor tensor, Map<String, Object> parameters) {
    this.name = Objects.requireNonNull(name, "name");
    this.tensor = Objects.requireNonNull(tensor, "tensor");
    this.parameters = parameters;
  }

  /** Returns an input over an existing tensor (its buffer is not copied). */
  public static InferInput of(String name, Tensor tensor) {
    return new InferInput(name, tensor, Map.of());
  }

  /** Returns an input of {@code type} over raw V2-encoded little-endian bytes. */
  public static InferInput raw(String name, DataType type, long[] shape, byte[] data) {
    return of(name, Tensor.of(type, Shape.of(shape), ByteBuffer.wrap(data.clone())));
  }

  public static InferInput bool(String name, long[] shape, boolean... values) {
    ByteBuffer b = alloc(values.length);
    for (boolean v : values) {
      b.put((byte) (v ? 1 : 0));
    }
    return fixed(name, DataType.BOOL, shape, b);
  }

  public static InferInput int8(String name, long[] shape, byte... values) {
    return fixed(name, DataType.INT8, shape, alloc(values.length).put(values));
  }

  /** UINT8 from ints in [0, 255]. */
  public static InferInput uint8(String name, long[] shape, int... values) {
    ByteBuffer b = alloc(values.length);
    for (int v : values) {
      b.put((byte) checkUnsigned(v, 0xFFL, "UINT8"));
    }
    return fixed(name, DataType.UINT8, shape, b);
  }

  public static InferInput int16(String name, long[] shape, short... values) {
    ByteBuffer b = alloc(2L * values.length);
    for (short v : values) {
      b.putShort(v);
    }
    return fixed(name, DataType.INT16, shape, b);
  }

  /** UINT16 from ints in [0, 65535]. */
  public static InferInput uint16(String name, long[] shape, int... values) {
    ByteBuffer b = alloc(2L * values.length);
    for (int v : values) {
      b.putShort((short) checkUnsigned(v, 0xFFFFL, "UINT16"));
    }
    return fixed(name, DataType.UINT16, shape, b);
  }

  public static InferInput int32(String name, long[] shape, int... values) {
    ByteBuffer b = alloc(4L * values.length);
    for (int v : values) {
      b.putInt(v);
    }
    return fixed(name, DataType.INT32, shape, b);
  }

  /** UINT32 from longs in [0, 2^32-1]. */
  public static InferInput uint32(String name, long[] shape, long... values) {
    ByteBuffer b = alloc(4L * values.length);
    for (long v : values) {
      b.putInt((int) checkUnsigned(v, 0xFFFF_FFFFL, "UINT32"));
    }
    return fixed(name, DataType.UINT32, shape, b);
  }

  public static InferInput int64(String name, long[] shape, long... values) {
    ByteBuffer b = alloc(8L * values.length);
    for (long v : values) {
      b.putLong(v);
    }
    return fixed(name, DataType.INT64, shape, b);
  }

  /**
   * UINT64 from the longs' 64 bits (values above 2^63-1 are negative longs, as in {@link
   * Long#parseUnsignedLong}).
   */
  public static InferInput uint64(String name, long[] shape, long... values) {
    ByteBuffer b = alloc(8L * values.length);
    for (long v : values) {
      b.putLong(v);
    }
    return fixed(name, DataType.UINT64, shape, b);
  }

  /** FP16 from floats, rounded to the nearest half-precision value. */
  public static InferInput fp16(String name, long[] shape, float... values) {
    ByteBuffer b = alloc(2L * values.length);
    for (float v : values) {
      b.putShort(Float.floatToFloat16(v));
    }
    return fixed(name, DataType.FP16, shape, b);
  }

  /** BF16 from floats, rounded to nearest even (NaN stays NaN). */
  public static InferInput bf16(String name, long[] shape, float... values) {
    ByteBuffer b = alloc(2L * values.length);
    for (float v : values) {
      b.putShort(Bfloat16.fromFloat(v));
    }
    return fixed(name, DataType.BF16, shape, b);
  }

  public static InferInput fp32(String name, long[] shape, float... values) {
    ByteBuffer b = alloc(4L * values.length);
    for (float v : values) {
      b.putFloat(v);
    }
    return fixed(name, DataType.FP32, shape, b);
  }

  public static InferInput fp64(String name, long[] shape, double... values) {
    ByteBuffer b = alloc(8L * values.length);
    for (double v : values) {
      b.putDouble(v);
    }
    return fixed(name, DataType.FP64, shape, b);
  }

  /** BYTES elements given as raw byte strings. */
  public static InferInput bytes(String name, long[] shape, byte[]... values) {
    return of(name, Tensor.ofBytes(Shape.of(shape), Arrays.asList(values)));
  }

  /** BYTES elements given as strings, UTF-8 encoded. */
  public static InferInput strings(String name, long[] shape, String... values) {
    return of(name, Tensor.ofStrings(Shape.of(shape), List.of(values)));
  }

  /**
   * Returns a copy with one more input parameter; the value is a String, Boolean, Integer, Long,
   * Float or Double.
   */
  public InferInput withParameter(String key, Object value) {
    Map<String, Object> p = new LinkedHashMap<>(parameters);
    p.put(Objects.requireNonNull(key, "key"), Parameters.check(key, value));
    return new InferInput(name, tensor, Collections.unmodifiableMap(p));
  }

  public String name() {
    return name;
  }

  public Tensor tensor() {
    return tensor;
  }

  public DataType dataType() {
    return tensor.dataType();
  }

  public Shape shape() {
    return tensor.shape();
  }

  /** Returns the input parameters, in insertion order. */
  public Map<String, Object> parameters() {
    return parameters;
  }

  @Override
  public String toString() {
    return "InferInput[" + name + " " + tensor + "]";
  }

  private static long checkUnsigned(long v, long max, String type) {
    if (v < 0 || v > max) {
      throw new IllegalArgumentException(type + " value out of range: " + v);
    }
    return v;
  }

  private static ByteBuffer alloc(long size) {
    return ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static InferInput fixed(String name, DataType type, long[] shape, ByteBuffer filled) {
    return of(name, Tensor.of(type, Shape.of(shape), filled.flip()));
  }
}
