package io.caracal.core.scheduler;

import java.util.TreeMap;

/**
 * preserve_ordering: numbers the batches in the order they are formed and runs each batch's
 * completion only once every earlier batch's has run. Without preserve_ordering a completion runs
 * at once. Batcher thread only.
 */
final class OrderedRelease {
  /*
   * Owned by the batcher thread, not thread-safe. nextSeq numbers formed batches (a retry keeps
   * its batch's number); released is the number of the next batch allowed to complete. A batch
   * that ends out of turn waits in the map under its number. Every number handed out must be
   * released exactly once, with an empty completion when the batch ends with nothing to answer (a
   * retry batch emptied by deadlines and cancellations), or every later batch waits forever.
   *
   *   release(seq) with seq == released --> completion runs, then every waiting successor's
   *   release(seq) with seq >  released --> waits in the map
   */

  private final boolean preserveOrdering;
  private final TreeMap<Long, Runnable> waiting = new TreeMap<>();
  private long nextSeq;
  private long released;

  /** Creates the release for a model version with or without preserve_ordering. */
  OrderedRelease(boolean preserveOrdering) {
    this.preserveOrdering = preserveOrdering;
  }

  /** Returns the number of the next batch formed. */
  long next() {
    return nextSeq++;
  }

  /**
   * Runs batch {@code seq}'s completion now, or, with preserve_ordering, once every earlier batch
   * completed.
   */
  void release(long seq, Runnable completion) {
    if (!preserveOrdering) {
      completion.run();
      return;
    }
    waiting.put(seq, completion);
    Runnable r;
    while ((r = waiting.remove(released)) != null) {
      released++;
      r.run();
    }
  }
}
