package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.caracal.api.DataType;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.core.lifecycle.RepositoryPoller;
import io.caracal.testing.models.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot swaps under concurrent load (issue 5): while closed-loop HTTP clients, each on its own
 * connection, call two models, the version of one ({@code swap}) is replaced 100 times, in {@code
 * poll} mode (a new version folder, then a rescan through {@code Caracal.pollRepository()}) and
 * through the repository API in {@code explicit} mode (a new version folder, then {@code POST
 * /v2/repository/models/swap/load}). New versions alternate between the identity and {@code x + 1},
 * so every answer is checked against the version it names.
 *
 * <p>What must hold: no request fails; every answer of {@code swap} comes from a version that was
 * written and made ready before, carries that version's output, and a client never sees a version
 * older than one it already saw; each new version serves before the next swap. After the 100 swaps
 * a broken version is published: the serving version keeps answering, the model stays ready and the
 * index names the broken version {@code UNAVAILABLE}; the server stays ready (a failed reload that
 * keeps the previous version serving does not count against readiness). The other model's latency
 * is measured in a baseline window (same clients, no swaps) and during the swaps, in the same test:
 * its median may grow at most to {@code 4 × baseline + 10 ms}, none of its requests may take longer
 * than 3 s and its answers never stop for 3 s (the machine is a shared 2-core box; the bounds are
 * there to catch a stall or a serialization behind loading, not scheduling noise). The numbers are
 * logged.
 */
class LifecycleUnderLoadIT {
  private static final Logger log = LoggerFactory.getLogger(LifecycleUnderLoadIT.class);

  private static final int SWAPS = 100;
  private static final int SWAP_CLIENTS = 3;
  private static final int OTHER_CLIENTS = 2;

  /** Baseline requests of the other model to record before the first swap. */
  private static final int BASELINE_SAMPLES = 1500;

  private static final Duration STALL_BOUND = Duration.ofSeconds(3);
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(15);
  private static final String BODY =
      "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,1,1,1]}]}";

  @TempDir Path repo;
  @TempDir Path staging;

  private byte[] identity;
  private byte[] plusOne;

  /** Writes {@code swap} (v1 identity, v2 x + 1; dynamic batching) and {@code other} (identity). */
  private void writeRepository() throws IOException {
    TestModels.twoVersions(repo, "swap", 8);
    Path config = repo.resolve("swap/config.pbtxt");
    // Batching makes requests wait in the replaced version's queue while it is closed.
    Files.writeString(
        config,
        Files.readString(config) + "dynamic_batching { max_queue_delay_microseconds: 500 }\n");
    TestModels.identity(repo, "other", DataType.FP32, 8);
    identity = Files.readAllBytes(repo.resolve("swap/1/model.onnx"));
    plusOne = Files.readAllBytes(repo.resolve("swap/2/model.onnx"));
  }

  /**
   * Moves a complete version folder into {@code swap} (written aside, then renamed in, as the
   * operations guide says), and removes the folder two versions back, which no longer serves.
   */
  private void publishVersion(long version, boolean addsOne) throws IOException {
    Path dir = staging.resolve(Long.toString(version));
    Files.createDirectories(dir);
    Files.write(dir.resolve("model.onnx"), addsOne ? plusOne : identity);
    Files.move(
        dir, repo.resolve("swap").resolve(Long.toString(version)), StandardCopyOption.ATOMIC_MOVE);
    Path old = repo.resolve("swap").resolve(Long.toString(version - 2));
    if (Files.isDirectory(old)) {
      deleteTree(old);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void pollMode_100VersionSwapsUnderLoad_loseNoRequestAndLeaveTheOtherModelsLatency()
      throws Exception {
    writeRepository();
    try (ItServer s =
        ItServer.start(
            repo, b -> b.modelControlMode(ModelControlMode.POLL).repositoryPollSecs(3600))) {
      swapUnderLoad(
          s,
          "poll",
          (version, succeeds) -> {
            RepositoryPoller.Changes changes = s.server.pollRepository();
            assertThat(changes.reloaded())
                .as("rescan after writing version %d", version)
                .containsExactly("swap");
          });
    }
  }

  @Test
  void
      explicitMode_100ReloadsThroughTheRepositoryApiUnderLoad_loseNoRequestAndLeaveTheOtherModelsLatency()
          throws Exception {
    writeRepository();
    try (ItServer s =
        ItServer.start(
            repo,
            b ->
                b.modelControlMode(ModelControlMode.EXPLICIT)
                    .loadModels(List.of("swap", "other")))) {
      swapUnderLoad(
          s,
          "explicit",
          (version, succeeds) -> {
            V2Client.Response r = s.client.postJson("/v2/repository/models/swap/load", "");
            assertThat(r.status())
                .as("load of version %d: %s", version, r)
                .isEqualTo(succeeds ? 200 : 400);
          });
    }
  }

  /** One swap step: makes the version just published serve ({@code succeeds}) or try to. */
  @FunctionalInterface
  private interface Swap {
    void apply(long version, boolean succeeds) throws Exception;
  }

  private void swapUnderLoad(ItServer s, String mode, Swap swap) throws Exception {
    assertThat(s.client.get("/v2/health/ready").status()).isEqualTo(200);
    // version -> the value of every output element for the all-ones input
    Map<Long, Float> expected = new ConcurrentHashMap<>(Map.of(1L, 1f, 2L, 2f));
    try (Traffic traffic = new Traffic(s.port(), expected)) {
      assertThat(
              traffic.await(
                  () -> traffic.maxVersion.get() == 2 && traffic.otherCount.get() >= 10,
                  STEP_TIMEOUT))
          .as("traffic starts: %s", traffic.problems)
          .isTrue();

      long baselineStart = System.nanoTime();
      long baseCount = traffic.otherCount.get();
      assertThat(
              traffic.await(
                  () -> traffic.otherCount.get() >= baseCount + BASELINE_SAMPLES, STEP_TIMEOUT))
          .as("baseline traffic: %s", traffic.problems)
          .isTrue();

      long swapsStart = System.nanoTime();
      for (int i = 0; i < SWAPS && traffic.problems.isEmpty(); i++) {
        long version = 3 + i;
        boolean addsOne = i % 2 == 1;
        expected.put(version, addsOne ? 2f : 1f);
        publishVersion(version, addsOne);
        swap.apply(version, true);
        assertThat(s.server.models())
            .filteredOn(m -> m.name().equals("swap") && m.state() == ModelState.READY)
            .extracting(ModelStatus::version)
            .containsExactly(version);
        // The new version serves before the next swap replaces it.
        assertThat(traffic.await(() -> traffic.maxVersion.get() >= version, STEP_TIMEOUT))
            .as("version %d answers: %s", version, traffic.problems)
            .isTrue();
      }
      long swapsEnd = System.nanoTime();
      assertThat(traffic.problems).as("failed or wrong answers during the swaps").isEmpty();

      // A broken new version: the serving one keeps serving (the model stays ready), the index
      // says why, and the server stays ready: a bad publish must not take every replica out of
      // its load balancer.
      long broken = 3 + SWAPS;
      expected.put(broken, Float.NaN);
      Path dir = staging.resolve(Long.toString(broken));
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("model.onnx"), "not a model");
      Files.move(
          dir, repo.resolve("swap").resolve(Long.toString(broken)), StandardCopyOption.ATOMIC_MOVE);
      swap.apply(broken, false);
      assertThat(s.server.models())
          .filteredOn(m -> m.name().equals("swap"))
          .extracting(ModelStatus::version, ModelStatus::state)
          .containsExactly(
              tuple(broken - 1, ModelState.READY), tuple(broken, ModelState.UNAVAILABLE));
      assertThat(s.client.get("/v2/models/swap/ready").status()).isEqualTo(200);
      assertThat(s.client.get("/v2/health/ready").status()).isEqualTo(200);
      long answered = traffic.swapCount.get();
      assertThat(traffic.await(() -> traffic.swapCount.get() >= answered + 20, STEP_TIMEOUT))
          .as("the serving version answers after a failed swap: %s", traffic.problems)
          .isTrue();
      deleteTree(repo.resolve("swap").resolve(Long.toString(broken)));
      swap.apply(broken - 1, true);
      assertThat(s.client.get("/v2/health/ready").status()).isEqualTo(200);

      List<long[]> samples = traffic.stop();

      assertThat(traffic.problems).as("failed or wrong answers").isEmpty();
      assertThat(traffic.maxVersion.get()).isEqualTo(2 + SWAPS);

      Window base = Window.of(samples, baselineStart, swapsStart);
      Window during = Window.of(samples, swapsStart, swapsEnd);
      log.info(
          "{} mode: {} swaps in {} ms; swap model: {} answers in the test, 0 failed; other model latency (ms) baseline {} | during swaps {}",
          mode,
          SWAPS,
          TimeUnit.NANOSECONDS.toMillis(swapsEnd - swapsStart),
          traffic.swapCount.get(),
          base,
          during);
      assertThat(during.count())
          .as("other model answers during the swaps")
          .isGreaterThanOrEqualTo(SWAPS);
      assertThat(during.maxNanos())
          .as("slowest other-model request during the swaps")
          .isLessThan(STALL_BOUND.toNanos());
      assertThat(during.maxGapNanos())
          .as("longest time without an other-model answer")
          .isLessThan(STALL_BOUND.toNanos());
      assertThat(during.p50Nanos())
          .as("other-model median latency during the swaps vs baseline %s", base)
          .isLessThanOrEqualTo(4 * base.p50Nanos() + TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  /**
   * Latency of the other model's requests that started in {@code [from, to)}; the gap includes the
   * time from {@code from} to the first answer and from the last answer to {@code to}.
   */
  private record Window(int count, long p50Nanos, long p99Nanos, long maxNanos, long maxGapNanos) {
    static Window of(List<long[]> samples, long from, long to) {
      List<long[]> in = samples.stream().filter(x -> x[0] >= from && x[0] < to).toList();
      long[] latencies = in.stream().mapToLong(x -> x[1] - x[0]).sorted().toArray();
      long[] ends = in.stream().mapToLong(x -> x[1]).sorted().toArray();
      long gap = 0;
      long previous = from;
      for (long end : ends) {
        gap = Math.max(gap, end - previous);
        previous = Math.max(previous, end);
      }
      gap = Math.max(gap, to - previous);
      if (latencies.length == 0) {
        return new Window(0, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, gap);
      }
      return new Window(
          latencies.length,
          percentile(latencies, 0.50),
          percentile(latencies, 0.99),
          latencies[latencies.length - 1],
          gap);
    }

    private static long percentile(long[] sorted, double q) {
      return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }

    @Override
    public String toString() {
      return String.format(
          "p50 %.2f p99 %.2f max %.2f, longest gap %.2f (n=%d)",
          p50Nanos / 1e6, p99Nanos / 1e6, maxNanos / 1e6, maxGapNanos / 1e6, count);
    }
  }

  /**
   * Closed-loop clients: {@link #SWAP_CLIENTS} on {@code swap}, checking every answer, and {@link
   * #OTHER_CLIENTS} on {@code other}, recording {start, end} nanos of each request. Each client has
   * its own {@link V2Client} (its own connection).
   */
  private static final class Traffic implements AutoCloseable {
    final List<String> problems = new CopyOnWriteArrayList<>();
    final AtomicLong maxVersion = new AtomicLong();
    final AtomicLong swapCount = new AtomicLong();
    final AtomicLong otherCount = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Object signal = new Object();
    private final ExecutorService threads =
        Executors.newFixedThreadPool(SWAP_CLIENTS + OTHER_CLIENTS);
    private final List<Future<List<long[]>>> clients = new ArrayList<>();

    Traffic(int port, Map<Long, Float> expected) {
      for (int c = 0; c < SWAP_CLIENTS; c++) {
        V2Client client = new V2Client(port);
        clients.add(threads.submit(() -> swapClient(client, expected)));
      }
      for (int c = 0; c < OTHER_CLIENTS; c++) {
        V2Client client = new V2Client(port);
        clients.add(threads.submit(() -> otherClient(client)));
      }
    }

    private List<long[]> swapClient(V2Client client, Map<Long, Float> expected) {
      long last = 0;
      while (!stop.get()) {
        try {
          V2Client.Response r = client.postJson("/v2/models/swap/infer", BODY);
          if (r.status() != 200) {
            problem("swap: " + r);
            continue;
          }
          JsonNode j = r.json();
          long version = j.path("model_version").asLong();
          Float want = expected.get(version);
          if (want == null) {
            problem("swap answered from version " + version + ", which was never written");
          } else if (version < last) {
            problem(
                "swap answered from version "
                    + version
                    + " after version "
                    + last
                    + " had answered this client");
          } else {
            for (JsonNode v : j.path("outputs").get(0).path("data")) {
              if (v.floatValue() != want) {
                problem(
                    "swap version "
                        + version
                        + " answered "
                        + j.path("outputs")
                        + ", expected "
                        + want);
                break;
              }
            }
          }
          last = Math.max(last, version);
          maxVersion.accumulateAndGet(version, Math::max);
          swapCount.incrementAndGet();
        } catch (RuntimeException e) {
          problem("swap: " + e);
        }
        signal();
      }
      return List.of();
    }

    private List<long[]> otherClient(V2Client client) {
      List<long[]> samples = new ArrayList<>();
      while (!stop.get()) {
        long start = System.nanoTime();
        try {
          V2Client.Response r = client.postJson("/v2/models/other/infer", BODY);
          long end = System.nanoTime();
          if (r.status() != 200) {
            problem("other: " + r);
          } else if (!"[1.0,1.0,1.0,1.0]"
              .equals(r.json().path("outputs").get(0).path("data").toString())) {
            problem("other answered " + r);
          } else {
            samples.add(new long[] {start, end});
            otherCount.incrementAndGet();
          }
        } catch (RuntimeException e) {
          problem("other: " + e);
        }
        signal();
      }
      return samples;
    }

    private void problem(String p) {
      if (problems.size() < 20) {
        problems.add(p);
      }
    }

    private void signal() {
      synchronized (signal) {
        signal.notifyAll();
      }
    }

    /**
     * Waits until {@code condition} holds or a problem is seen, at most {@code timeout}; returns
     * whether it holds.
     */
    boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
      long end = System.nanoTime() + timeout.toNanos();
      synchronized (signal) {
        while (!condition.getAsBoolean()) {
          long left = end - System.nanoTime();
          if (left <= 0 || !problems.isEmpty()) {
            return false;
          }
          signal.wait(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(left))));
        }
      }
      return true;
    }

    /** Stops the clients and returns the other model's {start, end} samples. */
    List<long[]> stop() throws Exception {
      stop.set(true);
      List<long[]> all = new ArrayList<>();
      for (Future<List<long[]>> f : clients) {
        all.addAll(f.get(60, TimeUnit.SECONDS));
      }
      threads.shutdown();
      return all;
    }

    @Override
    public void close() {
      stop.set(true);
      threads.shutdownNow();
    }
  }
}
