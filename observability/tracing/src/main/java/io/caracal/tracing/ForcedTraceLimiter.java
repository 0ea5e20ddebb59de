package io.caracal.tracing;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A cap on the traces clients force (a sampled {@code traceparent}): at most {@code perSecond} a
 * second, with bursts of up to one second's worth. Lock-free; safe for concurrent callers.
 */
final class ForcedTraceLimiter {
  /*
   * GCRA (the generic cell rate algorithm, as in ATM traffic shaping and most rate limiters): one
   * "theoretical arrival time" advances by the emission interval per permit; a permit is refused
   * when that time runs more than the burst tolerance ahead of now. Equivalent to a token bucket of
   * perSecond tokens refilled continuously, with one CAS per call and no refill bookkeeping.
   */
  private static final long SECOND = 1_000_000_000L;

  private final long interval;
  private final long tolerance;
  private final LongSupplier nanoTime;
  private final AtomicLong arrival;

  /**
   * @param perSecond forced traces allowed a second; 0 = none
   * @param nanoTime the monotonic clock ({@link System#nanoTime} in a server)
   */
  ForcedTraceLimiter(int perSecond, LongSupplier nanoTime) {
    if (perSecond < 0) {
      throw new IllegalArgumentException("forced traces per second must be >= 0, got " + perSecond);
    }
    this.interval = perSecond == 0 ? 0 : Math.max(1, SECOND / perSecond);
    this.tolerance = SECOND - interval;
    this.nanoTime = nanoTime;
    this.arrival = new AtomicLong(nanoTime.getAsLong() - SECOND);
  }

  /** Takes a permit if one is free now. */
  boolean tryAcquire() {
    if (interval == 0) {
      return false;
    }
    long now = nanoTime.getAsLong();
    while (true) {
      long tat = arrival.get();
      long start = tat - now < 0 ? now : tat; // nanoTime values compare by difference
      if (start - now > tolerance) {
        return false;
      }
      if (arrival.compareAndSet(tat, start + interval)) {
        return true;
      }
    }
  }
}
