package io.caracal.bench.compare;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes the request bodies of {@code bench/compare.sh} for one model, all carrying the same
 * batch-1 tensors (seeded pseudo-random values; floats with three decimals, as an image scaled to
 * [0, 1] prints): {@code raw.bin} (the lean baseline's body: the inputs' raw little-endian bytes
 * one after the other), {@code v2.json} (a KServe V2 JSON request, {@code data} arrays) and {@code
 * v2.bin} (the same request with the binary tensor extension, inputs and outputs binary) with its
 * JSON header's length in {@code v2.bin.hlen}.
 *
 * <p>{@code java -cp <bench class path> io.caracal.bench.compare.CompareBodies MODEL.onnx OUT_DIR}
 */
public final class CompareBodies {
  private CompareBodies() {}

  public static void main(String[] args) throws IOException, OrtException {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: CompareBodies MODEL.onnx OUT_DIR");
    }
    Path out = Files.createDirectories(Path.of(args[1]));
    ObjectMapper json = new ObjectMapper();
    ObjectNode jsonReq = json.createObjectNode();
    ObjectNode binReq = json.createObjectNode();
    ArrayNode jsonInputs = jsonReq.putArray("inputs");
    ArrayNode binInputs = binReq.putArray("inputs");
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    SplittableRandom random = new SplittableRandom(42);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(args[0], new OrtSession.SessionOptions())) {
      for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
        TensorInfo info = (TensorInfo) e.getValue().getInfo();
        long[] shape = info.getShape().clone();
        int count = 1;
        for (int d = 0; d < shape.length; d++) {
          // batch 1; any other free dimension gets 16 (a sequence length, a feature count)
          shape[d] = shape[d] >= 0 ? shape[d] : d == 0 ? 1 : 16;
          count *= (int) shape[d];
        }
        String datatype = datatype(info.type);
        ByteBuffer bytes =
            ByteBuffer.allocate(count * LeanOrtServer.width(info.type))
                .order(ByteOrder.LITTLE_ENDIAN);
        ObjectNode jIn = jsonInputs.addObject().put("name", e.getKey());
        ObjectNode bIn = binInputs.addObject().put("name", e.getKey());
        for (ObjectNode in : new ObjectNode[] {jIn, bIn}) {
          ArrayNode s = in.putArray("shape");
          for (long d : shape) {
            s.add(d);
          }
          in.put("datatype", datatype);
        }
        ArrayNode data = jIn.putArray("data");
        for (int i = 0; i < count; i++) {
          switch (info.type) {
            case FLOAT -> {
              float v = Math.round(random.nextFloat() * 1000f) / 1000f;
              bytes.putFloat(v);
              data.add(v);
            }
            case INT32 -> {
              int v = random.nextInt(100);
              bytes.putInt(v);
              data.add(v);
            }
            case INT64 -> {
              // a BERT-style model's attention mask and token types take 0 or 1 only
              String name = e.getKey().toLowerCase(java.util.Locale.ROOT);
              long v = random.nextInt(name.contains("mask") || name.contains("type") ? 2 : 100);
              bytes.putLong(v);
              data.add(v);
            }
            default -> throw new IllegalArgumentException("unsupported input type " + info.type);
          }
        }
        bIn.putObject("parameters").put("binary_data_size", bytes.capacity());
        raw.write(bytes.array());
      }
      ArrayNode outputs = binReq.putArray("outputs");
      for (String name : session.getOutputNames()) {
        outputs.addObject().put("name", name).putObject("parameters").put("binary_data", true);
      }
    }
    Files.write(out.resolve("raw.bin"), raw.toByteArray());
    Files.write(out.resolve("v2.json"), json.writeValueAsBytes(jsonReq));
    byte[] header = json.writeValueAsBytes(binReq);
    ByteArrayOutputStream bin = new ByteArrayOutputStream();
    bin.write(header);
    bin.write(raw.toByteArray());
    Files.write(out.resolve("v2.bin"), bin.toByteArray());
    Files.writeString(
        out.resolve("v2.bin.hlen"), Integer.toString(header.length), StandardCharsets.US_ASCII);
  }

  private static String datatype(OnnxJavaType type) {
    return switch (type) {
      case FLOAT -> "FP32";
      case INT32 -> "INT32";
      case INT64 -> "INT64";
      default -> throw new IllegalArgumentException("unsupported input type " + type);
    };
  }
}
