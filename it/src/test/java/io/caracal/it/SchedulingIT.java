package io.caracal.it;

import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.api.NamedTensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.api.backend.ModelSignature;
import io.caracal.backend.onnxruntime.OnnxRuntimeBackendFactory;
import io.caracal.core.scheduler.DynamicBatcher;
import io.caracal.testing.Await;
import io.caracal.testing.Npy;
import io.caracal.testing.NpyArray;
import io.caracal.testing.SharedData;
import io.caracal.testing.models.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The scheduler end to end on a real server: batched answers are bit-exact, an instance that fails
 * mid-batch loses no request, a full queue answers 503 with {@code Retry-After} at once, and a
 * request's own queue timeout answers 504.
 */
public class SchedulingIT {
  @TempDir Path repo;

  // ------------------------------------------------------------------ a. bit-exact batching

  @Test
  void concurrentMobilenetClientsGetTheOneByOneOutputsBitExactAndAreBatched() throws Exception {
    Assumptions.assumeTrue(SharedData.root().isPresent(), SharedData.skipMessage());
    Path dir = SharedData.requireModel("mobilenetv2-12-int8");
    ItServer.addModel(repo, "mobilenet", 1, dir.resolve("model.onnx"));
    ItServer.writeConfig(
        repo,
        "mobilenet",
        "max_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 2000 }\n");
    byte[] tench = bytes(Npy.read(dir.resolve("examples/input_tench.npy")));
    byte[] kitten = bytes(Npy.read(dir.resolve("examples/input_kitten.npy")));
    // Request k: 1 row (tench or kitten) or 2 rows (tench then kitten, or kitten then tench).
    List<byte[][]> requests = new ArrayList<>();
    for (int k = 0; k < 32; k++) {
      byte[] a = k % 2 == 0 ? tench : kitten;
      byte[] b = k % 2 == 0 ? kitten : tench;
      requests.add(k % 4 < 2 ? new byte[][] {a} : new byte[][] {a, b});
    }
    try (ItServer s = ItServer.start(repo)) {
      // One by one: each image alone, and each request alone.
      byte[] tenchOut = mobilenet(s, tench);
      byte[] kittenOut = mobilenet(s, kitten);
      assertThat(tenchOut).hasSize(1000 * 4).isNotEqualTo(kittenOut);
      assertThat(argmax(tenchOut)).isEqualTo(0); // tench
      assertThat(argmax(kittenOut)).isEqualTo(281); // tabby
      List<byte[]> expected = new ArrayList<>();
      for (byte[][] r : requests) {
        byte[] out = mobilenet(s, r);
        byte[] fromSingles =
            V2Client.concat(
                new byte[0],
                Arrays.stream(r)
                    .map(x -> x == tench ? tenchOut : kittenOut)
                    .toArray(byte[][]::new));
        assertThat(out).as("a 2-row request alone equals its rows alone").isEqualTo(fromSingles);
        expected.add(out);
      }
      JsonNode before = stats(s, "mobilenet");

      byte[][] actual = concurrently(requests.size(), k -> mobilenet(s, requests.get(k)));

      for (int k = 0; k < requests.size(); k++) {
        assertThat(actual[k]).as("request %d", k).isEqualTo(expected.get(k));
      }
      JsonNode after = stats(s, "mobilenet");
      long inferences =
          after.path("inference_count").asLong() - before.path("inference_count").asLong();
      long executions =
          after.path("execution_count").asLong() - before.path("execution_count").asLong();
      long rows = requests.stream().mapToLong(r -> r.length).sum();
      assertThat(inferences).isEqualTo(rows);
      assertThat(executions)
          .as("batches formed (%d executions for %d rows)", executions, rows)
          .isLessThan(inferences);
      assertThat(after.path("inference_stats").path("fail").path("count").asLong()).isZero();
    }
  }

  private static byte[] mobilenet(ItServer s, byte[]... images) {
    ObjectNode req =
        withOutputs(
            withInputs(
                request(),
                binaryInput(
                    "input",
                    "FP32",
                    shape(images.length, 3, 224, 224),
                    (long) images.length * images[0].length)),
            true,
            "output");
    V2Client.Response r = s.client.inferBinary("mobilenet", req, images);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.shapeOf("output")).containsExactly(images.length, 1000);
    return r.binary("output");
  }

  private static int argmax(byte[] logits) {
    ByteBuffer b = ByteBuffer.wrap(logits).order(ByteOrder.LITTLE_ENDIAN);
    int best = 0;
    for (int i = 1; i < logits.length / 4; i++) {
      if (b.getFloat(i * 4) > b.getFloat(best * 4)) {
        best = i;
      }
    }
    return best;
  }

  private static byte[] bytes(NpyArray a) {
    ByteBuffer b = a.data().duplicate();
    byte[] x = new byte[b.remaining()];
    b.get(x);
    return x;
  }

  // ------------------------------------------------------------------ b. failover

  @Test
  void anInstanceFailingMidBatchLosesNoRequest() throws Exception {
    TestModels.identity(repo, "flaky", io.caracal.api.DataType.FP32, 8);
    ItServer.writeConfig(
        repo,
        "flaky",
        """
        platform: "%s"
        default_model_filename: "model.onnx"
        max_batch_size: 8
        dynamic_batching { max_queue_delay_microseconds: 2000 }
        instance_group [ { count: 2 kind: KIND_CPU } ]
        """
            .formatted(FlakyBackendFactory.PLATFORM));
    FlakyBackendFactory.reset();
    Logger batcherLog = (Logger) LoggerFactory.getLogger(DynamicBatcher.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    batcherLog.addAppender(logged);
    try (ItServer s = ItServer.start(repo)) {
      assertThat(FlakyBackendFactory.loads.get()).isEqualTo(2);
      int perRound = 32;
      int sent = 0;
      Set<String> answered = new HashSet<>();
      // Rounds of concurrent clients until instance 1 has failed a batch of two or more rows (it
      // does so once); every request of every round must come back with its own values.
      for (int round = 0; round < 50 && FlakyBackendFactory.failedBatchRows.get() == 0; round++) {
        int base = sent;
        String[] results =
            concurrently(
                perRound,
                k -> {
                  float[] x = {base + k, -(base + k), 0.5f * (base + k), 7f};
                  ObjectNode req =
                      withInputs(
                          request(), jsonInput("INPUT0", "FP32", shape(1, 4), V2Client.floats(x)));
                  req.put("id", "r" + (base + k));
                  V2Client.Response r = s.client.infer("flaky", req);
                  assertThat(r.status()).as("request %d: %s", base + k, r).isEqualTo(200);
                  assertThat(r.json().path("id").asText()).isEqualTo("r" + (base + k));
                  JsonNode out = r.output("OUTPUT0");
                  assertThat(out.path("shape").toString()).isEqualTo("[1,4]");
                  assertThat(out.path("data").toString()).isEqualTo(V2Client.floats(x).toString());
                  return r.json().path("id").asText();
                },
                String[]::new);
        sent += perRound;
        answered.addAll(Arrays.asList(results));
      }
      assertThat(FlakyBackendFactory.failedBatchRows.get())
          .as("instance 1 failed a batch")
          .isGreaterThanOrEqualTo(2);
      assertThat(answered).as("each request answered once, with its own id").hasSize(sent);

      // The failure and the replacement are visible: a third instance is loaded, the failed one is
      // closed, and the batcher logged the failure.
      Await.until(
          "the replacement instance",
          Duration.ofSeconds(30),
          () -> FlakyBackendFactory.loads.get() >= 3 && FlakyBackendFactory.closes.get() >= 1);
      assertThat(FlakyBackendFactory.loads.get())
          .as("the failed instance is replaced")
          .isEqualTo(3);
      assertThat(FlakyBackendFactory.closes.get()).as("the failed instance is closed").isEqualTo(1);
      assertThat(logged.list)
          .anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage())
                .contains("failed a batch")
                .contains(FlakyBackendFactory.MESSAGE);
          })
          .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("replaced by instance"));
      JsonNode stats = stats(s, "flaky");
      assertThat(stats.path("inference_stats").path("success").path("count").asLong())
          .isEqualTo(sent);
      assertThat(stats.path("inference_stats").path("fail").path("count").asLong()).isZero();
      assertThat(stats.path("inference_count").asLong()).isEqualTo(sent);

      // And the server keeps serving on the replacement.
      V2Client.Response after =
          s.client.infer(
              "flaky",
              withInputs(
                  request(),
                  jsonInput("INPUT0", "FP32", shape(1, 4), V2Client.floats(1, 2, 3, 4))));
      assertThat(after.status()).as(after.toString()).isEqualTo(200);
    } finally {
      batcherLog.detachAppender(logged);
    }
  }

  /**
   * The ONNX Runtime backend under the platform {@value #PLATFORM}, registered for the tests only
   * (META-INF/services in it/src/test/resources): the first instance it loads throws an internal
   * (not invalid-input) {@link BackendException} on its first call with two or more rows, once. It
   * claims no model whose config names no platform, so other tests never see it.
   */
  public static final class FlakyBackendFactory implements BackendFactory {
    static final String PLATFORM = "caracal_test_flaky";
    static final String MESSAGE = "injected instance failure";
    static final AtomicInteger loads = new AtomicInteger();
    static final AtomicInteger closes = new AtomicInteger();
    static final AtomicInteger failedBatchRows = new AtomicInteger();

    private final OnnxRuntimeBackendFactory ort = new OnnxRuntimeBackendFactory();

    public FlakyBackendFactory() {}

    static void reset() {
      loads.set(0);
      closes.set(0);
      failedBatchRows.set(0);
    }

    @Override
    public String name() {
      return PLATFORM;
    }

    @Override
    public String platform() {
      return PLATFORM;
    }

    @Override
    public boolean supports(String platform, String backend) {
      return platform.equals(PLATFORM) || backend.equals(PLATFORM);
    }

    @Override
    public String defaultModelFileName() {
      return "model." + PLATFORM + ".onnx"; // never matches a model that names no platform
    }

    @Override
    public ModelInstance load(ModelArtifact artifact) throws ModelLoadException {
      ModelInstance real = ort.load(artifact);
      int number = loads.incrementAndGet();
      return new ModelInstance() {
        @Override
        public ModelSignature signature() {
          return real.signature();
        }

        @Override
        public List<NamedTensor> infer(List<NamedTensor> inputs, List<String> outputs)
            throws BackendException {
          long rows = inputs.get(0).tensor().shape().dim(0);
          boolean warmUp =
              StackWalker.getInstance() // the registry's warm-up at load is not a served batch
                  .walk(f ->
                      f.anyMatch(x -> x.getClassName().equals("io.caracal.core.lifecycle.Warmup")));
          if (!warmUp && number == 1 && rows >= 2 && failedBatchRows.compareAndSet(0, (int) rows)) {
            throw new BackendException(MESSAGE, false, null);
          }
          return real.infer(inputs, outputs);
        }

        @Override
        public void close() {
          closes.incrementAndGet();
          real.close();
        }
      };
    }
  }

  // ------------------------------------------------------------------ c. admission control

  @Test
  void aFullQueueAnswers503WithRetryAfterAtOnce() throws Exception {
    TestModels.slow(repo, "slow", 1);
    appendConfig(
        "slow",
        """
        dynamic_batching { default_queue_policy { max_queue_size: 2 } }
        instance_group [ { count: 1 kind: KIND_CPU } ]
        """);
    try (ItServer s = ItServer.start(repo, b -> b.threadsPerInstance(1))) {
      int iterations = 6000;
      int n = 10;
      // Warm up the code paths, and open n pooled connections so the burst below measures the
      // server, not TCP connection setup.
      slowCall(s, "slow", 1, 1, 0);
      concurrently(n, k -> s.client.get("/v2/health/ready").status(), Integer[]::new);
      long t0 = System.nanoTime();
      V2Client.Response alone = slowCall(s, "slow", 2, iterations, 0);
      long slowNanos = System.nanoTime() - t0;
      assertThat(alone.status()).as(alone.toString()).isEqualTo(200);

      // One call running and two queued fill the model; everything beyond is refused.
      long[] took = new long[n];
      V2Client.Response[] answers =
          concurrently(
              n,
              k -> {
                long start = System.nanoTime();
                V2Client.Response r = slowCall(s, "slow", 100 + k, iterations, 0);
                took[k] = System.nanoTime() - start;
                return r;
              },
              V2Client.Response[]::new);

      int ok = 0;
      long slowestRejection = 0;
      for (int k = 0; k < n; k++) {
        V2Client.Response r = answers[k];
        if (r.status() == 200) {
          ok++;
          assertThat(r.output("OUTPUT0").path("data").get(0).floatValue()).isEqualTo(100f + k);
          continue;
        }
        assertThat(r.status()).as("request %d: %s", k, r).isEqualTo(503);
        assertThat(r.headerValue("Retry-After")).as("Retry-After of %s", r).isNotNull();
        assertThat(Integer.parseInt(r.headerValue("Retry-After").trim())).isPositive();
        assertThat(r.error()).isNotBlank();
        slowestRejection = Math.max(slowestRejection, took[k]);
      }
      assertThat(ok).as("the running call and the two queued ones succeed").isBetween(1, n - 1);
      assertThat(n - ok).as("refused").isGreaterThanOrEqualTo(n - 3 - 1);
      assertThat(slowestRejection)
          .as(
              "slowest 503 took %.1f ms; one slow call alone %.1f ms",
              slowestRejection / 1e6, slowNanos / 1e6)
          .isLessThan(slowNanos / 4);
    }
  }

  // ------------------------------------------------------------------ d. request timeout

  @Test
  void aRequestTimeoutAnswers504WhileQueuedBehindASlowCall() throws Exception {
    TestModels.slow(repo, "slow", 1);
    appendConfig(
        "slow",
        """
        dynamic_batching { default_queue_policy { allow_timeout_override: true } }
        instance_group [ { count: 1 kind: KIND_CPU } ]
        """);
    try (ItServer s = ItServer.start(repo, b -> b.threadsPerInstance(1))) {
      slowCall(s, "slow", 1, 1, 0);
      int iterations = 2000;
      V2Client.Response timedOut = null;
      // The slow call must reach the instance before the short one arrives: the statistics count a
      // request's queue time when it is handed to the instance, so wait for that count to move.
      // Should the slow call still finish first (a very slow machine), try again.
      for (int attempt = 0; attempt < 5 && timedOut == null; attempt++) {
        long dispatched =
            stats(s, "slow").path("inference_stats").path("queue").path("count").asLong();
        CompletableFuture<V2Client.Response> slow =
            CompletableFuture.supplyAsync(
                () -> slowCall(s, "slow", 2, iterations, 0), Thread::startVirtualThread);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (stats(s, "slow").path("inference_stats").path("queue").path("count").asLong()
                == dispatched
            && !slow.isDone()
            && System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        V2Client.Response quick = slowCall(s, "slow", 3, 1, 1000);
        boolean slowStillRunning = !slow.isDone();
        V2Client.Response slowAnswer = slow.get(60, TimeUnit.SECONDS);
        assertThat(slowAnswer.status()).as(slowAnswer.toString()).isEqualTo(200);
        if (quick.status() == 200) {
          continue;
        }
        assertThat(quick.status()).as(quick.toString()).isEqualTo(504);
        assertThat(slowStillRunning)
            .as("the 504 came at the deadline, not after the slow call")
            .isTrue();
        timedOut = quick;
      }
      assertThat(timedOut)
          .as("a request with a 1 ms timeout queued behind a slow call")
          .isNotNull();
      assertThat(timedOut.error()).isNotBlank();
      // Without the parameter, the same request waits and succeeds.
      assertThat(slowCall(s, "slow", 4, 1, 0).status()).isEqualTo(200);
    }
  }

  // ------------------------------------------------------------------ e. deadlines while running

  /** Loop trips of the slow model that no call finishes: only terminating the run ends it. */
  private static final long FOREVER = 1L << 40;

  /**
   * The timeout passes while ONNX Runtime runs the request: 504, the run is terminated (the call
   * could never end otherwise) and the one instance serves the next request.
   */
  @Test
  void aTimeoutThatPassesWhileTheCallRunsAnswers504AndStopsTheCall() throws Exception {
    try (ItServer s = oneSlowInstance()) {
      long dispatched = dispatched(s);
      V2Client.Response r = slowCall(s, "slow", 2, FOREVER, 200_000);
      assertThat(r.status()).as(r.toString()).isEqualTo(504);
      assertThat(r.error()).contains("deadline");
      assertThat(dispatched(s)).as("the request reached the instance").isEqualTo(dispatched + 1);
      servesTheNextRequest(s);
      assertThat(stats(s, "slow").path("inference_stats").path("fail").path("count").asLong())
          .as("the timed-out request counts as a failure")
          .isEqualTo(1);
    }
  }

  /** The client closes its connection while ONNX Runtime runs its request: the run stops. */
  @Test
  void aClientThatLeavesWhileTheCallRunsStopsIt() throws Exception {
    try (ItServer s = oneSlowInstance()) {
      long dispatched = dispatched(s);
      byte[] body =
          new com.fasterxml.jackson.databind.ObjectMapper()
              .writeValueAsBytes(slowRequest(2, FOREVER, 0));
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", s.port())) {
        socket
            .getOutputStream()
            .write(
                ("POST /v2/models/slow/infer HTTP/1.1\r\nHost: x\r\nContent-Type:"
                        + " application/json\r\nContent-Length: "
                        + body.length
                        + "\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        socket.getOutputStream().write(body);
        socket.getOutputStream().flush();
        Await.until(
            "the endless call to reach the instance",
            Duration.ofSeconds(30),
            () -> dispatched(s) == dispatched + 1);
      }
      servesTheNextRequest(s);
    }
  }

  /** A server with the slow model on one instance and one thread, after one call. */
  private ItServer oneSlowInstance() throws Exception {
    TestModels.slow(repo, "slow", 1);
    appendConfig(
        "slow",
        """
        dynamic_batching { default_queue_policy { allow_timeout_override: true } }
        instance_group [ { count: 1 kind: KIND_CPU } ]
        """);
    ItServer s = ItServer.start(repo, b -> b.threadsPerInstance(1));
    assertThat(slowCall(s, "slow", 1, 1, 0).status()).isEqualTo(200);
    return s;
  }

  /** One instance, one thread: this answers only once the endless call was stopped. */
  private static void servesTheNextRequest(ItServer s) {
    V2Client.Response next = slowCall(s, "slow", 3, 1, 0);
    assertThat(next.status()).as(next.toString()).isEqualTo(200);
    assertThat(next.output("OUTPUT0").path("data").get(0).floatValue()).isEqualTo(3f);
  }

  /** Requests of the model that left its queue for an instance. */
  private static long dispatched(ItServer s) {
    return stats(s, "slow").path("inference_stats").path("queue").path("count").asLong();
  }

  // ------------------------------------------------------------------ helpers

  private void appendConfig(String model, String text) throws Exception {
    Path config = repo.resolve(model).resolve("config.pbtxt");
    Files.writeString(config, Files.readString(config) + text);
  }

  /**
   * One row of the slow model: INPUT0 all {@code value}, {@code iterations} loop trips, optional
   * timeout (µs).
   */
  private static V2Client.Response slowCall(
      ItServer s, String model, float value, long iterations, long timeoutMicros) {
    return s.client.infer(model, slowRequest(value, iterations, timeoutMicros));
  }

  private static ObjectNode slowRequest(float value, long iterations, long timeoutMicros) {
    float[] x = new float[16];
    Arrays.fill(x, value);
    ObjectNode req =
        withInputs(
            request(),
            jsonInput("INPUT0", "FP32", shape(1, 16), V2Client.floats(x)),
            jsonInput("ITERATIONS", "INT64", shape(1, 1), V2Client.longs(iterations)));
    if (timeoutMicros > 0) {
      req.putObject("parameters").put("timeout", timeoutMicros);
    }
    return req;
  }

  private static JsonNode stats(ItServer s, String model) {
    V2Client.Response r = s.client.get("/v2/models/" + model + "/stats");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().path("model_stats").get(0);
  }

  interface Client<T> {
    T call(int k) throws Exception;
  }

  private static byte[][] concurrently(int n, Client<byte[]> client) throws Exception {
    return concurrently(n, client, byte[][]::new);
  }

  /** Runs {@code n} clients on platform threads released together; rethrows the first failure. */
  private static <T> T[] concurrently(
      int n, Client<T> client, java.util.function.IntFunction<T[]> array) throws Exception {
    T[] out = array.apply(n);
    CountDownLatch go = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      threads.add(
          Thread.ofPlatform()
              .name("client-" + k)
              .start(() -> {
                try {
                  go.await();
                  out[k] = client.call(k);
                } catch (Throwable t) {
                  failure.compareAndSet(null, t);
                }
              }));
    }
    go.countDown();
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(120));
      assertThat(t.isAlive()).as("client %s finished", t.getName()).isFalse();
    }
    if (failure.get() instanceof AssertionError e) {
      throw e;
    }
    if (failure.get() != null) {
      throw new AssertionError("a client failed", failure.get());
    }
    return out;
  }
}
