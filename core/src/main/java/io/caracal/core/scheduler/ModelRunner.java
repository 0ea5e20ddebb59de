package io.caracal.core.scheduler;

import io.caracal.api.NamedTensor;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one model version's backend calls off the caller's thread. Implementations are thread-safe
 * and {@link #run} never blocks: when no capacity is left it returns a future failed with an {@code
 * InferenceException} carrying {@code QueueFull}. Cancelling the returned future withdraws the
 * request if it has not reached the backend yet.
 */
public interface ModelRunner extends AutoCloseable {

  /**
   * Queues one backend call.
   *
   * @param inputs the inputs, ready for the backend (reshaped, controls filled)
   * @param outputs the outputs to compute, in order
   * @return the outputs in that order; fails with {@code InferenceException} (queue full, shutting
   *     down), or with the backend's {@code BackendException} or any other throwable as is
   */
  CompletableFuture<List<NamedTensor>> run(List<NamedTensor> inputs, List<String> outputs);

  /**
   * Queues one backend call with scheduling options (priority, timeout). Runners without priorities
   * or timeouts ignore them. Also fails with {@code DeadlineExceeded} when the timeout passes while
   * the request waits (or, with the {@code REJECT} action, while its batch runs).
   */
  default CompletableFuture<List<NamedTensor>> run(
      List<NamedTensor> inputs, List<String> outputs, RunOptions options) {
    return run(inputs, outputs);
  }

  /**
   * Returns the runner's statistics (live; thread-safe). Runners that keep none return empty ones.
   */
  default SchedulerStats stats() {
    return SchedulerStats.EMPTY;
  }

  /**
   * Returns what the runner holds now: queued requests per priority level, requests admitted and
   * not yet answered, instances in service. Cheap and thread-safe (for metrics at scrape time).
   */
  default RunnerGauges gauges() {
    return RunnerGauges.NONE;
  }

  /** Stops taking work, lets admitted work finish, then closes the model instances. */
  @Override
  void close();
}
