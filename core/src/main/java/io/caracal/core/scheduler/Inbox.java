package io.caracal.core.scheduler;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * The events a batcher thread has yet to apply (submissions, cancellations, finished calls, created
 * instances, the close). Any thread posts; posting wakes the batcher thread. Thread-safe; never
 * blocks.
 */
final class Inbox {
  /*
   * A lock-free multi-producer queue. Producers: callers of DynamicBatcher.run and of a future's
   * cancel (any thread), execution threads (a finished call), background threads (a created
   * instance), the closing thread. The consumer is the batcher thread; after the batcher is CLOSED,
   * whoever runs drainAfterClose also polls, which the queue allows. Posting unparks the batcher
   * thread, so a parked batcher applies the event at once; without a batcher thread (manual mode,
   * tests) nothing is woken.
   */

  private final ConcurrentLinkedQueue<Object> events = new ConcurrentLinkedQueue<>();
  private final @Nullable Thread batcher;

  /** Creates an inbox that wakes {@code batcher} (null: manual mode, nothing to wake). */
  Inbox(@Nullable Thread batcher) {
    this.batcher = batcher;
  }

  /** Adds an event and wakes the batcher thread. */
  void post(Object event) {
    events.add(event);
    Thread t = batcher;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  /** Adds an event from the batcher thread itself: no wake-up, it is seen at the next round. */
  void postFromBatcher(Object event) {
    events.add(event);
  }

  /** Removes and returns the oldest event; null when there is none. */
  @Nullable Object poll() {
    return events.poll();
  }

  /** Returns whether no event waits. */
  boolean isEmpty() {
    return events.isEmpty();
  }
}
