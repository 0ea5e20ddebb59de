package io.caracal.core.scheduler;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.backend.ModelInstance;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ModelRunner} on a fixed pool of named platform threads ({@code exec-<model>-<n>}, as
 * many as instances × threads per instance) fed by a bounded queue. Backend calls are long native
 * calls, so they stay off virtual threads. When the queue is full, {@link #run} fails at once with
 * {@code QueueFull}; it never blocks the caller. Thread {@code n} always uses instance {@code n mod
 * instances}. Thread-safe.
 *
 * <p>Not part of the server: core's tests use it where batching does not matter, and bench's {@code
 * SchedulerBenchmark} measures it, through core's test jar, as the unbatched baseline.
 */
public final class PooledModelRunner implements ModelRunner {
  private static final Logger log = LoggerFactory.getLogger(PooledModelRunner.class);
  private static final long CLOSE_WAIT_SECONDS = 30;

  private final ModelId id;
  private final List<ModelInstance> instances;
  private final int queueCapacity;
  private final ThreadPoolExecutor executor;
  private final ThreadLocal<ModelInstance> instance = new ThreadLocal<>();

  /**
   * Creates a runner.
   *
   * @param id the model version
   * @param instances the loaded instances; the runner closes them
   * @param threadsPerInstance threads per instance, at least 1
   * @param queueCapacity how many calls may wait (beyond those running), at least 1
   */
  public PooledModelRunner(
      ModelId id, List<ModelInstance> instances, int threadsPerInstance, int queueCapacity) {
    if (instances.isEmpty()) {
      throw new IllegalArgumentException("no instances for " + id);
    }
    if (threadsPerInstance < 1) {
      throw new IllegalArgumentException("threadsPerInstance < 1: " + threadsPerInstance);
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity < 1: " + queueCapacity);
    }
    this.id = id;
    this.instances = List.copyOf(instances);
    this.queueCapacity = queueCapacity;
    int threads = Math.multiplyExact(instances.size(), threadsPerInstance);
    AtomicInteger counter = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(queueCapacity),
            r -> {
              int n = counter.getAndIncrement();
              ModelInstance mine = this.instances.get(n % this.instances.size());
              Thread t =
                  Thread.ofPlatform()
                      .name("exec-" + id.name() + "-" + n)
                      .daemon(true)
                      .unstarted(() -> {
                        instance.set(mine);
                        r.run();
                      });
              t.setUncaughtExceptionHandler(
                  (th, e) -> log.error("uncaught exception on {}", th.getName(), e));
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    executor.prestartAllCoreThreads();
  }

  /** Returns a factory of runners with these settings. */
  public static RunnerFactory factory(int threadsPerInstance, int queueCapacity) {
    return (id, config, instances) ->
        new PooledModelRunner(id, instances, threadsPerInstance, queueCapacity);
  }

  @Override
  public CompletableFuture<List<NamedTensor>> run(List<NamedTensor> inputs, List<String> outputs) {
    CompletableFuture<List<NamedTensor>> result = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          result.complete(instance.get().infer(inputs, outputs));
        } catch (Throwable t) {
          result.completeExceptionally(t);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          InferenceException.of(
              executor.isShutdown()
                  ? new InferenceError.ShuttingDown()
                  : new InferenceError.QueueFull(id.name(), queueCapacity)));
    }
    return result;
  }

  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
        log.warn(
            "model {}: calls still running after {} s; closing instances anyway",
            id,
            CLOSE_WAIT_SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ModelInstance i : instances) {
      try {
        i.close();
      } catch (RuntimeException e) {
        log.warn("model {}: closing an instance failed", id, e);
      }
    }
  }
}
