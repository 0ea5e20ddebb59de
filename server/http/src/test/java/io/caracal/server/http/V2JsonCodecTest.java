package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceResponse;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class V2JsonCodecTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final V2JsonCodec codec = new V2JsonCodec(HttpLimits.DEFAULTS);

  private V2JsonCodec.DecodedInfer decode(String json) {
    return codec.decodeInfer(
        "m",
        OptionalLong.empty(),
        Unpooled.wrappedBuffer(json.getBytes(StandardCharsets.UTF_8)),
        null);
  }

  private static String req(String datatype, String shape, String data) {
    return "{\"inputs\":[{\"name\":\"X\",\"datatype\":\""
        + datatype
        + "\",\"shape\":"
        + shape
        + ",\"data\":"
        + data
        + "}]}";
  }

  private Tensor decodeOne(String datatype, String shape, String data) {
    return decode(req(datatype, shape, data)).request().inputs().get(0).tensor();
  }

  private String error(String json) {
    return errorOf(() -> decode(json));
  }

  static String errorOf(Runnable r) {
    try {
      r.run();
    } catch (InferenceException e) {
      assertThat(e.error()).isInstanceOf(InferenceError.InvalidInput.class);
      return e.getMessage();
    }
    throw new AssertionError("expected an InferenceException");
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  // ---------------------------------------------------------------- data errors, as Triton words
  // them
  // (the element values of every datatype: protocol's JsonTensorReaderTest)

  @Test
  void wrongBoolAndBytesElements() {
    assertThat(error(req("BOOL", "[1]", "[2]")))
        .isEqualTo(
            "unable to parse 'data' of input 'X': expected true or false for BOOL, got an integer");
    assertThat(error(req("BYTES", "[1]", "[1]")))
        .isEqualTo(
            "unable to parse 'data' of input 'X': expected a string for BYTES, got an integer");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {"INT8;300", "UINT64;18446744073709551616", "UINT32;-1", "FP32;1e39", "FP64;-1e999"})
  void rejectsOutOfRangeValues(String type, String value) {
    assertThat(error(req(type, "[1]", "[" + value + "]")))
        .contains("value " + value + " in 'data' of input 'X' is out of range for " + type);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "INT32;1.0",
        "INT8;1.5",
        "UINT64;1e3",
        "INT64;\"1\"",
        "FP32;\"1\"",
        "FP64;true",
        "INT32;null"
      })
  void rejectsWrongElementKinds(String type, String value) {
    assertThat(error(req(type, "[1]", "[" + value + "]")))
        .contains("unable to parse 'data' of input 'X'")
        .contains(type);
  }

  @Test
  void rejectsHalfPrecisionInJson() {
    assertThat(error(req("FP16", "[1]", "[1.0]")))
        .isEqualTo(
            "receiving FP16 data via JSON is not supported. Please use the binary data format for input X");
    assertThat(error(req("BF16", "[1]", "[1.0]")))
        .isEqualTo(
            "receiving BF16 data via JSON is not supported. Please use the binary data format for input X");
  }

  @Test
  void dataBeforeDatatypeAndShapeIsDecodedAfterwards() {
    var d =
        decode(
            "{\"inputs\":[{\"data\":[[1,2],[3,4]],\"name\":\"X\",\"shape\":[2,2],\"datatype\":\"INT64\"}]}");
    assertThat(d.request().inputs().get(0).tensor().data())
        .isEqualTo(le(32).putLong(1).putLong(2).putLong(3).putLong(4).flip());
  }

  @Test
  void elementCountMustMatchShape() {
    assertThat(error(req("INT32", "[2,2]", "[1,2,3]")))
        .isEqualTo(
            "Failed to parse 'data' field of input 'X': shape [2,2] needs 4 elements, got 3");
    assertThat(error(req("INT32", "[2]", "[1,2,3]")))
        .isEqualTo(
            "Failed to parse 'data' field of input 'X': shape [2] needs 2 elements, got more");
  }

  // ---------------------------------------------------------------- shapes (4a #5-#7)

  @Test
  void hugeShapesAreRejectedBeforeAllocation() {
    assertThat(error(req("FP32", "[2147483647,2147483647]", "[1,2,3,4]")))
        .isEqualTo(
            "shape [2147483647,2147483647] of input 'X' declares 4611686014132420609 elements, more than the request can hold");
    assertThat(error(req("FP32", "[3037000500,3037000500]", "[1]")))
        .isEqualTo("shape [3037000500,3037000500] of input 'X' has too many elements");
    assertThat(error(req("FP32", "[4294967296,4294967296]", "[1]")))
        .contains("has too many elements");
    String dims64 = "[" + "2,".repeat(63) + "2]";
    assertThat(error(req("FP32", dims64, "[1]"))).contains("has too many elements");
    V2JsonCodec small = new V2JsonCodec(HttpLimits.DEFAULTS.withMaxTensorElements(3));
    assertThat(
            errorOf(() ->
                small.decodeInfer(
                    "m", OptionalLong.empty(), buf(req("FP32", "[4]", "[1,2,3,4]")), null)))
        .contains("more than the request can hold");
  }

  @Test
  void negativeDimsAreRejected() {
    assertThat(error(req("FP32", "[-1,4]", "[1,2,3,4]")))
        .isEqualTo(
            "All input dimensions should be specified for input 'X' for model 'm', got [-1,4]");
    assertThat(error(req("FP32", "[-2]", "[]")))
        .contains("All input dimensions should be specified");
    assertThat(error(req("FP32", "[1.5]", "[1]")))
        .contains("'shape' of input 'X' must be an array of integers");
    assertThat(error(req("FP32", "[99999999999999999999]", "[1]")))
        .contains("must be an array of integers");
  }

  // ---------------------------------------------------------------- malformed JSON (4a #1, #3, #4,
  // #10)

  @Test
  void malformedJson() {
    assertThat(error("{\"inputs\":["))
        .startsWith("malformed JSON")
        .contains("unexpected end of input");
    assertThat(error("{\"inputs\":[]} x")).startsWith("malformed JSON");
    assertThat(error("{\"inputs\":[]} {}"))
        .isEqualTo("malformed JSON: unexpected data after the request object");
    assertThat(error(req("FP32", "[1]", "[NaN]"))).startsWith("malformed JSON");
    assertThat(error(req("FP32", "[1]", "[Infinity]"))).startsWith("malformed JSON");
    assertThat(error(req("FP32", "[1]", "[-Infinity]"))).startsWith("malformed JSON");
    assertThat(error("{\"inputs\":[],\"inputs\":[]}")).contains("duplicate key 'inputs'");
    assertThat(error("\uFEFF{\"inputs\":[]}")).contains("no byte order mark");
    assertThat(error("[]")).contains("must be a JSON object");
    assertThat(error("")).contains("request body is empty");
    assertThat(error("   ")).contains("request body is empty");
    byte[] bad = "{\"id\":\"\u00ff\u00ff\",\"inputs\":[]}".getBytes(StandardCharsets.ISO_8859_1);
    assertThat(
            errorOf(() ->
                codec.decodeInfer("m", OptionalLong.empty(), Unpooled.wrappedBuffer(bad), null)))
        .contains("invalid UTF-8");
  }

  @Test
  void wrongMemberTypesNameTheField() {
    assertThat(error("{\"id\":1,\"inputs\":[]}")).isEqualTo("'id' must be a string");
    assertThat(error("{\"inputs\":{}}")).isEqualTo("'inputs' must be an array");
    assertThat(error("{\"inputs\":[1]}")).isEqualTo("each entry of 'inputs' must be an object");
    assertThat(error("{\"inputs\":[{\"name\":1}]}"))
        .isEqualTo("'name' of an input must be a string");
    assertThat(
            error(
                "{\"inputs\":[{\"name\":\"X\",\"datatype\":\"fp32\",\"shape\":[1],\"data\":[1]}]}"))
        .isEqualTo("invalid datatype 'fp32' for input 'X'");
    assertThat(
            error(
                "{\"inputs\":[{\"name\":\"X\",\"datatype\":\"FP128\",\"shape\":[1],\"data\":[1]}]}"))
        .contains("invalid datatype 'FP128'");
    assertThat(error("{\"inputs\":[{\"name\":\"X\",\"shape\":[1],\"data\":[1]}]}"))
        .isEqualTo("input 'X' has no 'datatype'");
    assertThat(error("{\"inputs\":[{\"name\":\"X\",\"datatype\":\"FP32\",\"data\":[1]}]}"))
        .isEqualTo("input 'X' has no 'shape'");
    assertThat(error(req("FP32", "[1]", "1"))).isEqualTo("'data' of input 'X' must be an array");
    assertThat(error("{}")).isEqualTo("the request has no 'inputs'");
    assertThat(error("{\"inputs\":[],\"outputs\":[{\"name\":\"A\"},{\"name\":\"A\"}]}"))
        .isEqualTo("output 'A' already exists in request");
    assertThat(error("{\"inputs\":[],}")).startsWith("malformed JSON");
    assertThat(
            error(
                "{\"inputs\":[{\"name\":\"X\",\"datatype\":\"BOOL\",\"shape\":[0],\"data\":[]},{\"name\":\"X\",\"datatype\":\"BOOL\",\"shape\":[0],\"data\":[]}]}"))
        .isEqualTo("input 'X' is given more than once");
    assertThat(error("{\"inputs\":[{\"name\":\"X\",\"datatype\":\"BOOL\",\"shape\":[1]}]}"))
        .startsWith(
            "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters'")
        .endsWith("But input 'X' has set none of them");
  }

  @Test
  void nestingDepthIsLimited() {
    String deep = "[".repeat(101) + "1" + "]".repeat(101);
    assertThat(error(req("INT32", "[1]", deep)))
        .isEqualTo("JSON nesting depth exceeds maximum allowed limit (100)");
    String veryDeep = "[".repeat(100_000);
    assertThat(error(req("INT32", "[1]", veryDeep)))
        .isEqualTo("JSON nesting depth exceeds maximum allowed limit (100)");
    assertThat(
            error(
                "{\"parameters\":"
                    + "{\"a\":".repeat(200)
                    + "1"
                    + "}".repeat(200)
                    + ",\"inputs\":[]}"))
        .isEqualTo("JSON nesting depth exceeds maximum allowed limit (100)");
    assertThat(error("{\"parameters\":{\"a\":{\"b\":1}},\"inputs\":[]}"))
        .isEqualTo("parameter 'a' of the request must be a string, number or boolean");
    assertThat(
            error(
                "{\"unknown\":"
                    + "{\"a\":".repeat(200)
                    + "1"
                    + "}".repeat(200)
                    + ",\"inputs\":[]}"))
        .isEqualTo("JSON nesting depth exceeds maximum allowed limit (100)");
    // data nests like the shape at most
    assertThat(error(req("INT32", "[1]", "[[7]]")))
        .isEqualTo("'data' of input 'X' is nested 2 deep, deeper than its shape [1]");
    assertThat(decodeOne("INT32", "[1,1,1]", "[[[7]]]").data()).isEqualTo(le(4).putInt(7).flip());
    assertThat(decodeOne("INT32", "[1,1,1]", "[7]").data()).isEqualTo(le(4).putInt(7).flip());
  }

  @Test
  void hugeNumberTokens() {
    assertThat(error(req("INT64", "[1]", "[" + "9".repeat(10_000) + "]")))
        .isEqualTo("a JSON number exceeds the maximum allowed length of 100 characters");
    assertThat(error(req("FP64", "[1]", "[1e999999]"))).contains("out of range for FP64");
    // -0 is the integer 0
    assertThat(decodeOne("INT32", "[1]", "[-0]").data()).isEqualTo(le(4).putInt(0).flip());
  }

  // ---------------------------------------------------------------- parameters

  @Test
  void parameters() {
    var d =
        decode(
            "{\"id\":\"r1\",\"parameters\":{\"s\":\"x\",\"i\":3,\"f\":0.5,\"b\":true,\"binary_data_output\":true},"
                + "\"inputs\":[],\"outputs\":[{\"name\":\"A\",\"parameters\":{\"binary_data\":false,\"k\":1}},{\"name\":\"B\"}]}");
    assertThat(d.request().id()).isEqualTo("r1");
    assertThat(d.request().parameters())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "s",
                new ParameterValue.Str("x"),
                "i",
                new ParameterValue.Int(3),
                "f",
                new ParameterValue.Real(0.5),
                "b",
                new ParameterValue.Bool(true)));
    assertThat(d.binaryOutputDefault()).isTrue();
    assertThat(d.isBinary("A")).isFalse();
    assertThat(d.isBinary("B")).isTrue();
    assertThat(d.request().outputs().get(0).parameters()).containsOnlyKeys("k");
    assertThat(error("{\"parameters\":{\"triton_x\":1},\"inputs\":[]}"))
        .isEqualTo(
            "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.");
    assertThat(error("{\"parameters\":{\"a\":[1]},\"inputs\":[]}"))
        .isEqualTo("parameter 'a' of the request must be a string, number or boolean");
    assertThat(error("{\"parameters\":{\"a\":null},\"inputs\":[]}"))
        .contains("must be a string, number or boolean");
    assertThat(error("{\"parameters\":{\"binary_data_output\":1},\"inputs\":[]}"))
        .isEqualTo("parameter 'binary_data_output' must be a boolean");
    assertThat(error("{\"parameters\":[],\"inputs\":[]}"))
        .isEqualTo("'parameters' of the request must be an object");
  }

  // ---------------------------------------------------------------- binary framing (4a #15, #16)

  static ByteBuf buf(String s) {
    return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  private V2JsonCodec.DecodedInfer decodeBinary(String json, byte[] tail, String header) {
    byte[] j = json.getBytes(StandardCharsets.UTF_8);
    return codec.decodeInfer(
        "m",
        OptionalLong.empty(),
        Unpooled.wrappedBuffer(concat(j, tail)),
        header == null ? String.valueOf(j.length) : header);
  }

  private static final String TWO_BINARY =
      "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"UINT32\",\"shape\":[2,2],\"parameters\":{\"binary_data_size\":16}},"
          + "{\"name\":\"B\",\"datatype\":\"BOOL\",\"shape\":[3],\"parameters\":{\"binary_data_size\":3}}]}";

  @Test
  void binaryInputsAreConsumedInOrder() {
    byte[] a = le(16).putInt(1).putInt(2).putInt(3).putInt(-1).array();
    byte[] b = {1, 0, 1};
    var d = decodeBinary(TWO_BINARY, concat(a, b), null);
    List<NamedTensor> in = d.request().inputs();
    assertThat(in.get(0).tensor().data()).isEqualTo(ByteBuffer.wrap(a));
    assertThat(in.get(0).tensor().data().isDirect()).isTrue();
    assertThat(in.get(1).tensor().data()).isEqualTo(ByteBuffer.wrap(b));
  }

  @Test
  void binaryFramingErrors() {
    byte[] a = new byte[16];
    assertThat(errorOf(() -> decodeBinary(TWO_BINARY, concat(a, new byte[2]), null)))
        .isEqualTo("unexpected size for input 'B', expecting 1 additional bytes for model 'm'");
    assertThat(errorOf(() -> decodeBinary(TWO_BINARY, concat(a, new byte[4]), null)))
        .isEqualTo("unexpected additional input data for model 'm'");
    String mismatch =
        "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"FP32\",\"shape\":[2],\"parameters\":{\"binary_data_size\":7}}]}";
    assertThat(errorOf(() -> decodeBinary(mismatch, new byte[7], null)))
        .isEqualTo("input byte size mismatch for input 'A' for model 'm'. Expected 8, got 7");
    String both =
        "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1],\"parameters\":{\"binary_data_size\":4}}]}";
    assertThat(errorOf(() -> decodeBinary(both, new byte[4], null)))
        .startsWith("Input must set only one of the following fields")
        .endsWith("has set both 'data' and 'binary_data_size'");
    for (String bad : new String[] {"-4", "1.5", "\"4\"", "true"}) {
      String s =
          "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"FP32\",\"shape\":[1],\"parameters\":{\"binary_data_size\":"
              + bad
              + "}}]}";
      assertThat(errorOf(() -> decodeBinary(s, new byte[4], null)))
          .isEqualTo("'binary_data_size' of input 'A' must be a non-negative integer");
    }
    String one =
        "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"FP32\",\"shape\":[1],\"parameters\":{\"binary_data_size\":4}}]}";
    assertThat(errorOf(() -> codec.decodeInfer("m", OptionalLong.empty(), buf(one), null)))
        .startsWith(
            "must specify valid 'Infer-Header-Content-Length' in request header and 'binary_data_size'");
  }

  @Test
  void headerLengthIsParsedStrictly() {
    String one =
        "{\"inputs\":[{\"name\":\"A\",\"datatype\":\"FP32\",\"shape\":[1],\"parameters\":{\"binary_data_size\":4}}]}";
    int len = one.length();
    assertThat(errorOf(() -> decodeBinary(one, new byte[4], "abc")))
        .isEqualTo("Unable to parse Inference-Header-Content-Length, got: 'abc'");
    assertThat(errorOf(() -> decodeBinary(one, new byte[4], "1e3")))
        .startsWith("Unable to parse Inference-Header-Content-Length");
    assertThat(errorOf(() -> decodeBinary(one, new byte[4], "-5")))
        .isEqualTo(
            "Inference-Header-Content-Length: inference header size should be in range (0, "
                + (len + 4)
                + "], got: -5");
    assertThat(errorOf(() -> decodeBinary(one, new byte[4], String.valueOf(len + 5))))
        .startsWith("Inference-Header-Content-Length: inference header size should be in range");
    assertThat(errorOf(() -> decodeBinary(one, new byte[4], "0"))).contains("raw binary requests");
    // a header length that splits the JSON (and a UTF-8 sequence) is invalid UTF-8, said before any
    // parsing
    String utf = "{\"id\":\"é\",\"inputs\":[]}";
    byte[] u = utf.getBytes(StandardCharsets.UTF_8);
    int split = utf.indexOf('é') + 1;
    assertThat(
            errorOf(() ->
                codec.decodeInfer(
                    "m", OptionalLong.empty(), Unpooled.wrappedBuffer(u), String.valueOf(split))))
        .startsWith("invalid UTF-8 in the JSON request body");
  }

  @Test
  void binaryBytesInputIsChecked() {
    String s =
        "{\"inputs\":[{\"name\":\"S\",\"datatype\":\"BYTES\",\"shape\":[2],\"parameters\":{\"binary_data_size\":%d}}]}";
    byte[] good = le(4 + 2 + 4 + 0).putInt(2).put((byte) 'h').put((byte) 'i').putInt(0).array();
    var d = decodeBinary(s.formatted(good.length), good, null);
    assertThat(d.request().inputs().get(0).tensor().bytesElements()).hasSize(2);
    byte[] claim2g = le(12).putInt(Integer.MAX_VALUE).putInt(0).putInt(0).array();
    assertThat(errorOf(() -> decodeBinary(s.formatted(12), claim2g, null)))
        .isEqualTo(
            "malformed BYTES data for input 'S' for model 'm': an element length runs past the end of its binary data");
    byte[] three = le(12).putInt(0).putInt(0).putInt(0).array();
    assertThat(errorOf(() -> decodeBinary(s.formatted(12), three, null)))
        .isEqualTo("expected 2 string elements for input 'S' for model 'm', got 3");
    String four = s.replace("[2]", "[4]").formatted(12);
    assertThat(errorOf(() -> decodeBinary(four, three, null)))
        .isEqualTo(
            "shape [4] of input 'S' needs at least 4 length-prefixed elements, more than its 12 bytes of binary data hold");
  }

  // ---------------------------------------------------------------- encoding
  // (the elements of every datatype: protocol's JsonTensorWriterTest)

  @Test
  void encodesBinaryOutputsAfterTheJson() throws Exception {
    Tensor a = Tensor.of(DataType.INT32, Shape.of(2), le(8).putInt(1).putInt(2).flip());
    Tensor b = Tensor.of(DataType.FP32, Shape.of(1), le(4).putFloat(1f).flip());
    var resp =
        new InferenceResponse(
            "m",
            3,
            "id-1",
            List.of(new NamedTensor("A", a), new NamedTensor("B", b)),
            Map.of("p", new ParameterValue.Str("v")));
    var req =
        decode(
            "{\"inputs\":[],\"outputs\":[{\"name\":\"A\",\"parameters\":{\"binary_data\":true}},{\"name\":\"B\"}]}");
    var enc = codec.encodeInfer(resp, req, ByteBufAllocator.DEFAULT);
    try {
      assertThat(enc.binary()).isTrue();
      byte[] all = new byte[enc.body().readableBytes()];
      enc.body().readBytes(all);
      assertThat(all.length).isEqualTo(enc.jsonLength() + 8);
      JsonNode n = JSON.readTree(new String(all, 0, enc.jsonLength(), StandardCharsets.UTF_8));
      assertThat(n.get("id").asText()).isEqualTo("id-1");
      assertThat(n.get("model_version").asText()).isEqualTo("3");
      assertThat(n.get("parameters").get("p").asText()).isEqualTo("v");
      JsonNode oa = n.get("outputs").get(0);
      assertThat(oa.has("data")).isFalse();
      assertThat(oa.get("parameters").get("binary_data_size").asInt()).isEqualTo(8);
      assertThat(n.get("outputs").get(1).get("data").toString()).isEqualTo("[1.0]");
      byte[] tail = java.util.Arrays.copyOfRange(all, enc.jsonLength(), all.length);
      assertThat(tail).isEqualTo(le(8).putInt(1).putInt(2).array());
    } finally {
      enc.body().release();
    }
  }
}
