package io.caracal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpCodecTest {
  private static String json(HttpCodec.Body b) {
    int n = b.jsonLength() < 0 ? b.bytes().length : b.jsonLength();
    return new String(b.bytes(), 0, n, StandardCharsets.UTF_8);
  }

  @Test
  void binaryRequestIsJsonHeaderThenInputBytesInOrder() {
    InferRequest req =
        InferRequest.builder("m")
            .id("42")
            .input(InferInput.uint32("A", new long[] {2, 2}, 1, 2, 3, 4))
            .input(InferInput.bool("B", new long[] {3}, true, false, true))
            .build();
    HttpCodec.Body b = HttpCodec.encode(req);
    String header = json(b);
    assertThat(header)
        .isEqualTo(
            "{\"id\":\"42\",\"parameters\":{\"binary_data_output\":true},\"inputs\":["
                + "{\"name\":\"A\",\"shape\":[2,2],\"datatype\":\"UINT32\",\"parameters\":{\"binary_data_size\":16}},"
                + "{\"name\":\"B\",\"shape\":[3],\"datatype\":\"BOOL\",\"parameters\":{\"binary_data_size\":3}}]}");
    assertThat(b.bytes()).hasSize(b.jsonLength() + 19);
    ByteBuffer tail = ByteBuffer.wrap(b.bytes(), b.jsonLength(), 19).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(new int[] {tail.getInt(), tail.getInt(), tail.getInt(), tail.getInt()})
        .containsExactly(1, 2, 3, 4);
    assertThat(new byte[] {tail.get(), tail.get(), tail.get()}).containsExactly(1, 0, 1);
  }

  @Test
  void jsonRequestCarriesDataAndOutputsAndParameters() {
    InferRequest req =
        InferRequest.builder("m")
            .json()
            .parameter("priority", 3)
            .input(InferInput.uint64("U", new long[] {2}, -1L, 5L).withParameter("note", "x"))
            .input(InferInput.fp32("F", new long[] {2}, 0.1f, -2.5f))
            .input(InferInput.strings("S", new long[] {1}, "wörld"))
            .output("OUT")
            .output(InferRequestedOutput.of("CLS").binary(true).classification(2))
            .build();
    HttpCodec.Body b = HttpCodec.encode(req);
    assertThat(b.jsonLength()).isEqualTo(-1);
    assertThat(json(b))
        .isEqualTo(
            "{\"parameters\":{\"priority\":3,\"binary_data_output\":false},\"inputs\":["
                + "{\"name\":\"U\",\"shape\":[2],\"datatype\":\"UINT64\",\"parameters\":{\"note\":\"x\"},\"data\":[18446744073709551615,5]},"
                + "{\"name\":\"F\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[0.1,-2.5]},"
                + "{\"name\":\"S\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"wörld\"]}],"
                + "\"outputs\":[{\"name\":\"OUT\",\"parameters\":{\"binary_data\":false}},"
                + "{\"name\":\"CLS\",\"parameters\":{\"classification\":2,\"binary_data\":true}}]}");
  }

  @Test
  void jsonModeStillSendsBinaryWhatJsonCannotCarry() {
    InferRequest req =
        InferRequest.builder("m")
            .json()
            .input(InferInput.fp16("H", new long[] {1}, 1.5f))
            .input(InferInput.fp32("N", new long[] {1}, Float.NaN))
            .input(InferInput.bytes("B", new long[] {1}, new byte[] {(byte) 0xff, 0}))
            .input(InferInput.int8("I", new long[] {1}, (byte) -3))
            .build();
    HttpCodec.Body b = HttpCodec.encode(req);
    assertThat(b.jsonLength()).isPositive();
    assertThat(json(b))
        .contains("\"name\":\"I\",\"shape\":[1],\"datatype\":\"INT8\",\"data\":[-3]");
    assertThat(b.bytes().length - b.jsonLength()).isEqualTo(2 + 4 + 4 + 2);
  }

  @Test
  void decodesMixedJsonAndBinaryOutputs() {
    String header =
        "{\"model_name\":\"m\",\"model_version\":\"1\",\"id\":\"7\",\"parameters\":{\"k\":2,\"f\":0.5},\"outputs\":["
            + "{\"name\":\"J\",\"datatype\":\"INT16\",\"shape\":[2,2],\"data\":[[1,-2],[3,4]]},"
            + "{\"name\":\"B\",\"datatype\":\"FP32\",\"shape\":[2],\"parameters\":{\"binary_data_size\":8}},"
            + "{\"name\":\"S\",\"datatype\":\"BYTES\",\"shape\":[2],\"parameters\":{\"binary_data_size\":9}},"
            + "{\"name\":\"U\",\"datatype\":\"UINT64\",\"shape\":[1],\"data\":[18446744073709551615]},"
            + "{\"name\":\"H\",\"datatype\":\"FP16\",\"shape\":[2],\"data\":[1.5,\"-Infinity\"]}]}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(h.length + 17).order(ByteOrder.LITTLE_ENDIAN);
    body.put(h).putFloat(1.25f).putFloat(-0f).putInt(1).put((byte) 'a').putInt(0);
    InferResult r = HttpCodec.decodeInfer(body.array(), h.length);
    assertThat(r.modelName()).isEqualTo("m");
    assertThat(r.modelVersion()).isEqualTo("1");
    assertThat(r.id()).contains("7");
    assertThat(r.parameters()).isEqualTo(Map.of("k", 2L, "f", 0.5));
    assertThat(r.output("J").asShorts())
        .containsExactly((short) 1, (short) -2, (short) 3, (short) 4);
    assertThat(r.output("J").shape().toArray()).containsExactly(2, 2);
    assertThat(r.output("B").asFloats()).containsExactly(1.25f, -0f);
    assertThat(r.output("B").parameters()).isEmpty();
    assertThat(r.output("S").asStrings()).containsExactly("a", "");
    assertThat(r.output("U").asLongs()).containsExactly(-1L);
    assertThat(r.output("H").asFloats()).containsExactly(1.5f, Float.NEGATIVE_INFINITY);
    assertThat(r.output("H").dataType()).isEqualTo(DataType.FP16);
    assertThatThrownBy(() -> r.output("J").asFloats()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> r.output("nope")).hasMessageContaining("[J, B, S, U, H]");
  }

  @Test
  void plainJsonResponseWithoutHeader() {
    byte[] body =
        "{\"model_name\":\"m\",\"model_version\":\"1\",\"outputs\":[{\"name\":\"O\",\"datatype\":\"BOOL\",\"shape\":[2],\"data\":[true,false]}]}"
            .getBytes(StandardCharsets.UTF_8);
    InferResult r = HttpCodec.decodeInfer(body, -1);
    assertThat(r.id()).isEmpty();
    assertThat(r.output("O").asBooleans()).containsExactly(true, false);
  }

  @Test
  void jsonDataMayComeBeforeDatatypeAndShape() {
    byte[] body =
        ("{\"outputs\":[{\"data\":[[\"NaN\",0.5],[\"-Infinity\",-0.0]],\"name\":\"O\",\"datatype\":\"FP64\",\"shape\":[2,2]},"
                + "{\"name\":\"P\",\"data\":[\"x\",\"\"],\"datatype\":\"BYTES\",\"shape\":[2]}],\"model_name\":\"m\"}")
            .getBytes(StandardCharsets.UTF_8);
    InferResult r = HttpCodec.decodeInfer(body, -1);
    assertThat(r.output("O").asDoubles())
        .containsExactly(Double.NaN, 0.5, Double.NEGATIVE_INFINITY, -0.0);
    assertThat(r.output("P").asStrings()).containsExactly("x", "");
  }

  @Test
  void dataThatDoesNotFitTheOutputIsAnErrorNamingIt() {
    String out =
        "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"O\",\"datatype\":\"%s\",\"shape\":[2],%s}]}";
    assertThatThrownBy(() ->
            HttpCodec.decodeInfer(
                out.formatted("INT8", "\"data\":[1,300]").getBytes(StandardCharsets.UTF_8), -1))
        .hasMessage("output 'O': value 300 is out of range for INT8");
    assertThatThrownBy(() ->
            HttpCodec.decodeInfer(
                out.formatted("INT8", "\"data\":[1]").getBytes(StandardCharsets.UTF_8), -1))
        .hasMessage("output 'O': shape [2] needs 2 elements, 'data' holds 1");
    assertThatThrownBy(() ->
            HttpCodec.decodeInfer(
                out.formatted("INT8", "\"data\":1").getBytes(StandardCharsets.UTF_8), -1))
        .hasMessageContaining("not a JSON array");
    assertThatThrownBy(() ->
            HttpCodec.decodeInfer(
                out.formatted("INT8", "\"id\":1").getBytes(StandardCharsets.UTF_8), -1))
        .hasMessage("output 'O' has neither data nor binary_data_size");
    byte[] h =
        out.formatted("BYTES", "\"parameters\":{\"binary_data_size\":8}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] body =
        ByteBuffer.allocate(h.length + 8)
            .order(ByteOrder.LITTLE_ENDIAN)
            .put(h)
            .putInt(0)
            .putInt(5)
            .array();
    assertThatThrownBy(() -> HttpCodec.decodeInfer(body, h.length))
        .hasMessage(
            "output 'O': malformed BYTES data: an element length runs past the end of the data");
  }

  @Test
  void truncatedBinarySectionIsAnError() {
    byte[] h =
        "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"O\",\"datatype\":\"INT32\",\"shape\":[2],\"parameters\":{\"binary_data_size\":8}}]}"
            .getBytes(StandardCharsets.UTF_8);
    byte[] body = Arrays.copyOf(h, h.length + 4);
    assertThatThrownBy(() -> HttpCodec.decodeInfer(body, h.length))
        .hasMessageContaining("too short");
    assertThatThrownBy(() -> HttpCodec.decodeInfer(body, body.length + 1))
        .hasMessageContaining("exceeds");
  }

  @Test
  void errorMessages() {
    assertThat(
            HttpCodec.errorMessage(
                "{\"error\":\"Request for unknown model: 'x' is not found\"}"
                    .getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("Request for unknown model: 'x' is not found");
    assertThat(HttpCodec.errorMessage("Bad Gateway".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("Bad Gateway");
  }

  @Test
  void metadata() {
    ModelMetadata md =
        HttpCodec.decodeModelMetadata(
            ("{\"name\":\"m\",\"versions\":[\"1\",\"2\"],\"platform\":\"onnxruntime_onnx\","
                    + "\"inputs\":[{\"name\":\"I\",\"datatype\":\"FP32\",\"shape\":[-1,16]}],\"outputs\":[]}")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(md.versions()).containsExactly("1", "2");
    assertThat(md.inputs())
        .containsExactly(new ModelMetadata.TensorSpec("I", "FP32", new long[] {-1, 16}));
    ServerMetadata sm =
        HttpCodec.decodeServerMetadata(
            "{\"name\":\"caracal\",\"version\":\"0.1\",\"extensions\":[\"binary_tensor_data\"]}"
                .getBytes(StandardCharsets.UTF_8));
    assertThat(sm).isEqualTo(new ServerMetadata("caracal", "0.1", List.of("binary_tensor_data")));
  }
}
