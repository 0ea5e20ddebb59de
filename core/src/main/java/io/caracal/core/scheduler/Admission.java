package io.caracal.core.scheduler;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bound on each priority level's queue: how many requests a level holds (posted or queued),
 * against its capacity. Thread-safe and lock-free; never blocks.
 */
final class Admission {
  /*
   * One AtomicInteger per level. Any thread admits (DynamicBatcher.run): a CAS from n to n + 1
   * while n < capacity, so a full level refuses at once. The batcher thread releases: when a
   * request leaves its queue (to a batch, by cancellation, timeout or shutdown), or when it never
   * entered it (submitted after the close began, or cancelled before the batcher took it in).
   * A late (DELAY) request still counts against its level.
   */

  private final AtomicInteger[] admitted;
  private final List<Integer> capacities;

  /** Creates the bounds; {@code capacities.get(l - 1)} is level {@code l}'s. */
  Admission(List<Integer> capacities) {
    this.capacities = List.copyOf(capacities);
    this.admitted = new AtomicInteger[capacities.size()];
    for (int l = 0; l < admitted.length; l++) {
      admitted[l] = new AtomicInteger();
    }
  }

  /**
   * Admits one request at {@code level} (1-based) unless the level is full; returns whether it did.
   */
  boolean tryAdmit(int level) {
    AtomicInteger count = admitted[level - 1];
    int cap = capacities.get(level - 1);
    while (true) {
      int n = count.get();
      if (n >= cap) {
        return false;
      }
      if (count.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** Returns the capacity of {@code level} (1-based). */
  int capacity(int level) {
    return capacities.get(level - 1);
  }

  /** Returns how many requests {@code level} (1-based) holds now (posted or queued). */
  int held(int level) {
    return admitted[level - 1].get();
  }

  /** Returns the number of priority levels. */
  int levels() {
    return admitted.length;
  }

  /** Gives back the place of a request of {@code level} that left its queue. */
  void release(int level) {
    admitted[level - 1].decrementAndGet();
  }
}
