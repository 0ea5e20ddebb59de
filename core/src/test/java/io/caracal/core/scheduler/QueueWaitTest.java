package io.caracal.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.ModelId;
import io.caracal.api.ModelStatistics.TailStats;
import io.caracal.api.NamedTensor;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelSignature;
import io.caracal.core.repository.ModelSpec.QueuePolicy;
import io.caracal.core.repository.ModelSpec.TimeoutAction;
import io.caracal.core.scheduler.DynamicBatcherTest.Manual;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The queue-wait statistics ({@link TailStats}) on the fake clock, and the bound they exist to
 * check: with a queue no deeper than one batch, no request waits longer than the maximum queue
 * delay plus one batch's compute time.
 */
class QueueWaitTest {
  private static final ModelId ID = new ModelId("m", 1);

  final FakeTicker ticker = new FakeTicker();
  final Manual exec = new Manual();
  DynamicBatcher batcher;

  /**
   * An echo instance whose calls take the given fake times in turn, during which the requests due
   * to arrive meanwhile are submitted; it records when each request reached it.
   */
  final class Clocked implements ModelInstance {
    final long[] computeNanos;
    final Map<Integer, Long> startedAt = new HashMap<>();
    Arrivals arrivals = new Arrivals(new long[0]);
    int calls;

    Clocked(long... computeNanos) {
      this.computeNanos = computeNanos;
    }

    @Override
    public List<NamedTensor> infer(List<NamedTensor> inputs, List<String> outputs) {
      var t = inputs.get(0).tensor();
      for (long r = 0; r < t.shape().dim(0); r++) {
        startedAt.putIfAbsent(t.data().getInt((int) (r * 8)) / 1000, ticker.read());
      }
      arrivals.deliverUntil(ticker.read() + computeNanos[calls++ % computeNanos.length]);
      return List.of(new NamedTensor("OUT", t), new NamedTensor("OUT2", t));
    }

    @Override
    public ModelSignature signature() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }

  /**
   * Requests due at given ticker times; each is submitted (and the batcher stepped) at its time.
   */
  final class Arrivals {
    final long[] times;
    final Map<Integer, Long> arrivedAt = new HashMap<>();
    final List<CompletableFuture<List<NamedTensor>>> futures = new ArrayList<>();
    int next;

    Arrivals(long[] times) {
      this.times = times;
    }

    long nextTime() {
      return next < times.length ? times[next] : Long.MAX_VALUE;
    }

    void submitNext() {
      advanceTo(times[next++]);
      List<NamedTensor> in = DynamicBatcherTest.request(1);
      arrivedAt.put(in.get(0).tensor().data().getInt(0) / 1000, ticker.read());
      futures.add(batcher.run(in, List.of("OUT", "OUT2")));
    }

    /**
     * Moves the clock to {@code end}, submitting what arrives on the way (the instance is busy).
     */
    void deliverUntil(long end) {
      while (nextTime() <= end) {
        submitNext();
        batcher.step();
      }
      advanceTo(end);
    }
  }

  void advanceTo(long t) {
    assertThat(t).isGreaterThanOrEqualTo(ticker.read());
    ticker.advance(t - ticker.read(), TimeUnit.NANOSECONDS);
  }

  void start(BatchPolicy policy, ModelInstance instance) {
    batcher =
        DynamicBatcher.manual(
            ID, policy, List.of(instance), InstanceSupplier.NONE, ticker, k -> exec, Runnable::run);
  }

  @Test
  void requestsThatWaitKnownTimes_giveTheExactMaxAndBucketedPercentiles() {
    Clocked instance = new Clocked(0);
    start(DynamicBatcherTest.simple(1, 0, 0), instance);
    List<CompletableFuture<?>> fs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      fs.add(batcher.run(DynamicBatcherTest.request(1), List.of("OUT", "OUT2")));
    }
    // one instance, one request per batch: the k-th request leaves the queue after k ms
    for (int k = 0; k < 100; k++) {
      batcher.step();
      assertThat(exec.runOne()).isTrue();
      ticker.advance(1, TimeUnit.MILLISECONDS);
    }
    batcher.step();
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    TailStats t = batcher.stats().snapshot(ID).tail();
    long ms = 1_000_000;
    assertThat(t.queueMaxNanos()).isEqualTo(99 * ms);
    assertThat(t.queueP50Nanos())
        .isBetween(49 * ms, 49 * ms + 49 * ms / 16); // the 50th smallest wait
    assertThat(t.queueP99Nanos()).isBetween(98 * ms, 98 * ms + 98 * ms / 16); // the 99th
    assertThat(t.computeInferMaxNanos()).isZero();
    assertThat(batcher.stats().snapshot(ID).inference().queue().nanos()).isEqualTo(4950 * ms);
  }

  @Test
  void computeInferMaxIsTheLongestBatchCall() {
    Clocked varying = new Clocked(300_000, 2_500_000, 700_000);
    start(DynamicBatcherTest.simple(4, 0, 0), varying);
    for (int i = 0; i < 3; i++) {
      batcher.run(DynamicBatcherTest.request(2), List.of("OUT", "OUT2"));
      batcher.step();
      assertThat(exec.runOne()).isTrue();
    }
    batcher.step();
    TailStats t = batcher.stats().snapshot(ID).tail();
    assertThat(t.computeInferMaxNanos()).isEqualTo(2_500_000);
    assertThat(t.queueMaxNanos()).isZero();
  }

  /**
   * Random arrivals, some faster than the instance serves them, on one instance whose calls take a
   * fixed time C; the queue holds at most one batch (max_queue_size = max_batch_size, requests of
   * one element). Every request's queue wait, measured by the instance and reported by the
   * statistics, stays within max_queue_delay D + C.
   */
  @ParameterizedTest(name = "max batch {0}, D {1} us, C {2} us, mean gap {3} us")
  @CsvSource({
    "8, 500, 2000, 100", // compute longer than the delay; arrivals outrun the instance
    "8, 500, 2000, 400",
    "4, 1000, 200, 50", // delay longer than the compute
    "4, 1000, 200, 300",
    "16, 0, 1000, 30", // no delay: whatever is queued goes when the instance frees
    "1, 300, 300, 200"
  })
  void noRequestWaitsLongerThanTheMaxDelayPlusOneBatchsCompute(
      int maxBatch, long delayMicros, long computeMicros, long gapMicros) {
    long d = delayMicros * 1000;
    long c = computeMicros * 1000;
    Random rnd = new Random(maxBatch * 31L + delayMicros + computeMicros * 7 + gapMicros);
    long[] times = new long[3000];
    long t = ticker.read();
    for (int i = 0; i < times.length; i++) {
      t += (long) (-Math.log(1 - rnd.nextDouble()) * gapMicros * 1000); // Poisson arrivals
      times[i] = t;
    }
    Clocked instance = new Clocked(c);
    Arrivals arrivals = new Arrivals(times);
    instance.arrivals = arrivals;
    start(
        DynamicBatcherTest.policy(
            maxBatch,
            List.of(),
            delayMicros,
            false,
            1,
            List.of(new QueuePolicy(TimeoutAction.REJECT, 0, false, maxBatch)),
            1,
            1),
        instance);
    while (true) {
      long wake = batcher.step();
      if (exec.runOne()) {
        continue; // a batch left at this instant: it computes for C while arrivals go on
      }
      assertThat(wake).as("the batcher's next wake-up").isGreaterThan(ticker.read());
      long next = Math.min(wake, arrivals.nextTime());
      if (next == Long.MAX_VALUE) {
        break;
      }
      advanceTo(next);
      if (next == arrivals.nextTime()) {
        arrivals.submitNext();
      }
    }

    long served =
        arrivals.futures.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
    long full =
        arrivals.futures.stream().filter(f -> error(f) instanceof InferenceError.QueueFull).count();
    assertThat(served + full)
        .as("every request answered, served or refused")
        .isEqualTo(times.length);
    assertThat(served).isGreaterThan(times.length / 10);
    long maxWait = 0;
    for (var e : instance.startedAt.entrySet()) {
      long wait = e.getValue() - arrivals.arrivedAt.get(e.getKey());
      assertThat(wait).as("queue wait of request %d", e.getKey()).isLessThanOrEqualTo(d + c);
      maxWait = Math.max(maxWait, wait);
    }
    TailStats tail = batcher.stats().snapshot(ID).tail();
    assertThat(tail.computeInferMaxNanos()).isEqualTo(c);
    assertThat(tail.queueMaxNanos())
        .as("the statistics' maximum is the measured one")
        .isEqualTo(maxWait);
    assertThat(tail.queueMaxNanos()).isLessThanOrEqualTo(d + tail.computeInferMaxNanos());
    assertThat(tail.queueP99Nanos()).isLessThanOrEqualTo(tail.queueMaxNanos());
    if (full > 0) {
      // the queue filled up, so requests did wait behind a busy instance: the bound was exercised
      assertThat(maxWait).isGreaterThan(Math.min(c, d) / 2);
    }
  }

  private static InferenceError error(CompletableFuture<?> f) {
    if (!f.isCompletedExceptionally()) {
      return null;
    }
    Throwable e = f.handle((r, x) -> x).join();
    return e instanceof InferenceException ie ? ie.error() : null;
  }
}
