package io.caracal.protocol.v2;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class Bfloat16Test {
  @Test
  void fromFloat_roundsToNearestEven() {
    // 1 + 2^-8 is halfway between two bf16 values: rounds to even (1.0); a bit more rounds up.
    assertThat(Bfloat16.fromFloat(1f + 0x1p-8f)).isEqualTo((short) 0x3F80);
    assertThat(Bfloat16.fromFloat(1f + 0x1p-8f + 0x1p-20f)).isEqualTo((short) 0x3F81);
    // 1 + 3 * 2^-8 is halfway too, between 0x3F81 and 0x3F82: even is 0x3F82
    assertThat(Bfloat16.fromFloat(1f + 3 * 0x1p-8f)).isEqualTo((short) 0x3F82);
    assertThat(Float.isNaN(Bfloat16.toFloat(Bfloat16.fromFloat(Float.NaN)))).isTrue();
    assertThat(Bfloat16.toFloat(Bfloat16.fromFloat(Float.NEGATIVE_INFINITY)))
        .isEqualTo(Float.NEGATIVE_INFINITY);
  }

  @Test
  void toFloat_isExactForEveryBf16Value() {
    for (int bits = 0; bits <= 0xFFFF; bits++) {
      float f = Bfloat16.toFloat((short) bits);
      assertThat(Float.floatToRawIntBits(f)).isEqualTo(bits << 16);
      if (!Float.isNaN(f)) {
        assertThat(Bfloat16.fromFloat(f)).isEqualTo((short) bits);
      }
    }
  }
}
