package io.caracal.core.scheduler;

import io.caracal.core.repository.ModelSpec.TimeoutAction;
import java.util.Comparator;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * The queue timeouts of one model version, soonest first: it tells the batcher which requests'
 * deadlines passed and when the next one falls. Batcher thread only.
 */
final class Deadlines {
  /*
   * Owned by the batcher thread, not thread-safe. A min-heap of requests by deadline, ties in
   * arrival order (requests that time out together with DELAY become late in arrival order).
   * Pending.timed says whether a request has an entry, so none is added twice.
   *
   * A deadline still matters while the request is queued and not yet late, or while it waits in a
   * retry batch or runs on an instance with the REJECT action; an entry that no longer matters is dropped lazily, when it
   * reaches the top of the heap. What happens to an expired request (fail it, make it late, take it
   * out of its retry batch) is the batcher's business.
   */

  // Ties go in arrival order: requests that time out together with DELAY stay in arrival order.
  private final PriorityQueue<Pending> heap =
      new PriorityQueue<>(
          Comparator.comparingLong((Pending p) -> p.deadline).thenComparingLong(p -> p.arrival));

  /** Puts a request with a deadline under the timer (once). */
  void time(Pending p) {
    if (!p.timed) {
      p.timed = true;
      heap.add(p);
    }
  }

  /**
   * Removes and returns a request whose deadline passed at {@code now} and still matters; null when
   * none.
   */
  @Nullable Pending pollExpired(long now) {
    Pending p;
    while ((p = heap.peek()) != null && (p.deadline <= now || !matters(p))) {
      heap.poll();
      p.timed = false;
      if (matters(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * Returns the next deadline that matters ({@code Long.MAX_VALUE}: none), once {@link
   * #pollExpired} returned null.
   */
  long next() {
    Pending p = heap.peek();
    return p == null ? Long.MAX_VALUE : p.deadline;
  }

  /**
   * Whether a request's deadline still matters: queued and not yet late, or REJECT in a retry batch
   * or in a running one.
   */
  private static boolean matters(Pending p) {
    return p.queued
        ? !p.late
        : (p.retry != null || p.running != null) && p.action == TimeoutAction.REJECT;
  }
}
