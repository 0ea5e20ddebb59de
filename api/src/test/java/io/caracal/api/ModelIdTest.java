package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelIdTest {

  @Test
  void toString_isNameSlashVersion() {
    assertThat(new ModelId("resnet", 3)).hasToString("resnet/3");
    assertThat(new ModelId("resnet", Long.MAX_VALUE)).hasToString("resnet/9223372036854775807");
  }

  @Test
  void equality_isByNameAndVersion() {
    assertThat(new ModelId("a", 1))
        .isEqualTo(new ModelId("a", 1))
        .isNotEqualTo(new ModelId("a", 2))
        .isNotEqualTo(new ModelId("b", 1));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, Long.MIN_VALUE})
  void versionsBelowOne_areRefused_namingTheValue(long version) {
    assertThatThrownBy(() -> new ModelId("resnet", version))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("version < 1: " + version);
  }

  @Test
  void nullName_isRefused() {
    assertThatThrownBy(() -> new ModelId(null, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
  }
}
