package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterValueTest {

  @Test
  void of_mapsEachJavaTypeToItsParameter() {
    assertThat(ParameterValue.of(true)).isEqualTo(new ParameterValue.Bool(true));
    assertThat(ParameterValue.of(7)).isEqualTo(new ParameterValue.Int(7));
    assertThat(ParameterValue.of(7L)).isEqualTo(new ParameterValue.Int(7));
    assertThat(ParameterValue.of((short) -3)).isEqualTo(new ParameterValue.Int(-3));
    assertThat(ParameterValue.of((byte) 5)).isEqualTo(new ParameterValue.Int(5));
    assertThat(ParameterValue.of(Long.MIN_VALUE)).isEqualTo(new ParameterValue.Int(Long.MIN_VALUE));
    assertThat(ParameterValue.of(BigInteger.valueOf(Long.MAX_VALUE)))
        .isEqualTo(new ParameterValue.Int(Long.MAX_VALUE));
    assertThat(ParameterValue.of(0.25)).isEqualTo(new ParameterValue.Real(0.25));
    assertThat(ParameterValue.of(0.5f)).isEqualTo(new ParameterValue.Real(0.5));
    assertThat(ParameterValue.of("x")).isEqualTo(new ParameterValue.Str("x"));
  }

  @Test
  void asObject_returnsThePlainJavaValue() {
    assertThat(new ParameterValue.Bool(false).asObject()).isEqualTo(Boolean.FALSE);
    assertThat(new ParameterValue.Int(3).asObject()).isEqualTo(3L);
    assertThat(new ParameterValue.Real(1.5).asObject()).isEqualTo(1.5);
    assertThat(new ParameterValue.Str("s").asObject()).isEqualTo("s");
    for (Object v : List.of(true, 3L, 1.5, "s")) {
      assertThat(ParameterValue.of(v).asObject()).isEqualTo(v);
    }
  }

  @Test
  void of_refusesUnsupportedTypes_namingTheType() {
    assertThatThrownBy(() -> ParameterValue.of(List.of(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unsupported parameter type ");
    assertThatThrownBy(() -> ParameterValue.of('c'))
        .hasMessage("unsupported parameter type Character");
  }

  @Test
  void of_refusesNumbersThatAreNeitherLongNorDouble_ratherThanTruncating() {
    assertThatThrownBy(() -> ParameterValue.of(new BigDecimal("1.5")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unsupported parameter type BigDecimal");
    assertThatThrownBy(() -> ParameterValue.of(BigInteger.ONE.shiftLeft(64)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("integer parameter 18446744073709551616 is out of the signed 64-bit range");
  }

  @Test
  void str_refusesNull() {
    assertThatThrownBy(() -> new ParameterValue.Str(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("value");
  }
}
