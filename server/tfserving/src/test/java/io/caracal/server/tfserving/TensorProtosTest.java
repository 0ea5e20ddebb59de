package io.caracal.server.tfserving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.proto.tensorflow.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorProtosTest {

  private static Tensor counting(DataType t, int n) {
    if (t == DataType.BYTES) {
      return Tensor.ofStrings(Shape.of(n), List.of("a", "bc", "").subList(0, n));
    }
    ByteBuffer b = ByteBuffer.allocate(n * t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < b.capacity(); i++) {
      b.put((byte) (t == DataType.BOOL ? i % 2 : 0x11 * (i + 1)));
    }
    return Tensor.of(t, Shape.of(n), b.flip());
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void typedValues_roundTripEveryType(DataType t) {
    Tensor x = counting(t, 3);
    TensorProto p = TensorProtos.toProto(x);
    assertThat(p.getTensorContent().isEmpty()).isTrue();
    assertThat(p.getDtype().name()).isEqualTo(io.caracal.protocol.tf.TfDtypes.enumName(t));
    assertThat(TensorProtos.fromProto("v", p)).isEqualTo(x);
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"BYTES"},
      mode = EnumSource.Mode.EXCLUDE)
  void tensorContent_isReadRaw(DataType t) {
    Tensor x = counting(t, 3);
    TensorProto p =
        TensorProto.newBuilder()
            .setDtype(TensorProtos.dtype(t))
            .setTensorShape(TensorProtos.shape(new long[] {3}))
            .setTensorContent(ByteString.copyFrom(x.data()))
            .build();
    assertThat(TensorProtos.fromProto("v", p)).isEqualTo(x);
  }

  @Test
  void fewerValues_repeatTheLast_noneAreZeros() {
    TensorProto p =
        TensorProto.newBuilder()
            .setDtype(io.caracal.proto.tensorflow.DataType.DT_INT64)
            .setTensorShape(TensorProtos.shape(new long[] {2, 2}))
            .addInt64Val(7)
            .addInt64Val(9)
            .build();
    ByteBuffer d = TensorProtos.fromProto("v", p).data();
    assertThat(new long[] {d.getLong(), d.getLong(), d.getLong(), d.getLong()})
        .containsExactly(7, 9, 9, 9);
    TensorProto none = p.toBuilder().clearInt64Val().build();
    assertThat(TensorProtos.fromProto("v", none).data().getLong(24)).isZero();
    TensorProto strings =
        TensorProto.newBuilder()
            .setDtype(io.caracal.proto.tensorflow.DataType.DT_STRING)
            .setTensorShape(TensorProtos.shape(new long[] {2}))
            .build();
    assertThat(TensorProtos.fromProto("v", strings).bytesElements()).hasSize(2);
  }

  @Test
  void badContentOrShape_isAParsingError() {
    TensorProto p =
        TensorProto.newBuilder()
            .setDtype(io.caracal.proto.tensorflow.DataType.DT_FLOAT)
            .setTensorShape(TensorProtos.shape(new long[] {2}))
            .setTensorContent(ByteString.copyFrom(new byte[7]))
            .build();
    assertThatThrownBy(() -> TensorProtos.fromProto("x", p)).hasMessage("tensor parsing error: x");
    TensorProto negative =
        p.toBuilder().setTensorShape(TensorProtos.shape(new long[] {-1})).build();
    assertThatThrownBy(() -> TensorProtos.fromProto("x", negative))
        .hasMessage("tensor parsing error: x");
    TensorProto huge =
        p.toBuilder()
            .clearTensorContent()
            .setTensorShape(TensorProtos.shape(new long[] {1L << 40, 1L << 40}))
            .build();
    assertThatThrownBy(() -> TensorProtos.fromProto("x", huge))
        .hasMessage("tensor parsing error: x");
  }
}
