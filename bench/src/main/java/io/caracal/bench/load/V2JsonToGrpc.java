package io.caracal.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.caracal.proto.inference.ModelInferRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a KServe V2 JSON infer request into the same request over gRPC, each input's data in {@code
 * raw_input_contents} (little-endian, BYTES as 4-byte length and bytes), as Triton's and Caracal's
 * clients send it. The shape is copied as written and the data is not checked against it, so that a
 * malformed JSON body gives the same malformed gRPC request (the server must answer {@code
 * INVALID_ARGUMENT}). FP16 and BF16 are not converted.
 */
final class V2JsonToGrpc {
  private V2JsonToGrpc() {}

  static ModelInferRequest convert(String model, byte[] json) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    ModelInferRequest.Builder r = ModelInferRequest.newBuilder().setModelName(model);
    if (root.hasNonNull("id")) {
      r.setId(root.get("id").asText());
    }
    for (JsonNode in : root.path("inputs")) {
      String type = in.path("datatype").asText();
      ModelInferRequest.InferInputTensor.Builder t =
          r.addInputsBuilder().setName(in.path("name").asText()).setDatatype(type);
      for (JsonNode d : in.path("shape")) {
        t.addShape(d.asLong());
      }
      List<JsonNode> values = new ArrayList<>();
      flatten(in.path("data"), values);
      r.addRawInputContents(ByteString.copyFrom(raw(type, values)));
    }
    for (JsonNode out : root.path("outputs")) {
      r.addOutputsBuilder().setName(out.path("name").asText());
    }
    return r.build();
  }

  private static void flatten(JsonNode n, List<JsonNode> into) {
    if (n.isArray()) {
      n.forEach(e -> flatten(e, into));
    } else if (!n.isMissingNode()) {
      into.add(n);
    }
  }

  private static byte[] raw(String type, List<JsonNode> values) {
    if (type.equals("BYTES")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (JsonNode v : values) {
        byte[] s = v.asText().getBytes(StandardCharsets.UTF_8);
        out.writeBytes(
            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(s.length).array());
        out.writeBytes(s);
      }
      return out.toByteArray();
    }
    int width =
        switch (type) {
          case "BOOL", "INT8", "UINT8" -> 1;
          case "INT16", "UINT16" -> 2;
          case "INT32", "UINT32", "FP32" -> 4;
          case "INT64", "UINT64", "FP64" -> 8;
          default -> throw new IllegalArgumentException("datatype " + type + " is not converted");
        };
    ByteBuffer b = ByteBuffer.allocate(width * values.size()).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode v : values) {
      switch (type) {
        case "BOOL" -> b.put((byte) (v.asBoolean() ? 1 : 0));
        case "INT8", "UINT8" -> b.put((byte) v.asLong());
        case "INT16", "UINT16" -> b.putShort((short) v.asLong());
        case "INT32", "UINT32" -> b.putInt((int) v.asLong());
        case "FP32" -> b.putFloat((float) v.asDouble());
        case "FP64" -> b.putDouble(v.asDouble());
        default -> b.putLong(v.bigIntegerValue().longValue());
      }
    }
    return b.array();
  }
}
