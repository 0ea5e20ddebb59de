package io.caracal.api;

/**
 * Watches one inference request on its way through the server, for the layers that report on it
 * (access log, traces, metrics). A transport creates one per call and hands it in with the request
 * ({@link InferenceRequest#observer()}); core calls it at the points only core sees. Every method
 * has an empty default, and {@link #NONE} ignores everything.
 *
 * <p>Times are nanoseconds of the server's monotonic ticker ({@link System#nanoTime()} in a running
 * server); a transport stamps its own events with the same clock. Implementations must be cheap and
 * must not throw: they run on the scheduler's threads. Methods may be called from different threads
 * one after the other (each call happens-before the request's future completes).
 */
public interface RequestObserver {
  /** Observes nothing. */
  RequestObserver NONE = new RequestObserver() {};

  /** What the response cache did with a request. */
  enum CacheOutcome {
    /** Answered from a completed entry, without the queue or the backend. */
    HIT,
    /** Ran the model; its response was offered to the cache. */
    MISS,
    /** Waited for an identical request that was already running, and shared its response. */
    COALESCED,
    /** Not eligible for the cache (too large, a sequence request, ...): ran uncached. */
    BYPASS
  }

  /**
   * Core resolved the request to a loaded model version: {@code model} and {@code version} are
   * names from the registry, safe as metric labels.
   */
  default void resolved(String model, long version) {}

  /**
   * The request left the scheduler's queue in a batch: it was queued at ticker time {@code
   * enqueuedNanos} and taken at {@code dequeuedNanos}.
   */
  default void dequeued(long enqueuedNanos, long dequeuedNanos) {}

  /**
   * The batch the request ran in finished on the backend; called once for each member request with
   * the same {@code execution}.
   */
  default void executed(BatchExecution execution) {}

  /** The response cache decided about the request after {@code lookupNanos} of lookup. */
  default void cache(CacheOutcome outcome, long lookupNanos) {}
}
