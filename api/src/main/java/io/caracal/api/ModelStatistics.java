package io.caracal.api;

import java.util.List;
import java.util.Objects;

/**
 * Cumulative statistics of one model version, in the shape of Triton's statistics extension.
 * Durations are nanoseconds.
 *
 * @param name the model name
 * @param version the version
 * @param lastInferenceMillis wall-clock time of the last completed request (ms since the epoch), 0 = never
 * @param inferenceCount requests completed successfully, counted by batch elements
 * @param executionCount backend executions (one per formed batch)
 * @param inference per-phase totals over requests
 * @param batches per-batch-size totals over executions, ordered by batch size
 */
public record ModelStatistics(
    String name,
    long version,
    long lastInferenceMillis,
    long inferenceCount,
    long executionCount,
    InferStats inference,
    List<BatchStats> batches) {

  public ModelStatistics {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(inference, "inference");
    batches = List.copyOf(batches);
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
        new InferStats(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
  }

  /** Totals over the executions of one batch size. */
  public record BatchStats(long batchSize, Duration computeInput, Duration computeInfer, Duration computeOutput) {}
}
