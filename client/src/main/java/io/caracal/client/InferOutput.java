package io.caracal.client;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.protocol.v2.Bfloat16;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One output tensor of an inference result, with typed readers. Readers widen where no value is
 * lost ({@link #asInts()} reads INT8/16/32 and UINT8/16; {@link #asLongs()} every integer type,
 * UINT64 as its 64 bits; {@link #asFloats()} FP32, FP16 and BF16; {@link #asDoubles()} every
 * floating-point type) and throw {@link IllegalStateException} otherwise.
 */
public final class InferOutput {
  private final String name;
  private final Tensor tensor;
  private final Map<String, Object> parameters;

  InferOutput(String name, Tensor tensor, Map<String, Object> parameters) {
    this.name = name;
    this.tensor = tensor;
    this.parameters = parameters;
  }

  public String name() {
    return name;
  }

  public DataType dataType() {
    return tensor.dataType();
  }

  public Shape shape() {
    return tensor.shape();
  }

  /** Returns the output parameters the server sent (without {@code binary_data_size}). */
  public Map<String, Object> parameters() {
    return parameters;
  }

  /** Returns the tensor, V2-encoded (little-endian). */
  public Tensor asTensor() {
    return tensor;
  }

  /** Returns the raw V2-encoded bytes. */
  public byte[] asRawBytes() {
    ByteBuffer b = tensor.data();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  public boolean[] asBooleans() {
    expect(DataType.BOOL);
    ByteBuffer b = tensor.data();
    boolean[] out = new boolean[b.remaining()];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.get() != 0;
    }
    return out;
  }

  /** INT8 or UINT8 elements as bytes (UINT8 values above 127 become negative bytes). */
  public byte[] asBytes() {
    expect(DataType.INT8, DataType.UINT8);
    return asRawBytes();
  }

  public short[] asShorts() {
    expect(DataType.INT8, DataType.UINT8, DataType.INT16);
    int[] ints = asInts();
    short[] out = new short[ints.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (short) ints[i];
    }
    return out;
  }

  public int[] asInts() {
    expect(DataType.INT8, DataType.UINT8, DataType.INT16, DataType.UINT16, DataType.INT32);
    ByteBuffer b = tensor.data();
    int[] out = new int[count()];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          switch (tensor.dataType()) {
            case INT8 -> b.get();
            case UINT8 -> b.get() & 0xFF;
            case INT16 -> b.getShort();
            case UINT16 -> b.getShort() & 0xFFFF;
            default -> b.getInt();
          };
    }
    return out;
  }

  public long[] asLongs() {
    DataType t = tensor.dataType();
    if (t == DataType.INT64 || t == DataType.UINT64) {
      ByteBuffer b = tensor.data();
      long[] out = new long[count()];
      for (int i = 0; i < out.length; i++) {
        out[i] = b.getLong();
      }
      return out;
    }
    if (t == DataType.UINT32) {
      ByteBuffer b = tensor.data();
      long[] out = new long[count()];
      for (int i = 0; i < out.length; i++) {
        out[i] = b.getInt() & 0xFFFF_FFFFL;
      }
      return out;
    }
    expect(
        DataType.INT8,
        DataType.UINT8,
        DataType.INT16,
        DataType.UINT16,
        DataType.INT32,
        DataType.UINT32,
        DataType.INT64,
        DataType.UINT64);
    int[] ints = asInts();
    long[] out = new long[ints.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = ints[i];
    }
    return out;
  }

  public float[] asFloats() {
    expect(DataType.FP32, DataType.FP16, DataType.BF16);
    ByteBuffer b = tensor.data();
    float[] out = new float[count()];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          switch (tensor.dataType()) {
            case FP16 -> Float.float16ToFloat(b.getShort());
            case BF16 -> Bfloat16.toFloat(b.getShort());
            default -> b.getFloat();
          };
    }
    return out;
  }

  public double[] asDoubles() {
    expect(DataType.FP64, DataType.FP32, DataType.FP16, DataType.BF16);
    if (tensor.dataType() != DataType.FP64) {
      float[] f = asFloats();
      double[] out = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        out[i] = f[i];
      }
      return out;
    }
    ByteBuffer b = tensor.data();
    double[] out = new double[count()];
    for (int i = 0; i < out.length; i++) {
      out[i] = b.getDouble();
    }
    return out;
  }

  /** BYTES elements as raw byte strings. */
  public List<byte[]> asByteArrays() {
    expect(DataType.BYTES);
    return tensor.bytesElements();
  }

  /** BYTES elements decoded as UTF-8. */
  public List<String> asStrings() {
    List<byte[]> raw = asByteArrays();
    List<String> out = new ArrayList<>(raw.size());
    for (byte[] e : raw) {
      out.add(new String(e, StandardCharsets.UTF_8));
    }
    return out;
  }

  private int count() {
    return Math.toIntExact(tensor.elementCount());
  }

  private void expect(DataType... allowed) {
    for (DataType t : allowed) {
      if (t == tensor.dataType()) {
        return;
      }
    }
    throw new IllegalStateException(
        "output '" + name + "' is " + tensor.dataType() + ", not readable as " + List.of(allowed));
  }

  @Override
  public String toString() {
    return "InferOutput[" + name + " " + tensor + "]";
  }
}
