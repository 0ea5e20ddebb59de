package io.caracal.it;

import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Serves ../shared/triton-model-repository unchanged (read-only, in place) and checks that it
 * answers like Triton: metadata, simple add/sub, simple_string, simple_int8, sequence models.
 */
class TritonRepositoryIT {
  static ItServer server;
  static V2Client c;
  static Path repo;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(
        SharedData.root().isPresent(), "needs ../shared (the team's shared data)");
    repo = SharedData.root().get().resolve("triton-model-repository");
    Assumptions.assumeTrue(Files.isDirectory(repo), "needs ../shared/triton-model-repository");
    server = ItServer.start(repo);
    c = server.client;
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void serverIsLiveAndAdvertisesBinaryTensorData() {
    assertThat(c.get("/v2/health/live").status()).isEqualTo(200);
    V2Client.Response r = c.get("/v2");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("name").asText()).isNotEmpty();
    assertThat(r.json().path("version").asText()).isNotEmpty();
    List<String> ext = new ArrayList<>();
    r.json().path("extensions").forEach(e -> ext.add(e.asText()));
    assertThat(ext).contains("binary_tensor_data");
  }

  /** kserve-v2-protocol.md §10.8: every extension the server lists must work. */
  @Test
  void everyListedExtensionWorks() {
    List<String> ext = new ArrayList<>();
    c.get("/v2").json().path("extensions").forEach(e -> ext.add(e.asText()));
    if (ext.contains("model_configuration")) {
      V2Client.Response r = c.get("/v2/models/simple/config");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.json().path("max_batch_size").isNumber()).isTrue();
      assertThat(r.json().path("max_batch_size").asInt()).isEqualTo(8);
    }
    if (ext.contains("statistics")) {
      V2Client.Response r = c.get("/v2/models/simple/stats");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.json().path("model_stats")).hasSize(1);
    }
    if (ext.contains("model_repository")) {
      V2Client.Response r = c.postJson("/v2/repository/index", "{}");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.json().isArray()).isTrue();
    }
    if (ext.contains("parameters")) {
      ObjectNode req =
          withInputs(
              request(),
              jsonInput("INPUT0", "INT32", shape(1, 16), V2Client.ints(new int[16])),
              jsonInput("INPUT1", "INT32", shape(1, 16), V2Client.ints(new int[16])));
      req.putObject("parameters").put("custom_key", "v").put("custom_int", 3);
      assertThat(c.infer("simple", req).status()).isEqualTo(200);
    }
    if (ext.contains("classification")) {
      ObjectNode req =
          withInputs(
              request(),
              jsonInput(
                  "INPUT0",
                  "INT32",
                  shape(1, 16),
                  V2Client.ints(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)),
              jsonInput("INPUT1", "INT32", shape(1, 16), V2Client.ints(new int[16])));
      ObjectNode o = req.putArray("outputs").addObject();
      o.put("name", "OUTPUT0");
      o.putObject("parameters").put("classification", 2);
      V2Client.Response r = c.infer("simple", req);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.output("OUTPUT0").path("datatype").asText()).isEqualTo("BYTES");
      assertThat(r.output("OUTPUT0").path("data").get(0).asText()).isEqualTo("15:15");
    }
  }

  @Test
  void simpleMetadataEqualsTritons() {
    JsonNode md = c.metadata("simple");
    assertThat(md.path("name").asText()).isEqualTo("simple");
    assertThat(md.path("platform").asText()).isEqualTo("onnxruntime_onnx");
    assertThat(md.path("versions").toString()).isEqualTo("[\"1\"]");
    assertThat(md.path("inputs").toString())
        .isEqualTo(
            "[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[-1,16]},"
                + "{\"name\":\"INPUT1\",\"datatype\":\"INT32\",\"shape\":[-1,16]}]");
    assertThat(md.path("outputs").toString())
        .isEqualTo(
            "[{\"name\":\"OUTPUT0\",\"datatype\":\"INT32\",\"shape\":[-1,16]},"
                + "{\"name\":\"OUTPUT1\",\"datatype\":\"INT32\",\"shape\":[-1,16]}]");
  }

  @Test
  void simpleIsReadyAlsoByVersion() {
    assertThat(c.ready("simple")).isTrue();
    assertThat(c.get("/v2/models/simple/versions/1/ready").status()).isEqualTo(200);
    assertThat(c.get("/v2/models/simple/versions/1").status()).isEqualTo(200);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 8})
  void simpleAddSubInJson(int batch) {
    int[] x = new int[batch * 16];
    int[] y = new int[batch * 16];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
      y[i] = 1;
    }
    ObjectNode req =
        withInputs(
            request(),
            jsonInput("INPUT0", "INT32", shape(batch, 16), V2Client.ints(x)),
            jsonInput("INPUT1", "INT32", shape(batch, 16), V2Client.ints(y)));
    V2Client.Response r = c.infer("simple", req);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().path("model_name").asText()).isEqualTo("simple");
    assertThat(r.json().path("model_version").asText()).isEqualTo("1");
    assertThat(r.shapeOf("OUTPUT0")).containsExactly(batch, 16);
    assertThat(r.shapeOf("OUTPUT1")).containsExactly(batch, 16);
    JsonNode sum = r.output("OUTPUT0").path("data");
    JsonNode diff = r.output("OUTPUT1").path("data");
    for (int i = 0; i < x.length; i++) {
      assertThat(sum.get(i).asInt()).isEqualTo(x[i] + y[i]);
      assertThat(diff.get(i).asInt()).isEqualTo(x[i] - y[i]);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 8})
  void simpleAddSubInBinary(int batch) {
    int[] x = new int[batch * 16];
    int[] y = new int[batch * 16];
    int[] s = new int[x.length];
    int[] d = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = i * 1000 - 3;
      y[i] = -i;
      s[i] = x[i] + y[i];
      d[i] = x[i] - y[i];
    }
    ObjectNode req =
        withOutputs(
            withInputs(
                request(),
                binaryInput("INPUT0", "INT32", shape(batch, 16), x.length * 4L),
                binaryInput("INPUT1", "INT32", shape(batch, 16), y.length * 4L)),
            true,
            "OUTPUT0",
            "OUTPUT1");
    V2Client.Response r = c.inferBinary("simple", req, Le.int32(x), Le.int32(y));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.binary("OUTPUT0")).isEqualTo(Le.int32(s));
    assertThat(r.binary("OUTPUT1")).isEqualTo(Le.int32(d));
  }

  @Test
  void simpleStringOnDecimalText() {
    JsonNode md = c.metadata("simple_string");
    assertThat(md.path("inputs").get(0).path("datatype").asText()).isEqualTo("BYTES");
    assertThat(md.path("inputs").get(0).path("shape").toString()).isEqualTo("[-1,16]");
    String[] a = new String[16];
    String[] b = new String[16];
    for (int i = 0; i < 16; i++) {
      a[i] = Integer.toString(i);
      b[i] = "1";
    }
    ObjectNode req =
        withInputs(
            request(),
            jsonInput("INPUT0", "BYTES", shape(1, 16), V2Client.strings(a)),
            jsonInput("INPUT1", "BYTES", shape(1, 16), V2Client.strings(b)));
    V2Client.Response r = c.infer("simple_string", req);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.output("OUTPUT0").path("datatype").asText()).isEqualTo("BYTES");
    JsonNode sum = r.output("OUTPUT0").path("data");
    JsonNode diff = r.output("OUTPUT1").path("data");
    for (int i = 0; i < 16; i++) {
      assertThat(Integer.parseInt(sum.get(i).asText().trim())).isEqualTo(i + 1);
      assertThat(Integer.parseInt(diff.get(i).asText().trim())).isEqualTo(i - 1);
    }

    // the same through the binary extension
    byte[] ba = Le.strings(a);
    byte[] bb = Le.strings(b);
    ObjectNode breq =
        withOutputs(
            withInputs(
                request(),
                binaryInput("INPUT0", "BYTES", shape(1, 16), ba.length),
                binaryInput("INPUT1", "BYTES", shape(1, 16), bb.length)),
            true,
            "OUTPUT0",
            "OUTPUT1");
    V2Client.Response br = c.inferBinary("simple_string", breq, ba, bb);
    assertThat(br.status()).as(br.toString()).isEqualTo(200);
    List<String> bs = Le.toStrings(br.binary("OUTPUT0"));
    assertThat(bs).hasSize(16);
    for (int i = 0; i < 16; i++) {
      assertThat(Integer.parseInt(bs.get(i).trim())).isEqualTo(i + 1);
    }
  }

  @Test
  void simpleInt8() {
    JsonNode md = c.metadata("simple_int8");
    assertThat(md.path("inputs").get(0).path("datatype").asText()).isEqualTo("INT8");
    ArrayNode a = V2Client.F.arrayNode();
    ArrayNode b = V2Client.F.arrayNode();
    for (int i = 0; i < 16; i++) {
      a.add(i * 3 - 20);
      b.add(2);
    }
    ObjectNode req =
        withInputs(
            request(),
            jsonInput("INPUT0", "INT8", shape(1, 16), a),
            jsonInput("INPUT1", "INT8", shape(1, 16), b));
    V2Client.Response r = c.infer("simple_int8", req);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.output("OUTPUT0").path("datatype").asText()).isEqualTo("INT8");
    for (int i = 0; i < 16; i++) {
      assertThat(r.output("OUTPUT0").path("data").get(i).asInt()).isEqualTo(i * 3 - 20 + 2);
      assertThat(r.output("OUTPUT1").path("data").get(i).asInt()).isEqualTo(i * 3 - 20 - 2);
    }
  }

  /**
   * The sequence models need the sequence batcher (control inputs START/READY/...); the server
   * either answers a single request or marks them UNAVAILABLE with a reason that says why.
   */
  @ParameterizedTest
  @ValueSource(strings = {"simple_sequence", "simple_dyna_sequence"})
  void sequenceModelsAnswerOrAreUnavailableWithAClearReason(String model) {
    V2Client.Response ready = c.get("/v2/models/" + model + "/ready");
    if (ready.status() == 200) {
      ObjectNode req =
          withInputs(request(), jsonInput("INPUT", "INT32", shape(1, 1), V2Client.ints(5)));
      req.putObject("parameters")
          .put("sequence_id", 42)
          .put("sequence_start", true)
          .put("sequence_end", true);
      V2Client.Response r = c.infer(model, req);
      assertThat(r.status()).as("%s answers a single request: %s", model, r).isEqualTo(200);
      assertThat(r.output("OUTPUT").path("shape").toString()).isEqualTo("[1,1]");
    } else {
      assertThat(ready.status()).as("%s not ready: %s", model, ready).isIn(400, 503);
      V2Client.Response r =
          c.infer(
              model,
              withInputs(request(), jsonInput("INPUT", "INT32", shape(1, 1), V2Client.ints(5))));
      assertThat(r.status()).as(r.toString()).isEqualTo(503);
      String reason = r.error();
      assertThat(reason).contains(model);
      assertThat(reason.toLowerCase())
          .as("reason names the unsupported feature: %s", reason)
          .containsAnyOf("sequence", "control", "START", "start");
      assertThat(c.get("/v2/models/" + model).status())
          .as("metadata of an unavailable model")
          .isIn(200, 503);
    }
    // either way, the good models still serve
    assertThat(c.ready("simple")).isTrue();
  }

  @Test
  void repositoryIsServedReadOnlyAndUnchanged() throws Exception {
    try (var files = Files.walk(repo)) {
      List<String> names = files.map(p -> repo.relativize(p).toString()).sorted().toList();
      assertThat(names)
          .as("the server wrote nothing into the repository")
          .allMatch(n -> n.isEmpty() || n.equals("README.md") || n.startsWith("simple"))
          .noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".lock"));
    }
  }
}
