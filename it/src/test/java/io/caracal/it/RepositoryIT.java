package io.caracal.it;

import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.api.DataType;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.testing.models.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Repository behaviour over HTTP: version policies, auto-completed configs, broken configs and
 * corrupt model files beside good models, strict readiness, config/model contradictions.
 */
class RepositoryIT {
  @TempDir static Path repo;
  static ItServer server;
  static V2Client c;

  static final List<TestModels.Io> IO_IN =
      List.of(TestModels.Io.of("INPUT0", DataType.FP32, -1, 4));
  static final List<TestModels.Io> IO_OUT =
      List.of(TestModels.Io.of("OUTPUT0", DataType.FP32, -1, 4));

  @BeforeAll
  static void start() throws Exception {
    // two versions, all served
    TestModels.twoVersions(repo, "versions_all", 8);
    ItServer.writeConfig(
        repo,
        "versions_all",
        TestModels.configText("versions_all", 8, IO_IN, IO_OUT) + "version_policy: { all {} }\n");
    // two versions, latest only (Triton's default policy, stated explicitly)
    TestModels.twoVersions(repo, "versions_latest", 8);
    ItServer.writeConfig(
        repo,
        "versions_latest",
        TestModels.configText("versions_latest", 8, IO_IN, IO_OUT)
            + "version_policy: { latest { num_versions: 1 } }\n");
    // no config.pbtxt: auto-completed from the model file
    TestModels.dynamicBatch(repo, "auto_dynamic", 0);
    TestModels.fixedBatch(repo, "auto_fixed");
    // good models
    TestModels.addSub(repo, "good", DataType.INT32, 8);
    TestModels.identity(repo, "good_identity", DataType.FP32, 0);
    // a config that does not parse
    TestModels.dynamicBatch(repo, "broken_config", 8);
    Files.writeString(
        repo.resolve("broken_config").resolve("config.pbtxt"),
        "name: \"broken_config\"\nmax_batch_size: {{{ oops\n");
    // a model file of random bytes
    TestModels.dynamicBatch(repo, "corrupt_model", 0);
    byte[] junk = new byte[4096];
    new Random(7).nextBytes(junk);
    Files.write(repo.resolve("corrupt_model").resolve("1").resolve("model.onnx"), junk);
    // a config whose data_type contradicts the model (the model says FP32)
    TestModels.dynamicBatch(repo, "contradiction", 0);
    ItServer.writeConfig(
        repo,
        "contradiction",
        TestModels.configText(
            "contradiction",
            8,
            List.of(TestModels.Io.of("INPUT0", DataType.INT32, -1, 4)),
            IO_OUT));
    server = ItServer.start(repo);
    c = server.client;
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static ObjectNode fp32Request(float... v) {
    return withInputs(
        request(), jsonInput("INPUT0", "FP32", shape(v.length / 4, 4), V2Client.floats(v)));
  }

  static List<Float> outputFloats(V2Client.Response r) {
    List<Float> out = new ArrayList<>();
    r.output("OUTPUT0").path("data").forEach(n -> out.add((float) n.asDouble()));
    return out;
  }

  // ---------------------------------------------------------------- versions

  @Test
  void allPolicyServesEveryVersionAndDefaultsToTheLatest() {
    JsonNode md = c.metadata("versions_all");
    List<String> versions = new ArrayList<>();
    md.path("versions").forEach(v -> versions.add(v.asText()));
    assertThat(versions).containsExactlyInAnyOrder("1", "2");

    V2Client.Response v1 = c.infer("versions_all", "1", fp32Request(1, 2, 3, 4));
    assertThat(v1.status()).as(v1.toString()).isEqualTo(200);
    assertThat(outputFloats(v1)).containsExactly(1f, 2f, 3f, 4f);
    assertThat(v1.json().path("model_version").asText()).isEqualTo("1");

    V2Client.Response v2 = c.infer("versions_all", "2", fp32Request(1, 2, 3, 4));
    assertThat(v2.status()).as(v2.toString()).isEqualTo(200);
    assertThat(outputFloats(v2)).containsExactly(2f, 3f, 4f, 5f);
    assertThat(v2.json().path("model_version").asText()).isEqualTo("2");

    V2Client.Response latest = c.infer("versions_all", fp32Request(1, 2, 3, 4));
    assertThat(latest.status()).as(latest.toString()).isEqualTo(200);
    assertThat(outputFloats(latest)).containsExactly(2f, 3f, 4f, 5f);
    assertThat(latest.json().path("model_version").asText()).isEqualTo("2");

    assertThat(c.get("/v2/models/versions_all/versions/1/ready").status()).isEqualTo(200);
    assertThat(c.get("/v2/models/versions_all/versions/2/ready").status()).isEqualTo(200);
    assertThat(c.get("/v2/models/versions_all/versions/1").status()).isEqualTo(200);
  }

  @Test
  void unknownVersionIs404WithTritonsMessage() {
    V2Client.Response r = c.infer("versions_all", "3", fp32Request(1, 2, 3, 4));
    assertThat(r.status()).as(r.toString()).isEqualTo(404);
    assertThat(r.error())
        .isEqualTo("Request for unknown model: 'versions_all' version 3 is not found");
  }

  @Test
  void latestPolicyHidesOlderVersions() {
    JsonNode md = c.metadata("versions_latest");
    List<String> versions = new ArrayList<>();
    md.path("versions").forEach(v -> versions.add(v.asText()));
    assertThat(versions).containsExactly("2");

    V2Client.Response def = c.infer("versions_latest", fp32Request(0, 0, 0, 0));
    assertThat(def.status()).as(def.toString()).isEqualTo(200);
    assertThat(outputFloats(def)).containsExactly(1f, 1f, 1f, 1f);

    V2Client.Response v1 = c.infer("versions_latest", "1", fp32Request(0, 0, 0, 0));
    assertThat(v1.status()).as(v1.toString()).isEqualTo(404);
    assertThat(v1.error()).contains("'versions_latest' version 1");
    assertThat(c.get("/v2/models/versions_latest/versions/1").status()).isEqualTo(404);
    assertThat(c.get("/v2/models/versions_latest/versions/1/ready").status()).isNotEqualTo(200);
    assertThat(c.get("/v2/models/versions_latest/versions/2/ready").status()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- auto-complete

  @Test
  void modelWithoutConfigIsAutoCompletedWithDynamicBatch() {
    JsonNode md = c.metadata("auto_dynamic");
    assertThat(md.path("platform").asText()).isEqualTo("onnxruntime_onnx");
    assertThat(md.path("inputs").toString())
        .isEqualTo("[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]");
    assertThat(md.path("outputs").toString())
        .isEqualTo("[{\"name\":\"OUTPUT0\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]");
    V2Client.Response r =
        c.infer("auto_dynamic", fp32Request(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.shapeOf("OUTPUT0")).containsExactly(3, 4);
  }

  @Test
  void modelWithoutConfigAndFixedShapeKeepsIt() {
    JsonNode md = c.metadata("auto_fixed");
    assertThat(md.path("inputs").get(0).path("shape").toString()).isEqualTo("[1,4]");
    assertThat(c.infer("auto_fixed", fp32Request(1, 2, 3, 4)).status()).isEqualTo(200);
    V2Client.Response two = c.infer("auto_fixed", fp32Request(1, 2, 3, 4, 5, 6, 7, 8));
    assertThat(two.status()).as(two.toString()).isEqualTo(400);
    assertThat(two.error()).contains("unexpected shape for input 'INPUT0'");
  }

  @Test
  void identityWithoutConfigHasAllDimsDynamic() {
    assertThat(c.metadata("good_identity").path("inputs").get(0).path("shape").toString())
        .isEqualTo("[-1,-1]");
  }

  // ---------------------------------------------------------------- broken beside good

  @ParameterizedTest
  @ValueSource(strings = {"broken_config", "corrupt_model", "contradiction"})
  void brokenModelsAreUnavailableWithAReasonAndGoodOnesServe(String model) {
    V2Client.Response ready = c.get("/v2/models/" + model + "/ready");
    // Triton (§3.1, §5.3): model-ready on a non-ready model is 400 "Model version not ready"
    assertThat(ready.status()).as("ready of %s: %s", model, ready).isEqualTo(400);
    assertThat(ready.error()).startsWith("Model version not ready");
    String readyReason = ready.error();
    assertThat(readyReason.length()).as("ready gives a reason: %s", readyReason).isGreaterThan(30);
    assertThat(readyReason).as("ready reason names the model").contains(model);

    V2Client.Response md = c.get("/v2/models/" + model);
    assertThat(md.status()).as("metadata of %s: %s", model, md).isEqualTo(503);
    String reason = md.error();
    assertThat(reason).contains(model);
    assertThat(reason.length())
        .as("a reason beyond the name: %s", reason)
        .isGreaterThan(model.length() + 40);
    assertNoLeak(reason);
    assertNoLeak(readyReason);

    V2Client.Response infer = c.infer(model, fp32Request(1, 2, 3, 4));
    assertThat(infer.status()).as(infer.toString()).isEqualTo(503);
    assertThat(infer.error()).contains(model);

    ModelStatus status =
        server.server.models().stream()
            .filter(s -> s.name().equals(model))
            .findFirst()
            .orElseThrow();
    assertThat(status.state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(status.reason()).isNotEmpty();

    // the good ones still serve
    ObjectNode good =
        withInputs(
            request(),
            jsonInput("INPUT0", "INT32", shape(1, 16), V2Client.ints(new int[16])),
            jsonInput("INPUT1", "INT32", shape(1, 16), V2Client.ints(new int[16])));
    assertThat(c.infer("good", good).status()).isEqualTo(200);
    assertThat(c.ready("good")).isTrue();
  }

  @Test
  void brokenConfigReasonNamesTheFile() {
    assertThat(c.get("/v2/models/broken_config").error()).contains("config.pbtxt");
  }

  @Test
  void corruptModelReasonNamesTheFile() {
    assertThat(c.get("/v2/models/corrupt_model").error()).contains("model.onnx");
  }

  @Test
  void contradictionReasonNamesFileFieldAndBothValues() {
    String reason = c.get("/v2/models/contradiction").error();
    assertThat(reason).contains("config.pbtxt").contains("data_type").contains("INPUT0");
    assertThat(reason).containsAnyOf("TYPE_INT32", "INT32");
    assertThat(reason).containsAnyOf("TYPE_FP32", "FP32");
  }

  /** Strict readiness: a model failed to load, so the server is live but not ready. */
  @Test
  void serverIsLiveButNotReadyWhenAModelFailed() {
    assertThat(c.get("/v2/health/live").status()).isEqualTo(200);
    V2Client.Response ready = c.get("/v2/health/ready");
    // what the server does (kserve-v2-protocol.md §3.1 allows 400 or 503): 503 with the OIP body
    assertThat(ready.status()).as("strict readiness with failed models: %s", ready).isEqualTo(503);
    assertThat(ready.json().path("ready").isBoolean()).isTrue();
    assertThat(ready.json().path("ready").asBoolean()).isFalse();
  }

  /**
   * {@code --strict-readiness false}: the same repository, with failed models, is ready (HTTP and
   * gRPC).
   */
  @Test
  void notStrictReadiness_isReadyDespiteFailedModels() throws Exception {
    try (ItServer lax = ItServer.start(repo, b -> b.strictReadiness(false))) {
      assertThat(lax.client.get("/v2/health/ready").status()).isEqualTo(200);
      assertThat(lax.client.get("/v2/models/corrupt_model/ready").status()).isEqualTo(400);
      try (io.caracal.client.CaracalClient grpc =
          io.caracal.client.CaracalClient.grpc("127.0.0.1", lax.server.grpcAddress().getPort())) {
        assertThat(grpc.isServerReady()).isTrue();
      }
    }
  }

  static void assertNoLeak(String message) {
    assertThat(message)
        .doesNotContain(repo.toString())
        .doesNotContain(repo.toAbsolutePath().toString())
        .doesNotContain("Exception")
        .doesNotContainPattern("\\bat [a-z]+\\.[a-z]+\\.")
        .doesNotContainPattern("(io|java|ai|com)\\.[a-z]+\\.[A-Za-z.]*[A-Z]");
  }
}
