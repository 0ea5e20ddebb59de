package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorTest {

  private static ByteBuffer le(int capacity) {
    return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static ByteBuffer ints(int... v) {
    ByteBuffer b = le(v.length * 4);
    for (int x : v) {
      b.putInt(x);
    }
    return b.flip();
  }

  /** The V2 encoding of BYTES elements: each a u32 little-endian length and its bytes. */
  private static ByteBuffer bytesElements(String... elements) {
    int size = 0;
    for (String e : elements) {
      size += 4 + e.getBytes(StandardCharsets.UTF_8).length;
    }
    ByteBuffer b = le(size);
    for (String e : elements) {
      byte[] d = e.getBytes(StandardCharsets.UTF_8);
      b.putInt(d.length).put(d);
    }
    return b.flip();
  }

  // ---------------------------------------------------------------- fixed-size types

  @ParameterizedTest
  @EnumSource(value = DataType.class, names = "BYTES", mode = EnumSource.Mode.EXCLUDE)
  void of_acceptsExactlyElementCountTimesElementSizeBytes(DataType t) {
    Shape shape = Shape.of(2, 3);
    int bytes = 6 * t.byteSize();
    Tensor tensor = Tensor.of(t, shape, le(bytes));
    assertThat(tensor.elementCount()).isEqualTo(6);
    assertThat(tensor.byteSize()).isEqualTo(bytes);
    assertThat(tensor.dataType()).isEqualTo(t);
    assertThat(tensor.shape()).isEqualTo(shape);

    assertThatThrownBy(() -> Tensor.of(t, shape, le(bytes - 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected " + bytes + " bytes for " + t + " [2,3], got " + (bytes - 1));
    assertThatThrownBy(() -> Tensor.of(t, shape, le(bytes + 1)))
        .hasMessage("expected " + bytes + " bytes for " + t + " [2,3], got " + (bytes + 1));
  }

  @Test
  void of_acceptsZeroSizedDimensionsWithNoData() {
    Tensor t = Tensor.of(DataType.FP32, Shape.of(1, 0), le(0));
    assertThat(t.elementCount()).isZero();
    assertThat(t.byteSize()).isZero();
    assertThat(Tensor.of(DataType.BYTES, Shape.of(0, 4), le(0)).elementCount()).isZero();
    assertThatThrownBy(() -> Tensor.of(DataType.FP32, Shape.of(1, 0), le(4)))
        .hasMessage("expected 0 bytes for FP32 [1,0], got 4");
  }

  @Test
  void of_acceptsAScalar() {
    Tensor t = Tensor.of(DataType.INT64, Shape.of(), le(8));
    assertThat(t.elementCount()).isEqualTo(1);
    assertThat(t.byteSize()).isEqualTo(8);
  }

  @Test
  void of_refusesNegativeDimensions_namingTheShape() {
    assertThatThrownBy(() -> Tensor.of(DataType.FP32, Shape.of(-1, 4), le(16)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tensor shape [-1,4] has a negative dimension");
    assertThatThrownBy(() -> Tensor.of(DataType.BYTES, Shape.of(-2), le(0)))
        .hasMessage("tensor shape [-2] has a negative dimension");
  }

  @Test
  void of_refusesAnElementCountThatOverflows() {
    assertThatThrownBy(() -> Tensor.of(DataType.FP32, Shape.of(3037000500L, 3037000500L), le(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tensor shape [3037000500,3037000500] has too many elements")
        .hasCauseInstanceOf(ArithmeticException.class);
  }

  @Test
  void of_refusesAByteSizeThatOverflows_thoughTheElementCountFits() {
    // 2^62 elements fit a long; 2^62 * 4 bytes do not
    assertThatThrownBy(() -> Tensor.of(DataType.FP32, Shape.of(1L << 31, 1L << 31), le(4)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tensor shape [2147483648,2147483648] has too many bytes")
        .hasCauseInstanceOf(ArithmeticException.class);
    // a count that fits, with bytes past int range: just a size mismatch
    assertThatThrownBy(() -> Tensor.of(DataType.FP64, Shape.of(1L << 30), le(8)))
        .hasMessage("expected 8589934592 bytes for FP64 [1073741824], got 8");
  }

  @Test
  void of_refusesNulls_namingTheArgument() {
    assertThatThrownBy(() -> Tensor.of(null, Shape.of(1), le(4)))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("dataType");
    assertThatThrownBy(() -> Tensor.of(DataType.FP32, null, le(4))).hasMessage("shape");
    assertThatThrownBy(() -> Tensor.of(DataType.FP32, Shape.of(1), null)).hasMessage("data");
  }

  // ---------------------------------------------------------------- the data view

  @Test
  void of_takesTheDataFromPositionToLimit() {
    ByteBuffer b = le(12).putInt(7).putInt(1).putInt(2).flip().position(4);
    Tensor t = Tensor.of(DataType.INT32, Shape.of(2), b);
    assertThat(t.byteSize()).isEqualTo(8);
    assertThat(t.data().getInt(0)).isEqualTo(1);
    b.position(0).limit(4); // moving the caller's buffer does not move the tensor's view
    assertThat(t.data().remaining()).isEqualTo(8);
    assertThat(t.data().getInt(4)).isEqualTo(2);
  }

  @Test
  void data_isAReadOnlyLittleEndianView_freshOnEachCall() {
    ByteBuffer bigEndian = ByteBuffer.allocate(4).putInt(0x01020304).flip();
    Tensor t = Tensor.of(DataType.INT32, Shape.of(1), bigEndian);
    ByteBuffer view = t.data();
    assertThat(view.isReadOnly()).isTrue();
    assertThat(view.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    assertThat(view.getInt()).isEqualTo(0x04030201);
    assertThat(view.remaining()).isZero();
    assertThat(t.data().position()).isZero();
    assertThat(t.data().remaining()).isEqualTo(4);
    assertThatThrownBy(() -> t.data().put(0, (byte) 9)).isInstanceOf(ReadOnlyBufferException.class);
  }

  @Test
  void data_ofADirectBuffer_staysDirect() {
    ByteBuffer direct =
        ByteBuffer.allocateDirect(8)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putFloat(1.5f)
            .putFloat(-2f)
            .flip();
    Tensor t = Tensor.of(DataType.FP32, Shape.of(2), direct);
    assertThat(t.data().isDirect()).isTrue();
    assertThat(t.data().getFloat(4)).isEqualTo(-2f);
  }

  // ---------------------------------------------------------------- equality

  @Test
  void equality_comparesTypeShapeAndBytes_notBufferIdentity() {
    Tensor a = Tensor.of(DataType.INT32, Shape.of(2, 2), ints(1, 2, 3, 4));
    Tensor heapCopy = Tensor.of(DataType.INT32, Shape.of(2, 2), ints(1, 2, 3, 4));
    ByteBuffer direct =
        ByteBuffer.allocateDirect(20)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(9)
            .put(ints(1, 2, 3, 4))
            .flip();
    Tensor directCopy = Tensor.of(DataType.INT32, Shape.of(2, 2), direct.position(4));

    assertThat(a).isEqualTo(heapCopy).hasSameHashCodeAs(heapCopy);
    assertThat(a).isEqualTo(directCopy).hasSameHashCodeAs(directCopy);
    assertThat(a).isNotEqualTo(Tensor.of(DataType.INT32, Shape.of(2, 2), ints(1, 2, 3, 5)));
    assertThat(a)
        .as("same bytes, other shape")
        .isNotEqualTo(Tensor.of(DataType.INT32, Shape.of(4), ints(1, 2, 3, 4)));
    assertThat(a)
        .as("same bytes, other type")
        .isNotEqualTo(Tensor.of(DataType.FP32, Shape.of(2, 2), ints(1, 2, 3, 4)));
    assertThat(a).isNotEqualTo(ints(1, 2, 3, 4));
  }

  @Test
  void equality_isBitwise_forFloats() {
    Tensor zero = Tensor.of(DataType.FP32, Shape.of(1), le(4).putFloat(0f).flip());
    Tensor negativeZero = Tensor.of(DataType.FP32, Shape.of(1), le(4).putFloat(-0f).flip());
    Tensor nan = Tensor.of(DataType.FP32, Shape.of(1), le(4).putFloat(Float.NaN).flip());
    assertThat(zero).isNotEqualTo(negativeZero);
    assertThat(nan)
        .isEqualTo(Tensor.of(DataType.FP32, Shape.of(1), le(4).putFloat(Float.NaN).flip()));
  }

  @Test
  void toString_namesTypeShapeAndSize() {
    assertThat(Tensor.of(DataType.FP32, Shape.of(2, 2), le(16)))
        .hasToString("Tensor[FP32 [2,2], 16 bytes]");
  }

  // ---------------------------------------------------------------- withShape

  @Test
  void withShape_viewsTheSameBytesWithAnotherShapeOfTheSameCount() {
    Tensor t = Tensor.of(DataType.INT32, Shape.of(2, 2), ints(1, 2, 3, 4));
    Tensor flat = t.withShape(Shape.of(4));
    assertThat(flat.shape()).isEqualTo(Shape.of(4));
    assertThat(flat.data()).isEqualTo(t.data());
    assertThat(flat).isNotEqualTo(t);
    assertThat(flat.withShape(Shape.of(2, 2))).isEqualTo(t);
  }

  @Test
  void withShape_refusesAnotherElementCount() {
    Tensor t = Tensor.of(DataType.INT32, Shape.of(2, 2), ints(1, 2, 3, 4));
    assertThatThrownBy(() -> t.withShape(Shape.of(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot view [2,2] as [3]");
  }

  // ---------------------------------------------------------------- BYTES

  @Test
  void ofStrings_encodesEachElementAsLengthAndUtf8Bytes() {
    Tensor t = Tensor.ofStrings(Shape.of(1, 3), List.of("hi", "", "é"));
    assertThat(t.dataType()).isEqualTo(DataType.BYTES);
    assertThat(t.elementCount()).isEqualTo(3);
    assertThat(t.byteSize()).isEqualTo(4 + 2 + 4 + 4 + 2);
    assertThat(t.data()).isEqualTo(bytesElements("hi", "", "é"));
    assertThat(t.bytesElements())
        .extracting(b -> new String(b, StandardCharsets.UTF_8))
        .containsExactly("hi", "", "é");
    assertThat(t)
        .isEqualTo(Tensor.of(DataType.BYTES, Shape.of(1, 3), bytesElements("hi", "", "é")));
  }

  @Test
  void ofBytes_keepsArbitraryBytes() {
    byte[] raw = {0, -1, 127, -128};
    Tensor t = Tensor.ofBytes(Shape.of(2), List.of(raw, new byte[0]));
    assertThat(t.bytesElements()).containsExactly(raw, new byte[0]);
  }

  @Test
  void ofBytes_refusesAnElementCountNotMatchingTheShape() {
    assertThatThrownBy(() -> Tensor.ofStrings(Shape.of(2), List.of("only one")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected 2 BYTES elements for shape [2], got 1");
    assertThatThrownBy(() -> Tensor.ofStrings(Shape.of(0), List.of("x")))
        .hasMessage("expected 0 BYTES elements for shape [0], got 1");
  }

  @Test
  void of_refusesBytesDataThatIsNotLengthPrefixedElements() {
    String malformed = "BYTES data is not a sequence of length-prefixed elements";
    // a length running past the end
    assertThatThrownBy(
            () -> Tensor.of(DataType.BYTES, Shape.of(1), le(7).putInt(4).put(new byte[3]).flip()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(malformed);
    // a length with the high bit set is unsigned, not negative
    assertThatThrownBy(
            () -> Tensor.of(DataType.BYTES, Shape.of(1), le(8).putInt(0x80000000).putInt(0).flip()))
        .hasMessage(malformed);
    // a truncated length prefix after a whole element
    assertThatThrownBy(() ->
            Tensor.of(
                DataType.BYTES, Shape.of(2), le(7).putInt(0).put(new byte[] {1, 0, 0}).flip()))
        .hasMessage(malformed);
  }

  @Test
  void countBytesElements_countsWithoutMovingTheBuffer() {
    ByteBuffer b = bytesElements("a", "bc", "");
    assertThat(Tensor.countBytesElements(b)).isEqualTo(3);
    assertThat(b.position()).isZero();
    assertThat(Tensor.countBytesElements(le(0))).isZero();
    assertThat(Tensor.countBytesElements(le(3))).isEqualTo(-1);
    assertThat(Tensor.countBytesElements(le(4).putInt(-1).flip())).isEqualTo(-1);
  }

  @Test
  void bytesElements_ofAFixedSizeTensor_throws() {
    Tensor t = Tensor.of(DataType.UINT8, Shape.of(4), le(4));
    assertThatThrownBy(t::bytesElements)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("not a BYTES tensor: UINT8");
  }
}
