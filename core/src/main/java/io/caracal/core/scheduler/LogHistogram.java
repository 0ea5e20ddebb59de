package io.caracal.core.scheduler;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed log-linear histogram of non-negative values (nanoseconds), for percentiles of a hot-path
 * measurement without a lock, an allocation or a dependency (HdrHistogram's layout, cut down).
 * Values below 32 have a bucket each; above, every power of two is cut into 16 buckets, so a bucket
 * spans less than 1/16 of its lower bound. A percentile is reported as the upper bound of its
 * bucket (clamped to the exact maximum): never below the true value, less than 1/16 above it. 960
 * buckets cover every {@code long}.
 *
 * <p>Thread-safe. Recording is a CAS when the value is a new maximum, then one atomic increment. A
 * summary taken while values are recorded may miss those values, never count one twice.
 */
final class LogHistogram {
  private static final int SUB_BITS = 4;
  private static final int SUB = 1 << SUB_BITS;

  /** Buckets: 16 for 0..15, then 16 per power of two from 2^4 to 2^62. */
  static final int BUCKETS = SUB + (Long.SIZE - 1 - SUB_BITS) * SUB;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final AtomicLong max = new AtomicLong();

  /**
   * The count, the exact maximum and two percentiles (nearest rank) of the values recorded.
   *
   * @param count values recorded
   * @param max the largest, exact; 0 when none
   * @param p50 the median, bucketed as the class says; 0 when none
   * @param p99 the 99th percentile, bucketed as the class says; 0 when none
   */
  record Summary(long count, long max, long p50, long p99) {}

  /** Records one value; a negative one counts as 0. */
  void record(long value) {
    long v = Math.max(0, value);
    // The maximum first: a reader that sees the count also sees a maximum at least this large.
    long m;
    while (v > (m = max.get()) && !max.compareAndSet(m, v)) {
      // another thread raised the maximum; look again
    }
    counts.incrementAndGet(index(v));
  }

  /** Returns the count, maximum, median and 99th percentile of what was recorded so far. */
  Summary summary() {
    long[] c = new long[BUCKETS];
    long n = 0;
    for (int i = 0; i < BUCKETS; i++) {
      c[i] = counts.get(i);
      n += c[i];
    }
    long m = max.get(); // read after the counts: at least every value counted
    if (n == 0) {
      return new Summary(0, m, 0, 0);
    }
    return new Summary(
        n, m, valueAtRank(c, Math.ceilDiv(n, 2), m), valueAtRank(c, Math.ceilDiv(n * 99, 100), m));
  }

  /**
   * Returns the bucketed value of the {@code rank}-th smallest value (1-based), at most {@code
   * max}.
   */
  private static long valueAtRank(long[] c, long rank, long max) {
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += c[i];
      if (seen >= rank) {
        return Math.min(upperBound(i), max);
      }
    }
    return max;
  }

  /** Returns the bucket of a non-negative value. */
  static int index(long v) {
    if (v < SUB) {
      return (int) v;
    }
    int exponent = Long.SIZE - 1 - Long.numberOfLeadingZeros(v); // 4..62
    int shift = exponent - SUB_BITS;
    int sub = (int) (v >>> shift) - SUB; // the 4 bits after the leading one
    return SUB + shift * SUB + sub;
  }

  /** Returns the largest value that falls in bucket {@code i}. */
  static long upperBound(int i) {
    if (i < SUB) {
      return i;
    }
    int shift = (i - SUB) / SUB;
    long sub = (i - SUB) % SUB;
    long lower = (SUB + sub) << shift;
    return lower + (1L << shift) - 1; // the last bucket ends at Long.MAX_VALUE without overflow
  }
}
