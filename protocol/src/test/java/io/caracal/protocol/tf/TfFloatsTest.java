package io.caracal.protocol.tf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TfFloatsTest {

  @Test
  void format_float_matchesTfServing() {
    assertThat(TfFloats.format(9000000f)).isEqualTo("9e+06");
    assertThat(TfFloats.format(999999f)).isEqualTo("999999.0");
    assertThat(TfFloats.format(0.5f)).isEqualTo("0.5");
    assertThat(TfFloats.format(3e-5f)).isEqualTo("3e-05");
    assertThat(TfFloats.format(0.1f)).isEqualTo("0.1");
    assertThat(TfFloats.format(1 / 3f)).isEqualTo("0.333333343");
    assertThat(TfFloats.format(123456789f)).isEqualTo("123456792.0");
    assertThat(TfFloats.format(-0f)).isEqualTo("-0.0");
    assertThat(TfFloats.format(0.17644446f)).isEqualTo("0.176444456");
    assertThat(TfFloats.format(2.5f)).isEqualTo("2.5");
    assertThat(TfFloats.format(3f)).isEqualTo("3.0");
  }

  @Test
  void format_nonFinite_bareTokens() {
    assertThat(TfFloats.format(Float.NaN)).isEqualTo("NaN");
    assertThat(TfFloats.format(Float.POSITIVE_INFINITY)).isEqualTo("Infinity");
    assertThat(TfFloats.format(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
  }

  @Test
  void format_double_usesSeventeenDigitsWhenSixDoNotRoundTrip() {
    assertThat(TfFloats.format(0.1)).isEqualTo("0.1");
    assertThat(TfFloats.format(1 / 3.0)).isEqualTo("0.33333333333333331");
    assertThat(TfFloats.format(1e300)).isEqualTo("1e+300");
    assertThat(TfFloats.format(1e-300)).isEqualTo("1e-300");
  }
}
