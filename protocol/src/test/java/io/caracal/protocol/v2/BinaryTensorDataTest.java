package io.caracal.protocol.v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.testing.EdgeTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BinaryTensorDataTest {
  private static TensorDataProblem problemOf(Runnable r) {
    try {
      r.run();
    } catch (TensorDataException e) {
      return e.problem();
    }
    throw new AssertionError("expected a TensorDataException");
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void toTensor_takesEveryEncodedTensorAsItIs(DataType type) {
    Tensor t = EdgeTensors.of(type);
    BinaryTensorData.checkSize(type, t.shape(), t.byteSize(), Long.MAX_VALUE);
    assertThat(BinaryTensorData.toTensor(type, t.shape(), t.data())).isEqualTo(t);
  }

  @Test
  void toTensor_doesNotCopy() {
    ByteBuffer data = le(8).putInt(1).putInt(2).flip();
    Tensor t = BinaryTensorData.toTensor(DataType.INT32, Shape.of(2), data);
    data.putInt(0, 7);
    assertThat(t.data().getInt(0)).isEqualTo(7);
  }

  @Test
  void fixedSizeTypes_needExactlyTheirByteSize() {
    assertThat(
            problemOf(
                () -> BinaryTensorData.checkSize(DataType.FP32, Shape.of(2), 7, Long.MAX_VALUE)))
        .isEqualTo(new TensorDataProblem.SizeMismatch(8, 7));
    assertThat(problemOf(() -> BinaryTensorData.toTensor(DataType.INT64, Shape.of(1), le(9))))
        .isEqualTo(new TensorDataProblem.SizeMismatch(8, 9));
    BinaryTensorData.checkSize(DataType.BOOL, Shape.of(3, 0), 0, 0);
  }

  @Test
  void countsThatOverflow() {
    assertThat(
            problemOf(() ->
                BinaryTensorData.checkSize(
                    DataType.INT8, Shape.of(1L << 32, 1L << 32), 0, Long.MAX_VALUE)))
        .isEqualTo(new TensorDataProblem.CountOverflow());
    // the element count fits, its byte size does not
    assertThat(
            problemOf(() ->
                BinaryTensorData.checkSize(DataType.FP64, Shape.of(1L << 61), 0, Long.MAX_VALUE)))
        .isEqualTo(new TensorDataProblem.CountOverflow());
  }

  @Test
  void bytes_needFourBytesAnElement_andAtMostMaxElements() {
    assertThat(
            problemOf(
                () -> BinaryTensorData.checkSize(DataType.BYTES, Shape.of(3), 11, Long.MAX_VALUE)))
        .isEqualTo(new TensorDataProblem.BytesTooShort(3, 11));
    BinaryTensorData.checkSize(DataType.BYTES, Shape.of(3), 12, Long.MAX_VALUE);
    assertThat(problemOf(() -> BinaryTensorData.checkSize(DataType.BYTES, Shape.of(3), 12, 2)))
        .isEqualTo(new TensorDataProblem.BytesTooShort(3, 12));
    // no overflow for a count near Long.MAX_VALUE
    assertThat(
            problemOf(() ->
                BinaryTensorData.checkSize(
                    DataType.BYTES, Shape.of(Long.MAX_VALUE / 2), 16, Long.MAX_VALUE)))
        .isEqualTo(new TensorDataProblem.BytesTooShort(Long.MAX_VALUE / 2, 16));
  }

  @Test
  void bytes_elementsMustTileTheData() {
    ByteBuffer overrun = le(12).putInt(Integer.MAX_VALUE).putInt(0).putInt(0).flip();
    assertThat(problemOf(() -> BinaryTensorData.toTensor(DataType.BYTES, Shape.of(2), overrun)))
        .isEqualTo(new TensorDataProblem.BytesOverrun());
    ByteBuffer three = le(12).putInt(0).putInt(0).putInt(0).flip();
    assertThat(problemOf(() -> BinaryTensorData.toTensor(DataType.BYTES, Shape.of(2), three)))
        .isEqualTo(new TensorDataProblem.BytesCountMismatch(2, 3));
    assertThatThrownBy(() -> BinaryTensorData.toTensor(DataType.BYTES, Shape.of(2), three))
        .hasMessage("expected 2 BYTES elements for shape [2], got 3");
  }
}
