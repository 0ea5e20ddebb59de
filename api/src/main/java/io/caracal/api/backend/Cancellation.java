package io.caracal.api.backend;

import org.jspecify.annotations.Nullable;

/**
 * Tells a running backend call that nobody waits for its result any more (every request of the
 * batch passed its deadline or was cancelled by its client), so that the backend may stop the work
 * early, as ONNX Runtime does with {@code RunOptions.setTerminate}. A backend that cannot stop a
 * call ignores it; the call then ends normally and its result is dropped. Thread-safe: {@link
 * #cancel} is called from the scheduler's thread while the backend's call runs on another.
 */
public final class Cancellation {
  /*
   * The action runs under the lock, so that once Registration.close() returned the action neither
   * runs nor will run: a backend may then free what the action touches (ONNX Runtime's RunOptions
   * is native memory; setting its flag after close would use freed memory).
   */
  private final Object lock = new Object();
  private boolean cancelled;
  private @Nullable Runnable action;

  private Cancellation() {}

  /** Returns a signal not yet cancelled. */
  public static Cancellation create() {
    return new Cancellation();
  }

  /** Returns whether {@link #cancel} was called. */
  public boolean isCancelled() {
    synchronized (lock) {
      return cancelled;
    }
  }

  /** Cancels: runs the registered action, if any, once; later calls do nothing. */
  public void cancel() {
    synchronized (lock) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      Runnable a = action;
      action = null;
      if (a != null) {
        a.run();
      }
    }
  }

  /**
   * Registers the action that stops the call (one at a time; it replaces an earlier one). It runs
   * at once, on this thread, if the signal is already cancelled, otherwise on the thread that
   * cancels. Keep it short: it runs under a lock. Close the returned registration when the call
   * ended; after that the action will not run.
   */
  public Registration onCancel(Runnable stop) {
    synchronized (lock) {
      if (cancelled) {
        stop.run();
        return () -> {};
      }
      action = stop;
    }
    return () -> {
      synchronized (lock) {
        if (action == stop) {
          action = null;
        }
      }
    };
  }

  /** An action registered with {@link #onCancel}; closing it unregisters it. */
  @FunctionalInterface
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }
}
