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
 * Tensors of each datatype that hold its edge values, for tests of wire encodings: integers at
 * their limits, floats at theirs (negative zero, the smallest subnormal, the smallest normal, the
 * largest finite value, values that do not round-trip through decimal naively), and BYTES elements
 * that are empty, non-ASCII, quoted or control characters. The shape is {@code [2, n/2]}, so nested
 * JSON arrays come into play.
 */
public final class EdgeTensors {
  private EdgeTensors() {}

  /**
   * Returns a tensor of {@code type} whose values a JSON {@code data} array carries exactly: every
   * number finite, every BYTES element valid UTF-8.
   */
  public static Tensor jsonExact(DataType type) {
    return build(type, false);
  }

  /**
   * Returns a tensor of {@code type} with the {@link #jsonExact} values and those JSON numbers
   * cannot carry: NaN and both infinities for floating-point types, an element that is not UTF-8
   * for BYTES.
   */
  public static Tensor of(DataType type) {
    return build(type, true);
  }

  private static Tensor build(DataType type, boolean all) {
    List<Number> v = new ArrayList<>();
    switch (type) {
      case BOOL -> v.addAll(List.of(1, 0, 1, 1));
      case INT8 -> v.addAll(List.of(Byte.MIN_VALUE, -1, 0, 1, Byte.MAX_VALUE, 42));
      case UINT8 -> v.addAll(List.of(0, 1, 127, 128, 255, 42));
      case INT16 -> v.addAll(List.of(Short.MIN_VALUE, -1, 0, 1, Short.MAX_VALUE, 42));
      case UINT16 -> v.addAll(List.of(0, 1, 32767, 32768, 65535, 42));
      case INT32 -> v.addAll(List.of(Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, 42));
      case UINT32 -> v.addAll(List.of(0L, 1L, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 42L));
      case INT64 -> v.addAll(List.of(Long.MIN_VALUE, -1L, 0L, 1L, Long.MAX_VALUE, 42L));
      // as 64 bits: 2^63-1, 2^63 and 2^64-1
      case UINT64 -> v.addAll(List.of(0L, 1L, Long.MAX_VALUE, Long.MIN_VALUE, -1L, 42L));
      // half bits: -0, the smallest subnormal, the smallest normal, 65504, 0.1 rounded, -2.5
      case FP16 -> v.addAll(List.of(0x8000, 0x0001, 0x0400, 0x7BFF, 0x2E66, 0xC100));
      // bfloat16 bits: -0, the smallest subnormal, the smallest normal, the largest finite, 0.1
      // rounded, -2.5
      case BF16 -> v.addAll(List.of(0x8000, 0x0001, 0x0080, 0x7F7F, 0x3DCD, 0xC020));
      case FP32 ->
          v.addAll(
              List.of(
                  -0f, Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, 0.1f, 16777217f / 3));
      case FP64 ->
          v.addAll(
              List.of(-0d, Double.MIN_VALUE, Double.MIN_NORMAL, Double.MAX_VALUE, 0.1, 1d / 3));
      case BYTES -> {
        List<byte[]> e = new ArrayList<>();
        for (String s : List.of("", "a", "héllo", "日本語 🐈", "\"q\\", "\u0000\n\u001f")) {
          e.add(s.getBytes(StandardCharsets.UTF_8));
        }
        if (all) {
          e.add(new byte[] {(byte) 0xFF, 'x'});
          e.add(new byte[] {(byte) 0xC3});
        }
        return Tensor.ofBytes(Shape.of(2, e.size() / 2), e);
      }
    }
    if (all) {
      switch (type) {
        case FP16 -> v.addAll(List.of(0x7E00, 0x7C00, 0xFC00, 0x3C00));
        case BF16 -> v.addAll(List.of(0x7FC0, 0x7F80, 0xFF80, 0x3F80));
        case FP32 ->
            v.addAll(List.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f));
        case FP64 ->
            v.addAll(List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1d));
        default -> {}
      }
    }
    ByteBuffer b = ByteBuffer.allocate(v.size() * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (Number n : v) {
      switch (type) {
        case BOOL, INT8, UINT8 -> b.put(n.byteValue());
        case INT16, UINT16, FP16, BF16 -> b.putShort(n.shortValue());
        case INT32, UINT32 -> b.putInt(n.intValue());
        case INT64, UINT64 -> b.putLong(n.longValue());
        case FP32 -> b.putFloat(n.floatValue());
        case FP64 -> b.putDouble(n.doubleValue());
        case BYTES -> throw new AssertionError();
      }
    }
    return Tensor.of(type, Shape.of(2, v.size() / 2), b.flip());
  }
}
