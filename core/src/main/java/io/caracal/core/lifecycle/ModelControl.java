package io.caracal.core.lifecycle;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.ForwardingInferenceService;
import io.caracal.core.InferenceService;
import io.caracal.core.ModelRef;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;

/**
 * The repository-control decorator: runs {@link #loadModel} and {@link #unloadModel} on one
 * executor (they block while a model loads or its in-flight requests drain), at most {@code limit}
 * at once for every transport together; a call beyond the limit fails at once with {@code
 * TooManyCalls}. Allowed only in {@link ModelControlMode#EXPLICIT} mode; otherwise {@code
 * Unsupported}, naming the mode. Loads of different models are further bounded by the registry's
 * load threads. Thread-safe and non-blocking.
 */
public final class ModelControl extends ForwardingInferenceService {
  /** The default number of repository calls that may run at once. */
  public static final int DEFAULT_LIMIT = 16;

  /** The blocking calls this decorator runs: a {@link ModelRegistry}'s, or a test's. */
  public interface Repository {
    /** Loads or reloads a model; returns when it is ready, throws when it failed. */
    void load(String model);

    /** Unloads a model once its in-flight requests finished. */
    void unload(String model);
  }

  private final Repository repository;
  private final ModelControlMode mode;
  private final Executor executor;
  private final int limit;
  private final Semaphore permits;

  /**
   * Creates the decorator over a registry's load and unload.
   *
   * @param executor runs the blocking calls, typically virtual threads
   * @param limit how many calls may run at once, at least 1
   */
  public ModelControl(
      InferenceService delegate,
      ModelRegistry registry,
      ModelControlMode mode,
      Executor executor,
      int limit) {
    this(
        delegate,
        new Repository() {
          @Override
          public void load(String model) {
            registry.load(model);
          }

          @Override
          public void unload(String model) {
            registry.unload(model);
          }
        },
        mode,
        executor,
        limit);
  }

  /** Creates the decorator over any {@link Repository}. */
  public ModelControl(
      InferenceService delegate,
      Repository repository,
      ModelControlMode mode,
      Executor executor,
      int limit) {
    super(delegate);
    if (limit < 1) {
      throw new IllegalArgumentException("limit < 1: " + limit);
    }
    this.repository = Objects.requireNonNull(repository, "repository");
    this.mode = Objects.requireNonNull(mode, "mode");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.limit = limit;
    this.permits = new Semaphore(limit);
  }

  @Override
  public CompletableFuture<Void> loadModel(String model) {
    return run("load", model, () -> repository.load(model));
  }

  @Override
  public CompletableFuture<Void> unloadModel(String model) {
    return run("unload", model, () -> repository.unload(model));
  }

  private CompletableFuture<Void> run(String what, String model, Runnable call) {
    try {
      if (mode != ModelControlMode.EXPLICIT) {
        throw InferenceException.of(
            new InferenceError.Unsupported(
                "explicit model "
                    + what
                    + " is not allowed if model control mode is '"
                    + mode.name().toLowerCase(Locale.ROOT)
                    + "' (start the server with --model-control-mode explicit)"));
      }
      ModelRef.name(model);
      if (!permits.tryAcquire()) {
        throw InferenceException.of(new InferenceError.TooManyCalls("repository", limit));
      }
      try {
        return CompletableFuture.runAsync(call, executor).whenComplete((v, e) -> permits.release());
      } catch (RejectedExecutionException e) {
        permits.release();
        throw InferenceException.of(new InferenceError.ShuttingDown());
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(InferenceException.from(e));
    }
  }
}
