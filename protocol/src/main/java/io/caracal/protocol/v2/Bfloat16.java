package io.caracal.protocol.v2;

/**
 * Conversions between {@code float} and bfloat16 (BF16), the upper 16 bits of an IEEE 754 binary32:
 * the V2 protocol carries BF16 elements as those 16 bits, little-endian. Stateless.
 */
public final class Bfloat16 {
  private Bfloat16() {}

  /** Returns the BF16 bits nearest to {@code v}, ties to even; NaN stays a (quiet) NaN. */
  public static short fromFloat(float v) {
    int bits = Float.floatToRawIntBits(v);
    if (Float.isNaN(v)) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  /** Returns the float that the BF16 {@code bits} stand for (exact). */
  public static float toFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }
}
