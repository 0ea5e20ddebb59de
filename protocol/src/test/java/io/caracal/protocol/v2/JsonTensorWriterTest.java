package io.caracal.protocol.v2;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.testing.EdgeTensors;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JsonTensorWriterTest {
  private static final JsonFactory JSON = new JsonFactory();

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static String data(Tensor t) throws IOException {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      JsonTensorWriter.writeData(g, t);
    }
    return w.toString();
  }

  private static String eachElement(Tensor t) throws IOException {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      JsonTensorWriter.writeEachElement(g, t);
    }
    return w.toString();
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"FP32", "FP64", "FP16", "BF16"})
  void floats_writtenAsTextInChunks_matchTheGeneratorsOwnNumbers(DataType dt) throws IOException {
    // seeded random bit patterns (subnormals, huge and tiny exponents, -0.0) across several chunks
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
    int n = 3000;
    ByteBuffer b = le(n * dt.byteSize());
    for (int i = 0; i < n; i++) {
      switch (dt) {
        case FP32 -> b.putFloat(finiteFloat(rnd));
        case FP64 -> {
          double d = Double.longBitsToDouble(rnd.nextLong());
          b.putDouble(Double.isFinite(d) ? d : i);
        }
        default -> b.putShort(Float.floatToFloat16(i % 7 == 0 ? -0.0f : rnd.nextFloat() * 100));
      }
    }
    Tensor t = Tensor.of(dt, Shape.of(n), b.flip());
    assertThat(data(t)).isEqualTo(eachElement(t)).startsWith("[").endsWith("]");
    Tensor empty = Tensor.of(dt, Shape.of(0), le(0));
    assertThat(data(empty)).isEqualTo("[]");
  }

  private static float finiteFloat(java.util.SplittableRandom rnd) {
    float f = Float.intBitsToFloat(rnd.nextInt());
    return Float.isFinite(f) ? f : 1.0e-45f;
  }

  @Test
  void floats_withANonFiniteElement_goThroughTheGenerator() throws IOException {
    Tensor t =
        Tensor.of(DataType.FP32, Shape.of(2), le(8).putFloat(1.5f).putFloat(Float.NaN).flip());
    assertThat(data(t)).isEqualTo(eachElement(t)).isEqualTo("[1.5,\"NaN\"]");
  }

  @Test
  void writeData_everyDatatype() throws IOException {
    assertThat(data(Tensor.of(DataType.BOOL, Shape.of(2), ByteBuffer.wrap(new byte[] {1, 0}))))
        .isEqualTo("[true,false]");
    assertThat(data(Tensor.of(DataType.INT8, Shape.of(2), ByteBuffer.wrap(new byte[] {-128, 127}))))
        .isEqualTo("[-128,127]");
    assertThat(data(Tensor.of(DataType.UINT8, Shape.of(1), ByteBuffer.wrap(new byte[] {-1}))))
        .isEqualTo("[255]");
    assertThat(data(Tensor.of(DataType.INT16, Shape.of(1), le(2).putShort((short) -2).flip())))
        .isEqualTo("[-2]");
    assertThat(data(Tensor.of(DataType.UINT16, Shape.of(1), le(2).putShort((short) -1).flip())))
        .isEqualTo("[65535]");
    assertThat(data(Tensor.of(DataType.INT32, Shape.of(1), le(4).putInt(-7).flip())))
        .isEqualTo("[-7]");
    assertThat(data(Tensor.of(DataType.UINT32, Shape.of(1), le(4).putInt(-1).flip())))
        .isEqualTo("[4294967295]");
    assertThat(data(Tensor.of(DataType.INT64, Shape.of(1), le(8).putLong(Long.MIN_VALUE).flip())))
        .isEqualTo("[-9223372036854775808]");
    assertThat(data(Tensor.of(DataType.UINT64, Shape.of(2), le(16).putLong(-1).putLong(5).flip())))
        .isEqualTo("[18446744073709551615,5]");
    assertThat(
            data(
                Tensor.of(
                    DataType.FP16, Shape.of(1), le(2).putShort(Float.floatToFloat16(1.5f)).flip())))
        .isEqualTo("[1.5]");
    assertThat(
            data(
                Tensor.of(
                    DataType.BF16, Shape.of(1), le(2).putShort(Bfloat16.fromFloat(-2f)).flip())))
        .isEqualTo("[-2.0]");
    assertThat(
            data(
                Tensor.of(DataType.FP32, Shape.of(1, 2), le(8).putFloat(0.1f).putFloat(3f).flip())))
        .isEqualTo("[0.1,3.0]");
    assertThat(data(Tensor.of(DataType.FP64, Shape.of(1), le(8).putDouble(0.1).flip())))
        .isEqualTo("[0.1]");
    Tensor bytes =
        Tensor.ofBytes(
            Shape.of(2),
            List.of("héllo".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, 'a'}));
    assertThat(data(bytes)).isEqualTo("[\"héllo\",\"\uFFFDa\"]");
  }

  @Test
  void writeData_nonFiniteFloatsAsStrings_andFlatWhateverTheRank() throws IOException {
    Tensor t =
        Tensor.of(
            DataType.FP32,
            Shape.of(1, 1, 3),
            le(12)
                .putFloat(Float.NaN)
                .putFloat(Float.POSITIVE_INFINITY)
                .putFloat(Float.NEGATIVE_INFINITY)
                .flip());
    assertThat(data(t)).isEqualTo("[\"NaN\",\"Infinity\",\"-Infinity\"]");
    assertThat(data(Tensor.of(DataType.INT32, Shape.of(2, 0), le(0)))).isEqualTo("[]");
  }

  @Test
  void writeShape() throws IOException {
    StringWriter w = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(w)) {
      g.writeStartObject();
      JsonTensorWriter.writeShape(g, Shape.of(2, 0, 3));
      g.writeEndObject();
    }
    assertThat(w).hasToString("{\"shape\":[2,0,3]}");
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void isExact_forFiniteNumbersAndUtf8_butNeverHalfPrecision(DataType type) {
    boolean half = type == DataType.FP16 || type == DataType.BF16;
    assertThat(JsonTensorWriter.isExact(EdgeTensors.jsonExact(type))).isEqualTo(!half);
    boolean carriesNonJsonValues =
        half || type == DataType.FP32 || type == DataType.FP64 || type == DataType.BYTES;
    assertThat(JsonTensorWriter.isExact(EdgeTensors.of(type))).isEqualTo(!carriesNonJsonValues);
  }

  @Test
  void isExact_looksAtEveryElement() {
    assertThat(
            JsonTensorWriter.isExact(
                Tensor.of(
                    DataType.FP64, Shape.of(2), le(16).putDouble(1).putDouble(Double.NaN).flip())))
        .isFalse();
    assertThat(
            JsonTensorWriter.isExact(
                Tensor.ofBytes(Shape.of(2), List.of(new byte[] {'a'}, new byte[] {(byte) 0xC3}))))
        .isFalse();
    assertThat(JsonTensorWriter.isExact(Tensor.ofStrings(Shape.of(2), List.of("é", "")))).isTrue();
  }
}
