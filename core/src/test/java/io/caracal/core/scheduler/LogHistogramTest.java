package io.caracal.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class LogHistogramTest {

  @Test
  void everyValueFallsInTheBucketWhoseRangeHoldsIt_withinOneSixteenth() {
    List<Long> values =
        new ArrayList<>(
            List.of(0L, 1L, 15L, 16L, 31L, 32L, 33L, 1000L, Long.MAX_VALUE, Long.MAX_VALUE - 1));
    for (int k = 1; k < 63; k++) {
      values.add((1L << k) - 1);
      values.add(1L << k);
      values.add((1L << k) + 1);
    }
    Random rnd = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      values.add(rnd.nextLong() >>> (1 + rnd.nextInt(63)));
    }
    for (long v : values) {
      int i = LogHistogram.index(v);
      assertThat(i).as("%d", v).isBetween(0, LogHistogram.BUCKETS - 1);
      assertThat(LogHistogram.upperBound(i)).as("%d", v).isGreaterThanOrEqualTo(v);
      if (i > 0) {
        assertThat(LogHistogram.upperBound(i - 1)).as("%d", v).isLessThan(v);
      }
      assertThat(LogHistogram.upperBound(i) - v).as("%d", v).isLessThanOrEqualTo(v / 16);
    }
    assertThat(LogHistogram.index(Long.MAX_VALUE)).isEqualTo(LogHistogram.BUCKETS - 1);
    assertThat(LogHistogram.upperBound(LogHistogram.BUCKETS - 1)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void valuesBelow32AreExact() {
    for (int v = 0; v < 32; v++) {
      assertThat(LogHistogram.upperBound(LogHistogram.index(v))).isEqualTo(v);
    }
  }

  @Test
  void summary_exactMaxAndNearestRankPercentilesNeverBelowTheTrueValue() {
    LogHistogram h = new LogHistogram();
    assertThat(h.summary()).isEqualTo(new LogHistogram.Summary(0, 0, 0, 0));
    for (long v = 1000; v >= 1; v--) {
      h.record(v * 1_000);
    }
    LogHistogram.Summary s = h.summary();
    assertThat(s.count()).isEqualTo(1000);
    assertThat(s.max()).isEqualTo(1_000_000);
    assertThat(s.p50()).isBetween(500_000L, 500_000L + 500_000 / 16);
    assertThat(s.p99()).isBetween(990_000L, 990_000L + 990_000 / 16);
  }

  @Test
  void aPercentileInTheTopBucketIsClampedToTheMaximum() {
    LogHistogram h = new LogHistogram();
    h.record(1_000_001); // its bucket reaches 1_048_575
    assertThat(h.summary()).isEqualTo(new LogHistogram.Summary(1, 1_000_001, 1_000_001, 1_000_001));
    h.record(-5); // a clock that went backwards counts as no wait
    assertThat(h.summary()).isEqualTo(new LogHistogram.Summary(2, 1_000_001, 0, 1_000_001));
  }

  @Test
  void concurrentRecordersLoseNothing() throws Exception {
    LogHistogram h = new LogHistogram();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      long base = t;
      threads.add(
          Thread.ofPlatform()
              .start(() -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (long i = 0; i < 50_000; i++) {
                  h.record(i * 4 + base);
                }
              }));
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    LogHistogram.Summary s = h.summary();
    assertThat(s.count()).isEqualTo(200_000);
    assertThat(s.max()).isEqualTo(199_999);
    assertThat(s.p50()).isBetween(99_999L, 99_999L + 99_999 / 16);
  }
}
