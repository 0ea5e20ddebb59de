package io.caracal.core.scheduler;

import io.caracal.core.scheduler.SchedulerStats.CloseReason;
import java.util.Iterator;
import java.util.List;

/**
 * Triton's batch-forming rule, as a pure function: from the queued requests in scheduling order and
 * the time, it decides whether a batch leaves now, how many requests from the front it takes, and
 * why it closed, or until when it waits. Immutable and thread-safe.
 */
final class BatchRule {
  /*
   * No state, no threads, no futures: the batcher thread asks it once per free instance, after the
   * retry queue is empty, with the pending queues' scheduling order (level 1 first, arrival order
   * within a level, late requests last) and the ticker's time.
   *
   * A batch is always a prefix of that order: the longest run from the front whose requests mix
   * with the first (same key) and whose sizes sum to at most max_batch_size. Then, in this order:
   *   run reaches max_batch_size                       -> the run leaves, FULL
   *   oldest request of the run waited the max delay   -> the run leaves, DELAY_EXPIRED
   *     (a delay of 0 never expires; preferred sizes no longer count)
   *   a prefix of the run sums to a preferred size     -> the longest such prefix leaves, PREFERRED
   *   the run was cut by a request that does not fit   -> the run leaves, FULL
   *     or mix
   *   the max delay is 0                               -> the run leaves, INSTANCE_FREE
   *   otherwise                                        -> wait until oldest + max delay
   * Without dynamic batching the first request leaves alone, UNBATCHED. An empty queue waits for an
   * event (Long.MAX_VALUE). BatchRuleTest checks the rule against ReferenceScheduler, which states
   * it independently.
   */

  /** A queued request as the rule sees it. */
  interface Candidate {
    /** Returns what two requests must share to be batched together. */
    Object key();

    /** Returns the request's rows along the batch dimension (1 without dynamic batching). */
    long size();

    /** Returns the ticker time at which the request was submitted. */
    long enqueued();
  }

  /** What the rule decided. */
  sealed interface Decision permits Leave, Wait {}

  /**
   * The first {@code count} requests of the order leave now as one batch, closed for {@code
   * reason}.
   */
  record Leave(int count, CloseReason reason) implements Decision {}

  /**
   * Nothing leaves before ticker time {@code until} unless a request arrives ({@code
   * Long.MAX_VALUE}: only then).
   */
  record Wait(long until) implements Decision {}

  private static final Wait NOTHING_QUEUED = new Wait(Long.MAX_VALUE);
  private static final Leave FIRST_ALONE = new Leave(1, CloseReason.UNBATCHED);

  private final boolean dynamic;
  private final int maxBatchSize;
  private final List<Integer> preferredBatchSizes;
  private final long maxQueueDelayNanos;

  /** Creates the rule of a policy (its batch sizes and max queue delay). */
  BatchRule(BatchPolicy policy) {
    this(
        policy.dynamic(),
        policy.maxBatchSize(),
        policy.preferredBatchSizes(),
        policy.maxQueueDelayNanos());
  }

  /** Creates the rule from its four settings. */
  BatchRule(
      boolean dynamic,
      int maxBatchSize,
      List<Integer> preferredBatchSizes,
      long maxQueueDelayNanos) {
    this.dynamic = dynamic;
    this.maxBatchSize = maxBatchSize;
    this.preferredBatchSizes = List.copyOf(preferredBatchSizes);
    this.maxQueueDelayNanos = maxQueueDelayNanos;
  }

  /**
   * Decides what leaves at ticker time {@code now} from {@code order}, the queued requests in
   * scheduling order.
   */
  Decision decide(Iterable<? extends Candidate> order, long now) {
    Iterator<? extends Candidate> it = order.iterator();
    if (!it.hasNext()) {
      return NOTHING_QUEUED;
    }
    if (!dynamic) {
      return FIRST_ALONE;
    }
    Object key = it.next().key();
    long acc = 0;
    int count = 0;
    int preferredAt = 0;
    boolean cannotGrow = false;
    long oldest = Long.MAX_VALUE;
    for (Candidate p : order) {
      if (!p.key().equals(key) || acc + p.size() > maxBatchSize) {
        cannotGrow = true;
        break;
      }
      acc += p.size();
      count++;
      oldest = Math.min(oldest, p.enqueued());
      if (preferredBatchSizes.contains((int) acc)) {
        preferredAt = count;
      }
      if (acc == maxBatchSize) {
        break;
      }
    }
    boolean expired = maxQueueDelayNanos > 0 && now - oldest >= maxQueueDelayNanos;
    if (acc == maxBatchSize) {
      return new Leave(count, CloseReason.FULL);
    } else if (expired) {
      return new Leave(count, CloseReason.DELAY_EXPIRED);
    } else if (preferredAt > 0) {
      return new Leave(preferredAt, CloseReason.PREFERRED);
    } else if (cannotGrow) {
      return new Leave(count, CloseReason.FULL);
    } else if (maxQueueDelayNanos == 0) {
      return new Leave(count, CloseReason.INSTANCE_FREE);
    }
    return new Wait(oldest + maxQueueDelayNanos);
  }
}
