package io.caracal.it;

import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TensorFlow backend through the real server, beside ONNX Runtime in one Triton repository
 * (issue 15). Runs under {@code -Pall-backends} only (it/pom.xml), which puts
 * caracal-backend-tensorflow on the class path; the SavedModels are the committed ones of
 * backends/tensorflow/src/test/models (made by generate.py there).
 */
class TensorFlowBackendIT {
  private static final Logger log = LoggerFactory.getLogger(TensorFlowBackendIT.class);
  static final Path MODELS = Path.of("../backends/tensorflow/src/test/models");

  @TempDir Path repo;

  /** Copies a committed model folder (its version folders) into the repository as {@code name}. */
  static Path copyModel(Path repo, String model, String name) {
    Path src = MODELS.resolve(model);
    Path dst = repo.resolve(name);
    try (Stream<Path> files = Files.walk(src)) {
      for (Path p : files.toList()) {
        Path target = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().equals("config.pbtxt")) {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dst;
  }

  private static ObjectNode fp32Request(String input, long[] shape, float... x) {
    return withInputs(request(), jsonInput(input, "FP32", shape, V2Client.floats(x)));
  }

  private static float[] floats(JsonNode output) {
    JsonNode data = output.path("data");
    float[] out = new float[data.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = data.get(i).floatValue();
    }
    return out;
  }

  @Test
  void mixedRepositoryServesTensorFlowBesideOnnxRuntime() throws Exception {
    copyModel(repo, "half_plus_two", "half_plus_two");
    copyModel(repo, "strings", "strings");
    copyModel(repo, "cross/cross_tf", "cross_tf");
    copyModel(repo, "cross/cross_onnx", "cross_onnx");
    ItServer.writeConfig(repo, "cross_tf", "platform: \"tensorflow_savedmodel\"\n");
    // bad artifacts: a truncated graph, a missing signature, a platform not served
    Path truncated =
        copyModel(repo, "half_plus_two", "truncated").resolve("1/model.savedmodel/saved_model.pb");
    byte[] pb = Files.readAllBytes(truncated);
    Files.write(truncated, java.util.Arrays.copyOf(pb, pb.length / 3));
    copyModel(repo, "half_plus_two", "nosig");
    ItServer.writeConfig(
        repo,
        "nosig",
        "platform: \"tensorflow_savedmodel\"\n"
            + "parameters { key: \"TF_SIGNATURE_DEF\" value { string_value: \"predict\" } }\n");
    copyModel(repo, "half_plus_two", "graphdef");
    ItServer.writeConfig(repo, "graphdef", "platform: \"tensorflow_graphdef\"\n");

    try (ItServer s = ItServer.start(repo)) {
      V2Client c = s.client;
      JsonNode server = c.get("/v2").json();
      List<String> backends = new ArrayList<>();
      server.path("backends").forEach(b -> backends.add(b.asText()));
      assertThat(backends).contains("onnxruntime", "tensorflow");

      // metadata and config auto-completed from the signature, as Triton does for TF
      JsonNode md = c.metadata("half_plus_two");
      assertThat(md.path("platform").asText()).isEqualTo("tensorflow_savedmodel");
      assertThat(md.path("inputs").get(0).path("name").asText()).isEqualTo("x");
      assertThat(md.path("inputs").get(0).path("shape").toString()).isEqualTo("[-1,1]");
      JsonNode cfg = c.get("/v2/models/half_plus_two/config").json();
      assertThat(cfg.path("max_batch_size").asInt()).isEqualTo(4);
      assertThat(cfg.path("input").get(0).path("dims").toString()).isEqualTo("[1]");

      // REST
      V2Client.Response r = c.infer("half_plus_two", fp32Request("x", shape(3, 1), 1f, 2f, 5f));
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(floats(r.output("y"))).containsExactly(2.5f, 3f, 4.5f);

      // strings as BYTES
      ObjectNode strings =
          withInputs(
              request(),
              jsonInput("text", "BYTES", shape(2), V2Client.strings("tensor", "flow")),
              jsonInput("scale", "FP32", shape(2), V2Client.floats(1f, 0.5f)));
      V2Client.Response sr = c.infer("strings", strings);
      assertThat(sr.status()).as(sr.toString()).isEqualTo(200);
      assertThat(sr.output("upper").path("data").toString()).isEqualTo("[\"TENSOR\",\"FLOW\"]");
      assertThat(sr.output("length").path("datatype").asText()).isEqualTo("INT32");
      assertThat(floats(sr.output("scaled"))).containsExactly(6f, 2f);

      // gRPC
      ManagedChannel channel = GrpcIT.channel(s);
      try {
        var stub =
            GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        ByteBuffer raw = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        raw.putFloat(4f).putFloat(-2f);
        ModelInferResponse g =
            stub.modelInfer(
                ModelInferRequest.newBuilder()
                    .setModelName("half_plus_two")
                    .addInputs(GrpcIT.input("x", io.caracal.api.DataType.FP32, 2, 1))
                    .addRawInputContents(ByteString.copyFrom(raw.array()))
                    .build());
        ByteBuffer y =
            g.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(g.getOutputs(0).getName()).isEqualTo("y");
        assertThat(y.getFloat()).isEqualTo(4f);
        assertThat(y.getFloat()).isEqualTo(1f);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      // the same network from ONNX and SavedModel, through the same V2 request
      float[] x = {1, 2, 3, 4, -1, 0.5f, 2, -3, 0, 0, 0, 0, 7, -7, 0.25f, 3};
      ObjectNode same = fp32Request("x", shape(4, 4), x);
      float[] fromOnnx = floats(c.infer("cross_onnx", same).output("y"));
      float[] fromTf = floats(c.infer("cross_tf", same).output("y"));
      assertThat(fromTf).hasSize(8);
      for (int i = 0; i < fromTf.length; i++) {
        assertThat(fromTf[i])
            .as("y[%d]", i)
            .isCloseTo(fromOnnx[i], org.assertj.core.data.Offset.offset(1e-5f));
      }

      // bad artifacts are UNAVAILABLE with the reason; the server stays healthy
      JsonNode index = c.postJson("/v2/repository/index", "{}").json();
      assertThat(reason(index, "truncated"))
          .contains(
              "1/model.savedmodel/saved_model.pb is not a valid SavedModel (it does not parse:"
                  + " truncated or not a SavedModel)");
      assertThat(reason(index, "nosig"))
          .contains(
              "has no signature 'predict' (signatures: __saved_model_init_op, serving_default)");
      assertThat(reason(index, "graphdef"))
          .contains("platform 'tensorflow_graphdef' is not supported")
          .contains("export a SavedModel");
      for (JsonNode m : index) {
        assertThat(m.path("reason").asText()).doesNotContain(repo.toString());
      }
      assertThat(c.serverLive()).isTrue();
      // (ready stays false: with strict readiness, Triton's default, every model must be READY)
      assertThat(c.ready("half_plus_two")).isTrue();
      assertThat(c.infer("half_plus_two", fp32Request("x", shape(1, 1), 0f)).status())
          .isEqualTo(200);
    }
  }

  private static String reason(JsonNode index, String model) {
    for (JsonNode m : index) {
      if (m.path("name").asText().equals(model)) {
        assertThat(m.path("state").asText()).as(model).isEqualTo("UNAVAILABLE");
        return m.path("reason").asText();
      }
    }
    throw new AssertionError(model + " not in the index: " + index);
  }

  /**
   * Dynamic batching of TensorFlow models: concurrent clients of {@code half_plus_two} get, bit for
   * bit, what an unbatched copy answers one request at a time (the scheduler's concatenation and
   * split are exact); the statistics count every request and fewer executions. For the matrix
   * product of {@code cross} TensorFlow's own kernels round differently for another batch size (a
   * last-bit difference, as ONNX Runtime's may), so its batched answers are compared within 1e-6.
   */
  @Test
  void dynamicBatchingIsExactAndCounted() throws Exception {
    for (String model : List.of("half_plus_two", "cross/cross_tf")) {
      String base = model.contains("/") ? "cross" : "half";
      copyModel(repo, model, base + "_batched");
      copyModel(repo, model, base + "_single");
      ItServer.writeConfig(
          repo,
          base + "_batched",
          "platform: \"tensorflow_savedmodel\"\nmax_batch_size: 8\n"
              + "dynamic_batching { max_queue_delay_microseconds: 50000 }\n");
      ItServer.writeConfig(
          repo, base + "_single", "platform: \"tensorflow_savedmodel\"\nmax_batch_size: 8\n");
    }
    try (ItServer s = ItServer.start(repo)) {
      JsonNode[][] half = batchedAndSingle(s, "half", 1);
      for (int i = 0; i < half[0].length; i++) {
        assertThat(half[0][i]).as("half_plus_two request %d", i).isEqualTo(half[1][i]);
      }
      JsonNode[][] cross = batchedAndSingle(s, "cross", 4);
      for (int i = 0; i < cross[0].length; i++) {
        float[] batched = floats(cross[0][i]);
        float[] single = floats(cross[1][i]);
        assertThat(batched).as("cross request %d", i).hasSameSizeAs(single);
        for (int k = 0; k < single.length; k++) {
          assertThat(batched[k])
              .as("cross request %d, element %d", i, k)
              .isCloseTo(single[k], org.assertj.core.data.Offset.offset(1e-6f));
        }
      }
    }
  }

  /**
   * Sends 24 requests of 1 or 2 rows of {@code width} to {@code <base>_single} one at a time, then
   * all at once from 24 clients to {@code <base>_batched}; returns {batched, single} outputs and
   * checks the batched model's statistics.
   */
  private static JsonNode[][] batchedAndSingle(ItServer s, String base, int width)
      throws Exception {
    int n = 24;
    Random rnd = new Random(11);
    List<ObjectNode> requests = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int rows = 1 + i % 2;
      float[] x = new float[rows * width];
      for (int k = 0; k < x.length; k++) {
        x[k] = rnd.nextFloat() * 4 - 2;
      }
      requests.add(fp32Request("x", shape(rows, width), x));
    }
    JsonNode[] expected = new JsonNode[n];
    for (int i = 0; i < n; i++) {
      V2Client.Response resp = s.client.infer(base + "_single", requests.get(i));
      assertThat(resp.status()).as(resp.toString()).isEqualTo(200);
      expected[i] = resp.json().path("outputs").get(0);
    }
    JsonNode[] actual =
        ConcurrentCalls.run(
            n,
            k -> {
              V2Client.Response resp = s.client.infer(base + "_batched", requests.get(k));
              return resp.status() == 200 ? resp.json().path("outputs").get(0) : resp.json();
            });
    JsonNode stats =
        s.client.get("/v2/models/" + base + "_batched/stats").json().path("model_stats").get(0);
    assertThat(stats.path("inference_stats").path("success").path("count").asLong()).isEqualTo(n);
    assertThat(stats.path("inference_count").asLong()).isEqualTo(n / 2 * 3);
    assertThat(stats.path("execution_count").asLong()).isLessThan(n);
    return new JsonNode[][] {actual, expected};
  }

  /**
   * A new version of a TensorFlow model is swapped in (repository API, explicit mode) while clients
   * call it: no request fails, and the answers move from version 1 (0.5 x + 2) to version 2 (0.5 x
   * + 3).
   */
  @Test
  void swapUnderLoadDropsNothing() throws Exception {
    copyModel(repo, "half_plus_two", "swap");
    ItServer.writeConfig(repo, "swap", "platform: \"tensorflow_savedmodel\"\n");
    try (ItServer s =
        ItServer.start(
            repo, b -> b.modelControlMode(ModelControlMode.EXPLICIT).loadModels(List.of("swap")))) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger served = new AtomicInteger();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Float> answers = new ConcurrentLinkedQueue<>();
      CountDownLatch running = new CountDownLatch(4);
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        clients.add(
            Thread.ofPlatform()
                .start(() -> {
                  running.countDown();
                  while (!stop.get()) {
                    V2Client.Response r = s.client.infer("swap", fp32Request("x", shape(1, 1), 2f));
                    if (r.status() != 200) {
                      failures.add(r.toString());
                    } else {
                      answers.add(floats(r.output("y"))[0]);
                      served.incrementAndGet();
                    }
                  }
                }));
      }
      running.await();
      Path v2 = repo.resolve("swap/2");
      Path staged = repo.resolve(".staged");
      copyModel(repo, "half_plus_three", ".staged-model");
      Files.move(repo.resolve(".staged-model/1"), staged);
      Files.move(staged, v2, StandardCopyOption.ATOMIC_MOVE);
      V2Client.Response load = s.client.postJson("/v2/repository/models/swap/load", "");
      assertThat(load.status()).as(load.toString()).isEqualTo(200);
      int after = served.get();
      while (served.get() < after + 20) {
        Thread.onSpinWait();
      }
      stop.set(true);
      for (Thread t : clients) {
        t.join();
      }
      assertThat(failures).isEmpty();
      assertThat(answers).containsOnly(3f, 4f).contains(4f);
      log.info("swap under load: {} requests served, none failed", served.get());
    }
  }

  private static final int CYCLES = 100;

  /**
   * RSS growth allowed over the cycles: TensorFlow's own allocators keep memory a session freed (9
   * to 119 MiB after 100 cycles in five runs, docs/operations.md), so the ONNX bound of {@link
   * LoadUnloadCyclesIT} (64 MiB) does not fit; threads, files and heap keep its bounds.
   */
  private static final long RSS_TOLERANCE = 256L * 1024 * 1024;

  /**
   * Thread growth allowed: +2 seen (TensorFlow's process-wide pools); a per-cycle leak adds 100.
   */
  private static final int THREAD_TOLERANCE = 8;

  /**
   * Load / infer / unload cycles of a TensorFlow model (two instances, each a session with its own
   * thread pools): heap, RSS, threads and files come back near the baseline taken after a warm-up,
   * within the bounds of {@link LoadUnloadCyclesIT} but RSS's ({@link #RSS_TOLERANCE}).
   */
  @Test
  void loadUnloadCyclesReturnResources() throws Exception {
    copyModel(repo, "cnn", "cnn");
    ItServer.writeConfig(repo, "cnn", "platform: \"tensorflow_savedmodel\"\n");
    try (ItServer s =
        ItServer.start(
            repo, b -> b.modelControlMode(ModelControlMode.EXPLICIT).loadModels(List.of()))) {
      for (int i = 0; i < 5; i++) {
        cycle(s.client, i);
      }
      LoadUnloadCyclesIT.Resources base = LoadUnloadCyclesIT.Resources.measure();
      long start = System.nanoTime();
      for (int i = 0; i < CYCLES; i++) {
        cycle(s.client, i);
      }
      long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      LoadUnloadCyclesIT.Resources after = LoadUnloadCyclesIT.Resources.measure();
      while (!after.withinToleranceOf(base, RSS_TOLERANCE, THREAD_TOLERANCE)
          && System.nanoTime() < deadline) {
        after = LoadUnloadCyclesIT.Resources.measure();
      }
      log.info(
          "{} TensorFlow load/infer/unload cycles in {} ms; baseline {}; after {}",
          CYCLES,
          ms,
          base,
          after);
      after.assertWithinToleranceOf(base, RSS_TOLERANCE, THREAD_TOLERANCE);
    }
  }

  private static void cycle(V2Client c, int i) {
    V2Client.Response load = c.postJson("/v2/repository/models/cnn/load", "");
    assertThat(load.status()).as("load %d: %s", i, load).isEqualTo(200);
    float[] image = new float[64];
    for (int k = 0; k < 64; k++) {
      image[k] = (k + i) % 5;
    }
    V2Client.Response r = c.infer("cnn", fp32Request("image", shape(1, 8, 8, 1), image));
    assertThat(r.status()).as("infer %d: %s", i, r).isEqualTo(200);
    assertThat(floats(r.output("logits"))).hasSize(3);
    V2Client.Response unload = c.postJson("/v2/repository/models/cnn/unload", "");
    assertThat(unload.status()).as("unload %d: %s", i, unload).isEqualTo(200);
    assertThat(c.ready("cnn")).isFalse();
  }
}
