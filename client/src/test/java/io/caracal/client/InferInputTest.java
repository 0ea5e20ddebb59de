package io.caracal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InferInputTest {
  private static InferOutput out(InferInput in) {
    return new InferOutput(in.name(), in.tensor(), Map.of());
  }

  @Test
  void typedFactoriesRoundTripThroughReaders() {
    long[] s = {3};
    assertThat(out(InferInput.fp32("x", s, 1f, -0f, Float.NaN)).asFloats())
        .containsExactly(1f, -0f, Float.NaN);
    assertThat(out(InferInput.fp64("x", s, 1, 2, 3)).asDoubles()).containsExactly(1d, 2d, 3d);
    assertThat(out(InferInput.fp16("x", s, 1.5f, 65504f, -2f)).asFloats())
        .containsExactly(1.5f, 65504f, -2f);
    assertThat(out(InferInput.bf16("x", s, 1.5f, -3f, 1e30f)).asFloats()[0]).isEqualTo(1.5f);
    assertThat(out(InferInput.int8("x", s, (byte) -1, (byte) 2, (byte) 3)).asInts())
        .containsExactly(-1, 2, 3);
    assertThat(out(InferInput.uint8("x", s, 255, 0, 7)).asInts()).containsExactly(255, 0, 7);
    assertThat(out(InferInput.int16("x", s, (short) -1, (short) 2, (short) 3)).asInts())
        .containsExactly(-1, 2, 3);
    assertThat(out(InferInput.uint16("x", s, 65535, 0, 7)).asInts()).containsExactly(65535, 0, 7);
    assertThat(out(InferInput.int32("x", s, -1, 2, 3)).asLongs()).containsExactly(-1, 2, 3);
    assertThat(out(InferInput.uint32("x", s, 4294967295L, 0, 7)).asLongs())
        .containsExactly(4294967295L, 0, 7);
    assertThat(out(InferInput.int64("x", s, Long.MIN_VALUE, 0, 7)).asLongs())
        .containsExactly(Long.MIN_VALUE, 0, 7);
    assertThat(out(InferInput.uint64("x", s, -1L, 0, 7)).asLongs()).containsExactly(-1L, 0, 7);
    assertThat(out(InferInput.bool("x", s, true, false, true)).asBooleans())
        .containsExactly(true, false, true);
    assertThat(out(InferInput.strings("x", s, "a", "", "ü")).asStrings())
        .containsExactly("a", "", "ü");
    assertThat(out(InferInput.bytes("x", new long[] {1}, new byte[] {0, -1})).asByteArrays().get(0))
        .containsExactly(0, -1);
  }

  @Test
  void encodingIsLittleEndian() {
    InferInput in = InferInput.int32("x", new long[] {1}, 0x01020304);
    assertThat(out(in).asRawBytes()).containsExactly(4, 3, 2, 1);
    assertThat(in.dataType()).isEqualTo(DataType.INT32);
    assertThat(in.shape()).isEqualTo(Shape.of(1));
  }

  @Test
  void shapeMustFitTheValues() {
    assertThatThrownBy(() -> InferInput.fp32("x", new long[] {2, 2}, 1f))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InferInput.uint8("x", new long[] {1}, 256))
        .hasMessageContaining("UINT8");
    assertThatThrownBy(
            () -> InferInput.int32("x", new long[] {1}, 1).withParameter("k", new Object()))
        .hasMessageContaining("parameter 'k'");
  }
}
