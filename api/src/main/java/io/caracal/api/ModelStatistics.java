package io.caracal.api;

import java.util.List;
import java.util.Objects;

/**
 * Cumulative statistics of one model version, in the shape of Triton's statistics extension.
 * Durations are nanoseconds.
 *
 * @param name the model name
 * @param version the version
 * @param lastInferenceMillis wall-clock time of the last completed request (ms since the epoch), 0
 *     = never
 * @param inferenceCount requests completed successfully, counted by batch elements
 * @param executionCount backend executions (one per formed batch)
 * @param inference per-phase totals over requests
 * @param batches per-batch-size totals over executions, ordered by batch size
 * @param tail Caracal's additions beyond Triton's totals: the queue-wait distribution and the
 *     slowest batch
 */
public record ModelStatistics(
    String name,
    long version,
    long lastInferenceMillis,
    long inferenceCount,
    long executionCount,
    InferStats inference,
    List<BatchStats> batches,
    TailStats tail) {

  public ModelStatistics {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(inference, "inference");
    batches = List.copyOf(batches);
    Objects.requireNonNull(tail, "tail");
  }

  /** A count and the total time it took. */
  public record Duration(long count, long nanos) {
    /** No events. */
    public static final Duration ZERO = new Duration(0, 0);

    /** Returns the sum of this and {@code other}. */
    public Duration plus(Duration other) {
      return new Duration(count + other.count, nanos + other.nanos);
    }
  }

  /**
   * Per-request totals: successful and failed requests (end to end), time queued, and time spent
   * preparing inputs, running the model and preparing outputs; cache hits and misses.
   */
  public record InferStats(
      Duration success,
      Duration fail,
      Duration queue,
      Duration computeInput,
      Duration computeInfer,
      Duration computeOutput,
      Duration cacheHit,
      Duration cacheMiss) {
    /** No requests yet. */
    public static final InferStats EMPTY =
        new InferStats(
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO,
            Duration.ZERO);
  }

  /** Totals over the executions of one batch size. */
  public record BatchStats(
      long batchSize, Duration computeInput, Duration computeInfer, Duration computeOutput) {}

  /**
   * What Triton's totals cannot show: the longest and the typical queue wait of a request (from
   * admission to the formation of its batch), and the longest backend call of one batch. Together
   * they check the scheduler's bound: no request waits longer than its maximum queue delay plus one
   * batch's compute time. Since the version was loaded; 0 before the first batch.
   *
   * @param queueMaxNanos the longest queue wait, exact
   * @param queueP50Nanos the median queue wait, from a log-scale histogram: at least the true value
   *     and less than 1/16 above it
   * @param queueP99Nanos the 99th percentile of the queue wait, with the same precision
   * @param computeInferMaxNanos the longest backend call ({@code compute_infer}) of one batch,
   *     exact
   */
  public record TailStats(
      long queueMaxNanos, long queueP50Nanos, long queueP99Nanos, long computeInferMaxNanos) {
    /** Nothing measured yet. */
    public static final TailStats EMPTY = new TailStats(0, 0, 0, 0);

    public TailStats {
      if (queueP50Nanos < 0 || queueP50Nanos > queueP99Nanos || queueP99Nanos > queueMaxNanos) {
        throw new IllegalArgumentException(
            "queue waits not ordered 0 <= p50 <= p99 <= max: "
                + queueP50Nanos
                + ", "
                + queueP99Nanos
                + ", "
                + queueMaxNanos);
      }
      if (computeInferMaxNanos < 0) {
        throw new IllegalArgumentException("computeInferMaxNanos < 0: " + computeInferMaxNanos);
      }
    }
  }
}
