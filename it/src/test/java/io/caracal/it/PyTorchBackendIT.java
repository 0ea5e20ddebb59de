package io.caracal.it;

import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.caracal.api.DataType;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.caracal.proto.inference.ModelMetadataRequest;
import io.caracal.proto.inference.ModelMetadataResponse;
import io.caracal.testing.models.TestModels;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Triton repository mixing an ONNX model and TorchScript models ({@code pytorch_libtorch}),
 * served by the real server with the PyTorch backend on the class path: V2 REST and gRPC, dynamic
 * batching, statistics, and bad artifacts UNAVAILABLE with their reason while the server stays
 * healthy. Runs only in the {@code all-backends} profile (it/pom.xml), which builds the backend;
 * the models are the backend's committed test models (backends/pytorch/src/test/models).
 */
class PyTorchBackendIT {
  static final Path MODELS = Path.of("../backends/pytorch/src/test/models");

  @TempDir static Path repo;
  @TempDir static Path keys;
  static ItServer server;
  static ManagedChannel channel;
  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    copyModel(repo, "cross", "cross");
    copyModel(repo, "cross", "cross_batched");
    Files.writeString(
        repo.resolve("cross_batched/config.pbtxt"),
        "\ndynamic_batching { max_queue_delay_microseconds: 50000 }\n",
        java.nio.file.StandardOpenOption.APPEND);
    copyModel(repo, "cnn", "cnn");
    copyModel(repo, "linear", "linear");
    copyModel(repo, "pickle", "pickle");
    copyModel(repo, "sequence", "sequence");
    // a TorchScript file without config.pbtxt: Triton needs one for PyTorch models, so do we
    Files.createDirectories(repo.resolve("noconfig/1"));
    Files.copy(MODELS.resolve("linear/1/model.pt"), repo.resolve("noconfig/1/model.pt"));
    // a truncated TorchScript file
    Files.createDirectories(repo.resolve("truncated/1"));
    byte[] linear = Files.readAllBytes(MODELS.resolve("linear/1/model.pt"));
    Files.write(
        repo.resolve("truncated/1/model.pt"), java.util.Arrays.copyOf(linear, linear.length / 2));
    Files.copy(MODELS.resolve("linear/config.pbtxt"), repo.resolve("truncated/config.pbtxt"));
    TestModels.addSub(repo, "simple", DataType.INT32, 8);
    // an encrypted TorchScript file (model.pt.enc): decrypted in memory, loaded from the bytes
    javax.crypto.SecretKey key = EncryptedModelsIT.key(15);
    Path keyFile = keys.resolve("model-keys");
    Files.writeString(keyFile, "k=" + EncryptedModelsIT.b64(key) + "\n");
    Files.createDirectories(repo.resolve("linear_enc/1"));
    Files.copy(MODELS.resolve("linear/config.pbtxt"), repo.resolve("linear_enc/config.pbtxt"));
    Files.write(
        repo.resolve("linear_enc/1/model.pt.enc"),
        EncryptedModelsIT.seal(
            linear,
            new io.caracal.core.encryption.ModelBinding("linear_enc", 1, "model.pt"),
            "k",
            key));
    server = ItServer.start(repo, b -> b.modelKeyFile(keyFile.toString()));
    channel = GrpcIT.channel(server);
    stub =
        GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  /** Copies a committed test model's config and {@code 1/model.pt} to {@code <into>/<to>}. */
  static void copyModel(Path into, String from, String to) throws IOException {
    Path src = MODELS.resolve(from);
    Path dst = into.resolve(to);
    Files.createDirectories(dst.resolve("1"));
    Files.copy(src.resolve("config.pbtxt"), dst.resolve("config.pbtxt"));
    Files.copy(src.resolve("1/model.pt"), dst.resolve("1/model.pt"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  /** The values of one tensor in a model's expected.txt ("name dtype dims:values"). */
  static double[] expected(String model, String tensor) throws IOException {
    for (String line : Files.readAllLines(MODELS.resolve(model).resolve("expected.txt"))) {
      if (line.startsWith(tensor + " ")) {
        return Stream.of(line.substring(line.indexOf(':') + 1).split(","))
            .mapToDouble(Double::parseDouble)
            .toArray();
      }
    }
    throw new IllegalArgumentException(tensor + " not in " + model);
  }

  static float[] floats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  static ArrayNode json(float... v) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (float f : v) {
      a.add(f);
    }
    return a;
  }

  @Test
  void metadataNamesThePlatformAndTheConfiguredTensors() {
    JsonNode md = server.client.metadata("cross");
    assertThat(md.path("platform").asText()).isEqualTo("pytorch_libtorch");
    assertThat(md.path("inputs").toString())
        .isEqualTo("[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,4]}]");
    assertThat(md.path("outputs").toString())
        .isEqualTo("[{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[-1,2]}]");
    assertThat(server.client.metadata("simple").path("platform").asText())
        .isEqualTo("onnxruntime_onnx");
  }

  @Test
  void restJsonAndBinaryAnswerAsPython() throws Exception {
    float[] x = floats(expected("cross", "x"));
    double[] y = expected("cross", "y");
    V2Client.Response r =
        server.client.infer(
            "cross", withInputs(request(), jsonInput("x", "FP32", shape(3, 4), json(x))));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.shapeOf("y")).containsExactly(3, 2);
    JsonNode data = r.output("y").path("data");
    for (int i = 0; i < y.length; i++) {
      assertThat(data.get(i).asDouble()).isCloseTo(y[i], within(1e-6));
    }
    V2Client.Response b =
        server.client.inferBinary(
            "linear",
            withOutputs(
                withInputs(request(), binaryInput("INPUT__0", "FP32", shape(2, 4), 32)),
                true,
                "OUTPUT__0"),
            Le.fp32(floats(expected("linear", "INPUT__0"))));
    assertThat(b.status()).as(b.toString()).isEqualTo(200);
    assertThat(Le.toFp32(b.binary("OUTPUT__0"))).containsExactly(1f, 6f, 5f, 14f);
  }

  @Test
  void anEncryptedTorchScriptFileAnswersAsThePlainOne() throws Exception {
    byte[] x = Le.fp32(floats(expected("linear", "INPUT__0")));
    ObjectNode req =
        withOutputs(
            withInputs(request(), binaryInput("INPUT__0", "FP32", shape(2, 4), 32)),
            true,
            "OUTPUT__0");
    V2Client.Response enc = server.client.inferBinary("linear_enc", req, x);
    assertThat(enc.status()).as(enc.toString()).isEqualTo(200);
    assertThat(enc.binary("OUTPUT__0"))
        .isEqualTo(server.client.inferBinary("linear", req, x).binary("OUTPUT__0"));
  }

  /**
   * A sequence model's START control is a second argument of forward: a request without sequence
   * parameters runs as a whole one-request sequence, so START is 1.
   */
  @Test
  void sequenceControlInputsReachForward() {
    V2Client.Response r =
        server.client.infer(
            "sequence",
            withInputs(request(), jsonInput("INPUT__0", "FP32", shape(1, 1), json(2.5f))));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.output("OUTPUT__0").path("data").get(0).asDouble()).isEqualTo(3.5);
    assertThat(server.client.metadata("sequence").path("inputs")).hasSize(1);
  }

  @Test
  void grpcAnswersAsRest() throws Exception {
    float[] image = floats(expected("cnn", "image"));
    ModelInferRequest req =
        ModelInferRequest.newBuilder()
            .setModelName("cnn")
            .addInputs(GrpcIT.input("image", DataType.FP32, 3, 1, 6, 6))
            .addRawInputContents(ByteString.copyFrom(Le.fp32(image)))
            .build();
    ModelInferResponse resp = stub.modelInfer(req);
    float[] scores = Le.toFp32(resp.getRawOutputContents(0).toByteArray());
    double[] want = expected("cnn", "scores");
    assertThat(resp.getOutputs(0).getName()).isEqualTo("scores");
    assertThat(resp.getOutputs(0).getShapeList()).containsExactly(3L, 3L);
    for (int i = 0; i < want.length; i++) {
      assertThat((double) scores[i]).isCloseTo(want[i], within(1e-5));
    }
    ModelMetadataResponse md =
        stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("cnn").build());
    assertThat(md.getPlatform()).isEqualTo("pytorch_libtorch");
    V2Client.Response rest =
        server.client.inferBinary(
            "cnn",
            withOutputs(
                withInputs(request(), binaryInput("image", "FP32", shape(3, 1, 6, 6), 432)),
                true,
                "scores"),
            Le.fp32(image));
    assertThat(rest.binary("scores")).isEqualTo(resp.getRawOutputContents(0).toByteArray());
  }

  @Test
  void dynamicBatchingGivesEachClientItsRowsAndCountsExecutions() throws Exception {
    int n = 16;
    List<float[]> inputs = new ArrayList<>();
    List<JsonNode> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = {i * 0.25f, -i * 0.5f, 1.5f - i, i % 3};
      inputs.add(x);
      V2Client.Response alone =
          server.client.infer(
              "cross", withInputs(request(), jsonInput("x", "FP32", shape(1, 4), json(x))));
      assertThat(alone.status()).as(alone.toString()).isEqualTo(200);
      expected.add(alone.output("y").path("data"));
    }
    JsonNode[] actual =
        ConcurrentCalls.run(
            n,
            k -> {
              V2Client.Response r =
                  server.client.infer(
                      "cross_batched",
                      withInputs(
                          request(), jsonInput("x", "FP32", shape(1, 4), json(inputs.get(k)))));
              return r.status() == 200 ? r.output("y").path("data") : r.json();
            });
    for (int i = 0; i < n; i++) {
      assertThat(actual[i].isArray()).as("request %d: %s", i, actual[i]).isTrue();
      for (int k = 0; k < 2; k++) {
        assertThat(actual[i].get(k).asDouble())
            .as("request %d element %d", i, k)
            .isCloseTo(expected.get(i).get(k).asDouble(), within(1e-6));
      }
    }
    JsonNode stats =
        server.client.get("/v2/models/cross_batched/stats").json().path("model_stats").get(0);
    assertThat(stats.path("inference_stats").path("success").path("count").asLong()).isEqualTo(n);
    assertThat(stats.path("inference_count").asLong()).isEqualTo(n);
    assertThat(stats.path("execution_count").asLong()).isLessThan(n);
  }

  @Test
  void badArtifactsAreUnavailableWithTheirReasonAndTheServerStaysHealthy() {
    V2Client.Response index = server.client.postJson("/v2/repository/index", "{}");
    assertThat(index.status()).isEqualTo(200);
    String pickle = reason(index.json(), "pickle");
    assertThat(pickle).contains("not TorchScript").doesNotContain(repo.toString());
    assertThat(reason(index.json(), "truncated"))
        .contains("cannot load 1/model.pt as TorchScript")
        .doesNotContain(repo.toString());
    assertThat(reason(index.json(), "noconfig")).contains("needs a config.pbtxt");
    for (String bad : List.of("pickle", "truncated", "noconfig")) {
      assertThat(server.client.ready(bad)).as(bad).isFalse();
    }
    // live, and serving the good models; not "ready": strict readiness (Triton's default) counts
    // the models that failed to load
    assertThat(server.client.get("/v2/health/live").status()).isEqualTo(200);
    assertThat(server.client.get("/v2/health/ready").status()).isEqualTo(503);
    assertThat(server.client.ready("cross")).isTrue();
    assertThat(server.client.ready("simple")).isTrue();
  }

  static String reason(JsonNode index, String model) {
    for (JsonNode e : index) {
      if (e.path("name").asText().equals(model)) {
        assertThat(e.path("state").asText()).as(model).isEqualTo("UNAVAILABLE");
        return e.path("reason").asText();
      }
    }
    throw new AssertionError(model + " not in the index: " + index);
  }

  @Test
  void aShapeTheModelRefusesIsA400NamingNoPath() {
    V2Client.Response r =
        server.client.infer(
            "cnn",
            withInputs(
                request(), jsonInput("image", "FP32", shape(1, 1, 5, 6), json(new float[30]))));
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.toString()).doesNotContain(repo.toString());
  }

  /**
   * 100 load / infer / unload cycles of the TorchScript CNN (explicit mode): heap, threads and
   * files come back within {@link LoadUnloadCyclesIT}'s bounds, RSS within 256 MiB as for
   * TensorFlow (the native libraries' allocators keep some freed memory; the figure is logged).
   */
  @Test
  void loadUnloadCyclesReturnResources(@TempDir Path cycles) throws Exception {
    copyModel(cycles, "cnn", "cnn");
    try (ItServer s =
        ItServer.start(
            cycles,
            b ->
                b.modelControlMode(io.caracal.core.lifecycle.ModelControlMode.EXPLICIT)
                    .loadModels(List.of()))) {
      for (int i = 0; i < 5; i++) {
        cycle(s.client, i);
      }
      LoadUnloadCyclesIT.Resources base = LoadUnloadCyclesIT.Resources.measure();
      for (int i = 0; i < 100; i++) {
        cycle(s.client, i);
      }
      long rssTolerance = 256L * 1024 * 1024;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      LoadUnloadCyclesIT.Resources after = LoadUnloadCyclesIT.Resources.measure();
      while (!after.withinToleranceOf(base, rssTolerance, 16) && System.nanoTime() < deadline) {
        after = LoadUnloadCyclesIT.Resources.measure();
      }
      org.slf4j.LoggerFactory.getLogger(PyTorchBackendIT.class)
          .info("100 TorchScript load/infer/unload cycles; baseline {}; after {}", base, after);
      after.assertWithinToleranceOf(base, rssTolerance, 16);
    }
  }

  private static void cycle(V2Client c, int i) {
    V2Client.Response load = c.postJson("/v2/repository/models/cnn/load", "");
    assertThat(load.status()).as("load %d: %s", i, load).isEqualTo(200);
    float[] image = new float[36];
    for (int k = 0; k < image.length; k++) {
      image[k] = (k + i) % 5;
    }
    V2Client.Response r =
        c.infer(
            "cnn",
            withInputs(request(), jsonInput("image", "FP32", shape(1, 1, 6, 6), json(image))));
    assertThat(r.status()).as("infer %d: %s", i, r).isEqualTo(200);
    assertThat(r.shapeOf("scores")).containsExactly(1, 3);
    V2Client.Response unload = c.postJson("/v2/repository/models/cnn/unload", "");
    assertThat(unload.status()).as("unload %d: %s", i, unload).isEqualTo(200);
    assertThat(c.ready("cnn")).isFalse();
  }
}
