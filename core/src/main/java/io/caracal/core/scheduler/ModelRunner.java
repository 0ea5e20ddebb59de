package io.caracal.core.scheduler;

import io.caracal.api.NamedTensor;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one model version's backend calls off the caller's thread. Implementations are thread-safe
 * and {@link #run} never blocks: when no capacity is left it returns a future failed with an
 * {@code InferenceException} carrying {@code QueueFull}.
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

  /** Stops taking work, lets admitted work finish, then closes the model instances. */
  @Override
  void close();
}
