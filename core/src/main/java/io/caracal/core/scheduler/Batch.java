package io.caracal.core.scheduler;

import io.caracal.api.backend.Cancellation;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A formed batch: its requests in batch order, their total size, and its place in the order of
 * formed batches ({@code seq}, which preserve_ordering keeps).
 */
final class Batch {
  /*
   * Immutable while an instance runs it. The batcher thread owns the rest: attempts and failedOn
   * (set when the batch is handed out or queued for retry), and, while the batch waits in the
   * retry queue (never while an instance runs it), the requests and size, from which drop takes
   * a request that ended.
   */

  List<Pending> requests;
  long size;

  /** Cancelled when every request ended while the batch runs: the backend may stop the call. */
  final Cancellation cancellation = Cancellation.create();

  final long seq;
  int attempts;
  InstancePool.@Nullable Worker failedOn;

  /** Creates batch {@code seq} of {@code requests}, in that order. */
  /** Why the batcher closed it; null for a retry batch. */
  final SchedulerStats.@Nullable CloseReason reason;

  Batch(List<Pending> requests, long seq) {
    this(requests, seq, null);
  }

  Batch(List<Pending> requests, long seq, SchedulerStats.@Nullable CloseReason reason) {
    this.reason = reason;
    this.requests = List.copyOf(requests);
    long s = 0;
    for (Pending p : requests) {
      s += p.size;
    }
    this.size = s;
    this.seq = seq;
  }

  /**
   * Cancels the running call when none of its requests waits for it any more (each timed out or was
   * cancelled). Batcher thread.
   */
  void cancelIfAbandoned() {
    for (Pending p : requests) {
      if (!p.future.isDone()) {
        return;
      }
    }
    cancellation.cancel();
  }

  /** Takes a request that ended out of the batch. */
  void drop(Pending p) {
    List<Pending> rest = new ArrayList<>(requests);
    rest.remove(p);
    requests = List.copyOf(rest);
    size -= p.size;
  }
}
