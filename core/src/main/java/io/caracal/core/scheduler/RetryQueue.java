package io.caracal.core.scheduler;

import io.caracal.core.repository.ModelSpec.TimeoutAction;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The batches waiting to run again after a failure, in the order they failed; they go before any
 * queued request. Batcher thread only.
 */
final class RetryQueue {
  /*
   * Owned by the batcher thread, not thread-safe. While a batch waits here, each of its requests
   * points at it (Pending.retry) and a REJECT request with a deadline stays under the Deadlines
   * timer. A request that ends while it waits (deadline, cancellation) leaves the batch; a batch
   * left empty is dropped and releases its place in the ordered release, so later batches
   * complete. take() hands a batch out (to an instance, or to fail it at close) and clears the
   * requests' pointers:
   *   add --> waiting --> take --> running (or failed at close)
   *               \--> every request left --> dropped
   */

  private final ArrayDeque<Batch> batches = new ArrayDeque<>();
  private final Deadlines deadlines;
  private final OrderedRelease ordered;

  /** Creates an empty retry queue whose requests stay under {@code deadlines}. */
  RetryQueue(Deadlines deadlines, OrderedRelease ordered) {
    this.deadlines = deadlines;
    this.ordered = ordered;
  }

  /** Queues a batch for retry; its REJECT requests stay under their deadlines while it waits. */
  void add(Batch b) {
    batches.add(b);
    for (Pending p : b.requests) {
      p.retry = b;
      if (p.deadline != Long.MAX_VALUE && p.action == TimeoutAction.REJECT) {
        deadlines.time(p);
      }
    }
  }

  /** Returns whether no batch waits. */
  boolean isEmpty() {
    return batches.isEmpty();
  }

  /** Returns the batch that goes next, without taking it; null when none. */
  @Nullable Batch peek() {
    return batches.peek();
  }

  /** Takes the next batch out (to run it, or to fail it at close); null when none. */
  @Nullable Batch take() {
    Batch b = batches.poll();
    if (b != null) {
      for (Pending p : b.requests) {
        p.retry = null;
      }
    }
    return b;
  }

  /**
   * Takes a request that ended (deadline, cancellation) out of the retry batch it waits in; a batch
   * left empty is dropped, and with preserve_ordering gives up its place so later batches complete.
   */
  void leave(Pending p) {
    Batch b = p.retry;
    if (b == null) {
      return;
    }
    p.retry = null;
    b.drop(p);
    if (b.requests.isEmpty()) {
      batches.remove(b);
      ordered.release(b.seq, () -> {});
    }
  }
}
