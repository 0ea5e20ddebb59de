package io.caracal.core.scheduler;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.caracal.api.ModelId;
import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatistics.BatchStats;
import io.caracal.api.ModelStatistics.Duration;
import io.caracal.api.ModelStatistics.InferStats;
import io.caracal.api.ModelStatistics.TailStats;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Cumulative scheduler statistics of one model version, kept in core: what {@link
 * io.caracal.api.ModelStatistics} reports (Triton's totals, and the queue-wait distribution and
 * longest batch call that check the wait bound), plus why each batch closed and how often instances
 * failed, were replaced or scaled. Thread-safe (one lock; updates are a few additions; queue waits
 * go to a lock-free {@link LogHistogram}).
 */
public final class SchedulerStats {
  /** Statistics that never change, for runners that keep none. */
  public static final SchedulerStats EMPTY = new SchedulerStats(() -> java.time.Instant.EPOCH);

  /** Why the batcher closed a batch. */
  public enum CloseReason {
    /**
     * The batch reached max_batch_size, or, before its max delay expired, the next request did not
     * fit or could not be mixed.
     */
    FULL,
    /** The batch reached a preferred_batch_size before its oldest request waited the max delay. */
    PREFERRED,
    /**
     * The oldest request waited max_queue_delay_microseconds: everything pending that fits and
     * mixes left, below max_batch_size (preferred sizes no longer count).
     */
    DELAY_EXPIRED,
    /** max_queue_delay_microseconds is 0: whatever was queued went to the free instance. */
    INSTANCE_FREE,
    /** No dynamic batching (or no batch dimension): one request per call. */
    UNBATCHED
  }

  private final InstantSource wallClock;
  private final LogHistogram queueWaits = new LogHistogram(); // thread-safe on its own
  private final ReentrantLock lock = new ReentrantLock();

  @GuardedBy("lock")
  private long lastInferenceMillis;

  @GuardedBy("lock")
  private long inferenceCount;

  @GuardedBy("lock")
  private long executionCount;

  @GuardedBy("lock")
  private Duration success = Duration.ZERO;

  @GuardedBy("lock")
  private Duration fail = Duration.ZERO;

  @GuardedBy("lock")
  private Duration queue = Duration.ZERO;

  @GuardedBy("lock")
  private Duration computeInput = Duration.ZERO;

  @GuardedBy("lock")
  private Duration computeInfer = Duration.ZERO;

  @GuardedBy("lock")
  private Duration computeOutput = Duration.ZERO;

  @GuardedBy("lock")
  private long computeInferMax;

  @GuardedBy("lock")
  private final TreeMap<Long, BatchStats> batches = new TreeMap<>();

  @GuardedBy("lock")
  private final EnumMap<CloseReason, Long> reasons = new EnumMap<>(CloseReason.class);

  @GuardedBy("lock")
  private long instanceFailures;

  @GuardedBy("lock")
  private long instanceReplacements;

  @GuardedBy("lock")
  private long instanceReplacementFailures;

  @GuardedBy("lock")
  private long scaleUps;

  @GuardedBy("lock")
  private long scaleDowns;

  @GuardedBy("lock")
  private long rejected;

  @GuardedBy("lock")
  private long timedOut;

  @GuardedBy("lock")
  private long cancelled;

  /** Creates empty statistics; {@code wallClock} stamps the last inference. */
  public SchedulerStats(InstantSource wallClock) {
    this.wallClock = wallClock;
  }

  void batchClosed(CloseReason reason) {
    lock.lock();
    try {
      reasons.merge(reason, 1L, Long::sum);
    } finally {
      lock.unlock();
    }
  }

  /** One request left the queue in a batch after waiting {@code nanos}. */
  void queued(long nanos) {
    queueWaits.record(nanos);
    lock.lock();
    try {
      queue = queue.plus(new Duration(1, nanos));
    } finally {
      lock.unlock();
    }
  }

  /**
   * One successful backend execution of {@code batchSize} elements made of {@code requests}
   * requests.
   */
  void executed(long batchSize, int requests, long inputNanos, long inferNanos, long outputNanos) {
    lock.lock();
    try {
      executionCount++;
      inferenceCount += batchSize;
      computeInput = computeInput.plus(new Duration(requests, inputNanos * requests));
      computeInfer = computeInfer.plus(new Duration(requests, inferNanos * requests));
      computeOutput = computeOutput.plus(new Duration(requests, outputNanos * requests));
      computeInferMax = Math.max(computeInferMax, inferNanos);
      batches.merge(
          batchSize,
          new BatchStats(
              batchSize,
              new Duration(1, inputNanos),
              new Duration(1, inferNanos),
              new Duration(1, outputNanos)),
          (a, b) ->
              new BatchStats(
                  batchSize,
                  a.computeInput().plus(b.computeInput()),
                  a.computeInfer().plus(b.computeInfer()),
                  a.computeOutput().plus(b.computeOutput())));
    } finally {
      lock.unlock();
    }
  }

  void succeeded(long nanos) {
    lock.lock();
    try {
      success = success.plus(new Duration(1, nanos));
      lastInferenceMillis = wallClock.millis();
    } finally {
      lock.unlock();
    }
  }

  void failed(long nanos) {
    lock.lock();
    try {
      fail = fail.plus(new Duration(1, nanos));
    } finally {
      lock.unlock();
    }
  }

  void rejected() {
    lock.lock();
    try {
      rejected++;
      fail = fail.plus(new Duration(1, 0));
    } finally {
      lock.unlock();
    }
  }

  void timedOut() {
    lock.lock();
    try {
      timedOut++;
    } finally {
      lock.unlock();
    }
  }

  void cancelled() {
    lock.lock();
    try {
      cancelled++;
    } finally {
      lock.unlock();
    }
  }

  void instanceFailed() {
    lock.lock();
    try {
      instanceFailures++;
    } finally {
      lock.unlock();
    }
  }

  void instanceReplaced(boolean ok) {
    lock.lock();
    try {
      if (ok) {
        instanceReplacements++;
      } else {
        instanceReplacementFailures++;
      }
    } finally {
      lock.unlock();
    }
  }

  void scaled(boolean up) {
    lock.lock();
    try {
      if (up) {
        scaleUps++;
      } else {
        scaleDowns++;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Returns how many batches closed for each reason. */
  public Map<CloseReason, Long> closeReasons() {
    lock.lock();
    try {
      return Map.copyOf(reasons);
    } finally {
      lock.unlock();
    }
  }

  /** Returns counters beyond {@link ModelStatistics}, by name (for tests and metrics). */
  public Map<String, Long> counters() {
    lock.lock();
    try {
      return Map.of(
          "instance_failures", instanceFailures,
          "instance_replacements", instanceReplacements,
          "instance_replacement_failures", instanceReplacementFailures,
          "scale_ups", scaleUps,
          "scale_downs", scaleDowns,
          "rejected", rejected,
          "timed_out", timedOut,
          "cancelled", cancelled);
    } finally {
      lock.unlock();
    }
  }

  /** Returns a snapshot in the statistics API's shape. */
  public ModelStatistics snapshot(ModelId id) {
    LogHistogram.Summary waits = queueWaits.summary();
    lock.lock();
    try {
      List<BatchStats> b = new ArrayList<>(batches.values());
      return new ModelStatistics(
          id.name(),
          id.version(),
          lastInferenceMillis,
          inferenceCount,
          executionCount,
          new InferStats(
              success,
              fail,
              queue,
              computeInput,
              computeInfer,
              computeOutput,
              Duration.ZERO,
              Duration.ZERO),
          b,
          new TailStats(waits.max(), waits.p50(), waits.p99(), computeInferMax));
    } finally {
      lock.unlock();
    }
  }
}
