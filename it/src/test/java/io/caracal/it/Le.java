package io.caracal.it;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Little-endian tensor encodings of the binary extension. */
final class Le {
  private Le() {}

  static ByteBuffer buf(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }

  static byte[] int32(int... v) {
    ByteBuffer b = buf(v.length * 4);
    for (int x : v) {
      b.putInt(x);
    }
    return b.array();
  }

  static byte[] int64(long... v) {
    ByteBuffer b = buf(v.length * 8);
    for (long x : v) {
      b.putLong(x);
    }
    return b.array();
  }

  static byte[] fp32(float... v) {
    ByteBuffer b = buf(v.length * 4);
    for (float x : v) {
      b.putFloat(x);
    }
    return b.array();
  }

  static int[] toInt32(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int[] r = new int[bytes.length / 4];
    for (int i = 0; i < r.length; i++) {
      r[i] = b.getInt();
    }
    return r;
  }

  static long[] toInt64(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long[] r = new long[bytes.length / 8];
    for (int i = 0; i < r.length; i++) {
      r[i] = b.getLong();
    }
    return r;
  }

  static float[] toFp32(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    float[] r = new float[bytes.length / 4];
    for (int i = 0; i < r.length; i++) {
      r[i] = b.getFloat();
    }
    return r;
  }

  /** BYTES: each element as u32 little-endian length + bytes. */
  static byte[] bytesElements(byte[]... elements) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] e : elements) {
      out.writeBytes(buf(4).putInt(e.length).array());
      out.writeBytes(e);
    }
    return out.toByteArray();
  }

  static byte[] strings(String... s) {
    byte[][] e = new byte[s.length][];
    for (int i = 0; i < s.length; i++) {
      e[i] = s[i].getBytes(StandardCharsets.UTF_8);
    }
    return bytesElements(e);
  }

  static List<String> toStrings(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    List<String> r = new ArrayList<>();
    while (b.remaining() > 0) {
      int n = b.getInt();
      byte[] e = new byte[n];
      b.get(e);
      r.add(new String(e, StandardCharsets.UTF_8));
    }
    return r;
  }

  /** IEEE half bits of a float (round to nearest even). */
  static short toHalf(float f) {
    return Float.floatToFloat16(f);
  }

  static float fromHalf(short h) {
    return Float.float16ToFloat(h);
  }
}
