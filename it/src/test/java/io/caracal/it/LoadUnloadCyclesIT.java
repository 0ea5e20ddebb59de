package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.testing.models.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 100 load / infer / unload cycles through the repository API (explicit mode) of a model with 4 MiB
 * of weights and two instances, then the process's resources are back at their baseline (issue 5).
 * The baseline is taken after {@link #WARM_UP_CYCLES} cycles (JIT, class loading, ONNX Runtime's
 * and Netty's pools reach their steady size). Tolerances, after minus baseline:
 *
 * <ul>
 *   <li>heap used after a full GC: at most {@link #HEAP_TOLERANCE}, for bulk growth (requests,
 *       responses or buffers kept);
 *   <li>RSS ({@code VmRSS}): at most {@link #RSS_TOLERANCE}, a small fraction of what 100 leaked
 *       versions (two ONNX Runtime sessions each) would hold, and above the movement native memory
 *       shows without leaking (malloc arenas, sessions closing in the background);
 *   <li>threads, JVM ({@code ThreadMXBean}) and OS ({@code /proc/self/status} {@code Threads},
 *       which counts ONNX Runtime's native pools): at most {@link #THREAD_TOLERANCE} more, and no
 *       {@code batcher-dense} or {@code exec-dense-*} thread left (each cycle starts some);
 *   <li>open file descriptors ({@code /proc/self/fd}): at most {@link #FD_TOLERANCE} more.
 * </ul>
 *
 * <p>The measured figures and why the bounds are where they are: docs/operations.md, "What the
 * lifecycle tests show". The {@code /proc} figures are Linux only and are skipped (logged as n/a)
 * without {@code /proc}. Instances close in the background after an unload, so the final measure is
 * repeated until it is within tolerance, for at most {@link #SETTLE}.
 */
class LoadUnloadCyclesIT {
  private static final Logger log = LoggerFactory.getLogger(LoadUnloadCyclesIT.class);

  private static final int SIZE = 1024; // 1024 x 1024 FP32 weights: 4 MiB
  private static final float SCALE = 2f;
  private static final int WARM_UP_CYCLES = 10;
  private static final int CYCLES = 100;
  private static final long MIB = 1L << 20;
  static final long HEAP_TOLERANCE = 4 * MIB;
  static final long RSS_TOLERANCE = 64 * MIB;
  static final int THREAD_TOLERANCE = 4;
  static final int FD_TOLERANCE = 8;
  private static final Duration SETTLE = Duration.ofSeconds(15);
  private static final Path PROC_STATUS = Path.of("/proc/self/status");
  private static final Path PROC_FD = Path.of("/proc/self/fd");

  @TempDir Path repo;

  @Test
  void hundredLoadInferUnloadCycles_returnHeapRssThreadsAndFilesToBaseline() throws Exception {
    Path dir = TestModels.dense(repo, "dense", SIZE, SCALE, 4);
    Path config = dir.resolve("config.pbtxt");
    Files.writeString(
        config, Files.readString(config) + "instance_group [ { count: 2, kind: KIND_CPU } ]\n");
    assertThat(Files.size(dir.resolve("1/model.onnx"))).isGreaterThan(4 * MIB);

    try (ItServer s =
        ItServer.start(
            repo, b -> b.modelControlMode(ModelControlMode.EXPLICIT).loadModels(List.of()))) {
      for (int i = 0; i < WARM_UP_CYCLES; i++) {
        cycle(s.client, i);
      }
      Resources base = Resources.measure();

      long start = System.nanoTime();
      for (int i = 0; i < CYCLES; i++) {
        cycle(s.client, i);
      }
      long cyclesMs = Duration.ofNanos(System.nanoTime() - start).toMillis();

      long deadline = System.nanoTime() + SETTLE.toNanos();
      Resources after = Resources.measure();
      while (!after.withinToleranceOf(base) && System.nanoTime() < deadline) {
        after = Resources.measure();
      }
      log.info(
          "{} load/infer/unload cycles in {} ms; baseline {}; after {}",
          CYCLES,
          cyclesMs,
          base,
          after);

      assertThat(after.modelThreads()).as("batcher-dense / exec-dense threads left").isEmpty();
      after.assertWithinToleranceOf(base);
    }
  }

  /**
   * Loads the model, checks one inference (output = SCALE x input), unloads it and checks it is
   * gone.
   */
  private static void cycle(V2Client c, int i) {
    V2Client.Response load = c.postJson("/v2/repository/models/dense/load", "");
    assertThat(load.status()).as("load %d: %s", i, load).isEqualTo(200);

    float[] input = new float[SIZE];
    for (int k = 0; k < SIZE; k++) {
      input[k] = (k + i) % 7;
    }
    ArrayNode data = V2Client.floats(input);
    V2Client.Response r =
        c.infer(
            "dense",
            V2Client.withInputs(
                V2Client.request(),
                V2Client.jsonInput("INPUT0", "FP32", V2Client.shape(1, SIZE), data)));
    assertThat(r.status()).as("infer %d: %s", i, r).isEqualTo(200);
    JsonNode out = r.output("OUTPUT0").path("data");
    assertThat(out.size()).isEqualTo(SIZE);
    for (int k = 0; k < SIZE; k += 97) {
      assertThat(out.get(k).floatValue())
          .as("OUTPUT0[%d] of cycle %d", k, i)
          .isEqualTo(SCALE * input[k]);
    }

    V2Client.Response unload = c.postJson("/v2/repository/models/dense/unload", "");
    assertThat(unload.status()).as("unload %d: %s", i, unload).isEqualTo(200);
    assertThat(c.ready("dense")).isFalse();
  }

  /**
   * One measure of the process's resources; the /proc figures are empty where there is no /proc.
   */
  record Resources(
      long heapUsed,
      long heapCommitted,
      int jvmThreads,
      OptionalLong rss,
      OptionalLong osThreads,
      OptionalLong fds,
      List<String> modelThreads) {

    static Resources measure() {
      System.gc();
      System.gc();
      var usage = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      long heap = usage.getUsed();
      int threads = ManagementFactory.getThreadMXBean().getThreadCount();
      List<String> model =
          Thread.getAllStackTraces().keySet().stream()
              .map(Thread::getName)
              .filter(n -> n.startsWith("batcher-dense") || n.startsWith("exec-dense"))
              .sorted()
              .toList();
      return new Resources(
          heap,
          usage.getCommitted(),
          threads,
          status("VmRSS:").stream().map(kb -> kb * 1024).findFirst(),
          status("Threads:"),
          openFiles(),
          model);
    }

    /** Asserts each figure is within its tolerance of {@code base}'s. */
    void assertWithinToleranceOf(Resources base) {
      assertWithinToleranceOf(base, RSS_TOLERANCE, THREAD_TOLERANCE);
    }

    /** As {@link #assertWithinToleranceOf(Resources)} with other RSS and thread tolerances. */
    void assertWithinToleranceOf(Resources base, long rssTolerance, int threadTolerance) {
      assertThat(heapUsed - base.heapUsed)
          .as("heap growth, bytes")
          .isLessThanOrEqualTo(HEAP_TOLERANCE);
      assertThat(jvmThreads - base.jvmThreads)
          .as("JVM thread growth")
          .isLessThanOrEqualTo(threadTolerance);
      if (base.rss.isPresent() && rss.isPresent()) {
        assertThat(rss.getAsLong() - base.rss.getAsLong())
            .as("RSS growth, bytes")
            .isLessThanOrEqualTo(rssTolerance);
        assertThat(osThreads.getAsLong() - base.osThreads.getAsLong())
            .as("OS thread growth")
            .isLessThanOrEqualTo(threadTolerance);
      }
      if (base.fds.isPresent() && fds.isPresent()) {
        assertThat(fds.getAsLong() - base.fds.getAsLong())
            .as("open file growth")
            .isLessThanOrEqualTo(FD_TOLERANCE);
      }
    }

    boolean withinToleranceOf(Resources base) {
      return withinToleranceOf(base, RSS_TOLERANCE, THREAD_TOLERANCE);
    }

    /** As {@link #withinToleranceOf(Resources)} with other RSS and thread tolerances. */
    boolean withinToleranceOf(Resources base, long rssTolerance, int threadTolerance) {
      return modelThreads.isEmpty()
          && heapUsed - base.heapUsed <= HEAP_TOLERANCE
          && jvmThreads - base.jvmThreads <= threadTolerance
          && within(rss, base.rss, rssTolerance)
          && within(osThreads, base.osThreads, threadTolerance)
          && within(fds, base.fds, FD_TOLERANCE);
    }

    private static boolean within(OptionalLong now, OptionalLong base, long tolerance) {
      return now.isEmpty() || base.isEmpty() || now.getAsLong() - base.getAsLong() <= tolerance;
    }

    /** The number after {@code key} in /proc/self/status (VmRSS is in kB). */
    private static OptionalLong status(String key) {
      if (!Files.isReadable(PROC_STATUS)) {
        return OptionalLong.empty();
      }
      try (Stream<String> lines = Files.lines(PROC_STATUS)) {
        return lines
            .filter(l -> l.startsWith(key))
            .mapToLong(l -> Long.parseLong(l.substring(key.length()).trim().split("\\s+")[0]))
            .findFirst();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static OptionalLong openFiles() {
      if (!Files.isDirectory(PROC_FD)) {
        return OptionalLong.empty();
      }
      try (Stream<Path> fds = Files.list(PROC_FD)) {
        return OptionalLong.of(fds.count());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return String.format(
          "heap used %.1f MiB (committed %.1f), JVM threads %d, RSS %s MiB, OS threads %s, open files %s%s",
          heapUsed / (double) MIB,
          heapCommitted / (double) MIB,
          jvmThreads,
          rss.isPresent() ? String.format("%.1f", rss.getAsLong() / (double) MIB) : "n/a",
          osThreads.isPresent() ? Long.toString(osThreads.getAsLong()) : "n/a",
          fds.isPresent() ? Long.toString(fds.getAsLong()) : "n/a",
          modelThreads.isEmpty()
              ? ""
              : ", " + modelThreads.size() + " batcher-dense/exec-dense threads");
    }
  }
}
