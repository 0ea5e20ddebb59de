package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class NamedTensorTest {
  static Tensor int8(byte... values) {
    return Tensor.of(DataType.INT8, Shape.of(values.length), ByteBuffer.wrap(values));
  }

  @Test
  void equality_isByNameAndTensorContent() {
    NamedTensor a = new NamedTensor("X", int8((byte) 1, (byte) 2));
    assertThat(a)
        .isEqualTo(new NamedTensor("X", int8((byte) 1, (byte) 2)))
        .hasSameHashCodeAs(new NamedTensor("X", int8((byte) 1, (byte) 2)));
    assertThat(a).isNotEqualTo(new NamedTensor("Y", int8((byte) 1, (byte) 2)));
    assertThat(a).isNotEqualTo(new NamedTensor("X", int8((byte) 1, (byte) 3)));
  }

  @Test
  void nulls_areRefused_namingTheComponent() {
    assertThatThrownBy(() -> new NamedTensor(null, int8()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> new NamedTensor("X", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("tensor");
  }
}
