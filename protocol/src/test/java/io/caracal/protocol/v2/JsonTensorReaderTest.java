package io.caracal.protocol.v2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonTensorReaderTest {
  private static final JsonFactory JSON = new JsonFactory();
  private static final JsonTensorReader REQUESTS = JsonTensorReader.forRequests(100);
  private static final JsonTensorReader RESPONSES = JsonTensorReader.forResponses();

  private static Tensor read(JsonTensorReader r, String type, String shape, String data)
      throws IOException {
    return read(r, DataType.fromWireName(type).orElseThrow(), shape(shape), data, Long.MAX_VALUE);
  }

  private static Tensor read(JsonTensorReader r, DataType type, Shape shape, String data, long max)
      throws IOException {
    try (JsonParser p = JSON.createParser(data.getBytes(StandardCharsets.UTF_8))) {
      p.nextToken();
      Tensor t = r.read(p, type, shape, max);
      assertThat(p.currentToken()).isEqualTo(JsonToken.END_ARRAY);
      assertThat(p.nextToken()).isNull();
      return t;
    }
  }

  @Test
  void floats_parsedFromTheParsersCharacters_areCorrectlyRounded() throws IOException {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
    java.util.List<String> texts =
        new java.util.ArrayList<>(
            java.util.List.of(
                "0",
                "-0",
                "1",
                "-1.5",
                "1e-3",
                "1E+10",
                "0.1",
                "1.4e-45",
                "7e-46",
                "3.4028235e38",
                "3.4028234e38",
                "123456789012345678901234567890",
                "0.30000000000000004",
                "2.2250738585072014E-308",
                "4.9e-324",
                "16777217"));
    for (int i = 0; i < 500; i++) {
      texts.add(Float.toString(Float.intBitsToFloat(rnd.nextInt() & 0x7f7fffff)));
      texts.add(Double.toString(rnd.nextDouble(-1e6, 1e6)));
      texts.add(rnd.nextLong() + "." + Math.abs(rnd.nextLong()) + "e" + (rnd.nextInt(40) - 30));
    }
    String data = "[" + String.join(",", texts) + "]";
    ByteBuffer f32 = read(REQUESTS, "FP32", "[" + texts.size() + "]", data).data();
    ByteBuffer f64 = read(REQUESTS, "FP64", "[" + texts.size() + "]", data).data();
    for (String text : texts) {
      assertThat(Float.floatToRawIntBits(f32.getFloat()))
          .as(text)
          .isEqualTo(Float.floatToRawIntBits(Float.parseFloat(text)));
      assertThat(f64.getDouble()).as(text).isEqualTo(Double.parseDouble(text));
    }
  }

  private static Shape shape(String dims) {
    String inner = dims.substring(1, dims.length() - 1);
    return inner.isEmpty()
        ? Shape.of()
        : Shape.of(java.util.Arrays.stream(inner.split(",")).mapToLong(Long::parseLong).toArray());
  }

  private static TensorDataProblem problem(
      JsonTensorReader r, String type, String shape, String data) {
    try {
      read(r, type, shape, data);
    } catch (TensorDataException e) {
      return e.problem();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a TensorDataException");
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Test
  void bool() throws IOException {
    assertThat(read(REQUESTS, "BOOL", "[3]", "[true,false,true]").data())
        .isEqualTo(ByteBuffer.wrap(new byte[] {1, 0, 1}));
    assertThat(problem(REQUESTS, "BOOL", "[1]", "[1]"))
        .isEqualTo(new TensorDataProblem.BadElement("true or false", "an integer"));
  }

  @Test
  void everyIntegerTypeAtItsLimits() throws IOException {
    assertThat(read(REQUESTS, "INT8", "[2]", "[-128,127]").data())
        .isEqualTo(ByteBuffer.wrap(new byte[] {-128, 127}));
    assertThat(read(REQUESTS, "UINT8", "[2]", "[0,255]").data())
        .isEqualTo(ByteBuffer.wrap(new byte[] {0, (byte) 255}));
    assertThat(read(REQUESTS, "INT16", "[2]", "[-32768,32767]").data())
        .isEqualTo(le(4).putShort((short) -32768).putShort((short) 32767).flip());
    assertThat(read(REQUESTS, "UINT16", "[1]", "[65535]").data())
        .isEqualTo(le(2).putShort((short) -1).flip());
    assertThat(read(REQUESTS, "INT32", "[2]", "[-2147483648,2147483647]").data())
        .isEqualTo(le(8).putInt(Integer.MIN_VALUE).putInt(Integer.MAX_VALUE).flip());
    assertThat(read(REQUESTS, "UINT32", "[1]", "[4294967295]").data())
        .isEqualTo(le(4).putInt(-1).flip());
    assertThat(read(REQUESTS, "INT64", "[2]", "[-9223372036854775808,9223372036854775807]").data())
        .isEqualTo(le(16).putLong(Long.MIN_VALUE).putLong(Long.MAX_VALUE).flip());
    assertThat(read(REQUESTS, "UINT64", "[2]", "[18446744073709551615,9223372036854775808]").data())
        .isEqualTo(le(16).putLong(-1L).putLong(Long.MIN_VALUE).flip());
    assertThat(read(REQUESTS, "INT32", "[1]", "[-0]").data()).isEqualTo(le(4).putInt(0).flip());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "INT8;300",
        "INT8;-129",
        "UINT8;-1",
        "UINT8;256",
        "INT16;32768",
        "UINT16;65536",
        "UINT16;-1",
        "INT32;2147483648",
        "UINT32;4294967296",
        "UINT32;-1",
        "INT64;9223372036854775808",
        "UINT64;18446744073709551616",
        "UINT64;-1",
        "FP32;1e39",
        "FP64;1e999",
        "FP32;-1e999",
        "FP16;65520",
        "BF16;3.4e38"
      })
  void outOfRange_keepsTheNumbersText(String type, String value) {
    assertThat(problem(RESPONSES, type, "[1]", "[" + value + "]"))
        .isEqualTo(new TensorDataProblem.OutOfRange(value));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "INT32;1.0;an integer;a fractional number",
        "UINT64;1e3;an integer;a fractional number",
        "INT64;\"1\";an integer;a string",
        "FP32;\"1\";a number;a string",
        "FP64;true;a number;a boolean",
        "INT32;null;an integer;null",
        "BYTES;1;a string;an integer",
        "BOOL;{};true or false;an object"
      })
  void badElement_namesWhatWasExpectedAndFound(
      String type, String value, String expected, String found) {
    assertThat(problem(REQUESTS, type, "[1]", "[" + value + "]"))
        .isEqualTo(new TensorDataProblem.BadElement(expected, found));
  }

  @Test
  void floats() throws IOException {
    assertThat(read(REQUESTS, "FP32", "[3]", "[1, 0.1, -2.5e3]").data())
        .isEqualTo(le(12).putFloat(1f).putFloat(0.1f).putFloat(-2500f).flip());
    assertThat(read(REQUESTS, "FP64", "[2]", "[0.1, -0.0]").data())
        .isEqualTo(le(16).putDouble(0.1).putDouble(-0.0).flip());
    // a float is rounded once, from the decimal text
    assertThat(read(REQUESTS, "FP32", "[1]", "[1.00000005960464477539062499]").data())
        .isEqualTo(le(4).putFloat(1f).flip());
  }

  @Test
  void halfPrecision_isReadAsFloatsAndRounded() throws IOException {
    assertThat(read(RESPONSES, "FP16", "[2]", "[1.5, 0.1]").data())
        .isEqualTo(
            le(4).putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(0.1f)).flip());
    assertThat(read(RESPONSES, "BF16", "[2]", "[-2.0, 0.1]").data())
        .isEqualTo(
            le(4).putShort(Bfloat16.fromFloat(-2f)).putShort(Bfloat16.fromFloat(0.1f)).flip());
  }

  @Test
  void nonFiniteStrings_onlyInResponses() throws IOException {
    String data = "[\"NaN\",\"Infinity\",\"-Infinity\"]";
    assertThat(read(RESPONSES, "FP32", "[3]", data).data())
        .isEqualTo(
            le(12)
                .putFloat(Float.NaN)
                .putFloat(Float.POSITIVE_INFINITY)
                .putFloat(Float.NEGATIVE_INFINITY)
                .flip());
    assertThat(read(RESPONSES, "FP64", "[3]", data).data())
        .isEqualTo(
            le(24)
                .putDouble(Double.NaN)
                .putDouble(Double.POSITIVE_INFINITY)
                .putDouble(Double.NEGATIVE_INFINITY)
                .flip());
    assertThat(read(RESPONSES, "FP16", "[1]", "[\"-Infinity\"]").data())
        .isEqualTo(le(2).putShort((short) 0xFC00).flip());
    assertThat(read(RESPONSES, "BF16", "[1]", "[\"NaN\"]").data())
        .isEqualTo(le(2).putShort((short) 0x7FC0).flip());
    assertThat(problem(REQUESTS, "FP32", "[1]", "[\"NaN\"]"))
        .isEqualTo(new TensorDataProblem.BadElement("a number", "a string"));
    assertThat(problem(RESPONSES, "FP32", "[1]", "[\"nan\"]"))
        .isEqualTo(new TensorDataProblem.BadElement("a number", "a string"));
  }

  @Test
  void bytesAsUtf8Strings() throws IOException {
    Tensor t = read(REQUESTS, "BYTES", "[3]", "[\"héllo\", \"\", \"\\u0000\"]");
    assertThat(t.bytesElements())
        .containsExactly("héllo".getBytes(StandardCharsets.UTF_8), new byte[0], new byte[] {0});
  }

  @Test
  void nestedLikeTheShapeOrFlat_neverDeeper() throws IOException {
    Tensor flat = read(REQUESTS, "INT32", "[2,2]", "[1,2,3,4]");
    assertThat(read(REQUESTS, "INT32", "[2,2]", "[[1,2],[3,4]]")).isEqualTo(flat);
    assertThat(flat.shape()).isEqualTo(Shape.of(2, 2));
    assertThat(read(REQUESTS, "INT32", "[1,1,1]", "[[[7]]]").data())
        .isEqualTo(le(4).putInt(7).flip());
    assertThat(problem(REQUESTS, "INT32", "[1]", "[[7]]"))
        .isEqualTo(new TensorDataProblem.NestedTooDeep(2));
    assertThat(problem(JsonTensorReader.forRequests(2), "INT32", "[1,1,1]", "[[[7]]]"))
        .isEqualTo(new TensorDataProblem.DepthLimit());
  }

  @Test
  void elementCountMustMatchTheShape() {
    assertThat(problem(REQUESTS, "INT32", "[2,2]", "[1,2,3]"))
        .isEqualTo(new TensorDataProblem.TooFewValues(4, 3));
    assertThat(problem(REQUESTS, "INT32", "[2]", "[1,2,3]"))
        .isEqualTo(new TensorDataProblem.TooManyValues(2));
    assertThat(problem(REQUESTS, "BYTES", "[2]", "[\"a\"]"))
        .isEqualTo(new TensorDataProblem.TooFewValues(2, 1));
  }

  @Test
  void zeroSizedTensor() throws IOException {
    Tensor t = read(REQUESTS, "FP32", "[1,0]", "[]");
    assertThat(t.byteSize()).isZero();
    assertThat(t.shape()).isEqualTo(Shape.of(1, 0));
  }

  @Test
  void hugeShapesAreRejectedBeforeAllocation() throws IOException {
    assertThat(problem(REQUESTS, "FP32", "[4294967296,4294967296]", "[1]"))
        .isEqualTo(new TensorDataProblem.CountOverflow());
    assertThatThrownBy(
            () -> read(REQUESTS, DataType.FP32, Shape.of(2147483647, 2147483647), "[1]", 1000))
        .isInstanceOfSatisfying(
            TensorDataException.class,
            e ->
                assertThat(e.problem())
                    .isEqualTo(new TensorDataProblem.TooManyElements(4611686014132420609L)));
    assertThat(read(REQUESTS, DataType.FP32, Shape.of(4), "[1,2,3,4]", 4).elementCount())
        .isEqualTo(4);
  }

  @Test
  void dataMustBeAnArray() {
    assertThat(problem(REQUESTS, "FP32", "[1]", "1")).isEqualTo(new TensorDataProblem.NotAnArray());
  }

  @Test
  void buffers_directForRequests_heapForResponses() throws IOException {
    assertThat(read(REQUESTS, "FP32", "[1]", "[1]").data().isDirect()).isTrue();
    assertThat(read(RESPONSES, "FP32", "[1]", "[1]").data().isDirect()).isFalse();
  }

  @Test
  void exceptionMessage_describesTheProblemWithTypeAndShape() {
    assertThatThrownBy(() -> read(REQUESTS, "INT8", "[2,2]", "[1,2,300,4]"))
        .hasMessage("value 300 is out of range for INT8");
    assertThatThrownBy(() -> read(REQUESTS, "INT8", "[2,2]", "[1]"))
        .hasMessage("shape [2,2] needs 4 elements, 'data' holds 1");
  }
}
