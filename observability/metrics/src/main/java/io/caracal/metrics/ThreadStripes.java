package io.caracal.metrics;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives each thread that records a metric its stripe: threads take stripes in the order they first
 * record, so the transports' event loops (the threads that finish calls) each get their own as long
 * as there are fewer recording threads than stripes; later threads share a stripe, which costs them
 * contention but never a lost count ({@link StripedHistogram}'s cells are locked).
 */
final class ThreadStripes {
  private final int mask;
  private final AtomicInteger next = new AtomicInteger();
  private final ThreadLocal<Integer> stripe;

  /**
   * @param atLeast the number of stripes wanted, rounded up to a power of two (at most 64)
   */
  ThreadStripes(int atLeast) {
    int n = Integer.highestOneBit(Math.clamp(atLeast, 1, 64) * 2 - 1);
    mask = n - 1;
    stripe = ThreadLocal.withInitial(() -> next.getAndIncrement() & mask);
  }

  /** Stripes for this machine: twice its processors, so that pool threads rarely share. */
  static ThreadStripes forProcessors() {
    return new ThreadStripes(2 * Runtime.getRuntime().availableProcessors());
  }

  /** Returns the number of stripes, a power of two. */
  int count() {
    return mask + 1;
  }

  /** Returns the calling thread's stripe, in {@code [0, count())}. */
  int current() {
    return stripe.get();
  }
}
