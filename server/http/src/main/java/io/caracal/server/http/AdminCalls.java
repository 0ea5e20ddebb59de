package io.caracal.server.http;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Runs the blocking repository calls (load, unload) of one HTTP server off its event loops, on
 * virtual threads, at most {@code limit} at once: one instance per server, shared by its
 * connections, so that servers in the same JVM do not share the limit.
 */
final class AdminCalls {
  /** Calls one server runs at once; more get 503 until one finishes. */
  static final int DEFAULT_LIMIT = 16;

  private final Semaphore slots;
  private final Executor executor =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("http-admin-", 0).factory());

  AdminCalls(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit < 1: " + limit);
    }
    this.slots = new Semaphore(limit);
  }

  /**
   * Starts {@code task} on a virtual thread, or returns empty at once when {@code limit} calls are
   * already running. The slot is given back when the task ends, before its future completes.
   */
  <T> Optional<CompletableFuture<T>> start(Supplier<T> task) {
    if (!slots.tryAcquire()) {
      return Optional.empty();
    }
    try {
      return Optional.of(CompletableFuture.supplyAsync(() -> {
        try {
          return task.get();
        } finally {
          slots.release();
        }
      }, executor));
    } catch (RuntimeException e) {
      slots.release();
      throw e;
    }
  }
}
