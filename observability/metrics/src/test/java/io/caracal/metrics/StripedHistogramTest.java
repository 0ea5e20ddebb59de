package io.caracal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBucket;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.NativeHistogramBucket;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

class StripedHistogramTest {
  private final AtomicInteger millis = new AtomicInteger(1_000);

  private StripedHistogram histogram(ThreadStripes stripes) {
    return StripedHistogram.builder(stripes, millis::get)
        .name("t_seconds")
        .help("test")
        .labelNames("model")
        .classicUpperBounds(0.001, 0.01, 0.1, 1)
        .register(new PrometheusRegistry());
  }

  private static HistogramDataPointSnapshot only(StripedHistogram h) {
    List<HistogramDataPointSnapshot> points = h.collect().getDataPoints();
    assertThat(points).hasSize(1);
    return points.get(0);
  }

  @Test
  void nativeIndex_isTheBucketWhoseBoundsHoldTheValue() {
    // bucket i holds (2^((i-1)/8), 2^(i/8)]: powers of two are upper bounds, the next double is not
    for (int e = -23; e < 16; e++) {
      double p = Math.scalb(1.0, e);
      assertThat(StripedHistogram.nativeIndex(p)).as("2^%d", e).isEqualTo(e * 8);
      assertThat(StripedHistogram.nativeIndex(Math.nextUp(p))).isEqualTo(e * 8 + 1);
      assertThat(StripedHistogram.nativeIndex(Math.nextDown(p))).isEqualTo(e * 8);
    }
    SplittableRandom random = new SplittableRandom(7);
    for (int n = 0; n < 100_000; n++) {
      double v = Math.scalb(1.0 + random.nextDouble(), random.nextInt(-24, 16));
      int i = StripedHistogram.nativeIndex(v);
      double upper = Math.pow(2, i / 8.0);
      double lower = Math.pow(2, (i - 1) / 8.0);
      assertThat(v).as("index %d", i).isLessThanOrEqualTo(upper * (1 + 1e-12));
      assertThat(v).as("index %d", i).isGreaterThan(lower * (1 - 1e-12));
    }
    assertThat(StripedHistogram.nativeIndex(Math.nextUp(StripedHistogram.ZERO_THRESHOLD)))
        .isEqualTo(StripedHistogram.MIN_INDEX);
    assertThat(StripedHistogram.nativeIndex(1e12)).isEqualTo(StripedHistogram.MAX_INDEX);
    assertThat(StripedHistogram.nativeIndex(Double.POSITIVE_INFINITY))
        .isEqualTo(StripedHistogram.MAX_INDEX);
  }

  @Test
  void observations_landInClassicNativeAndZeroBuckets() {
    StripedHistogram h = histogram(new ThreadStripes(4));
    StripedHistogram.Point p = h.labelValues("m");
    p.observe(0.0005);
    p.observe(0.0005);
    p.observe(0.05);
    p.observe(0); // zero bucket
    p.observe(5e5); // above every classic bound and the native range
    p.observe(Double.NaN); // ignored

    HistogramDataPointSnapshot s = only(h);
    assertThat(s.getCount()).isEqualTo(5);
    assertThat(s.getSum()).isEqualTo(0.0005 + 0.0005 + 0.05 + 5e5);
    assertThat(s.getLabels().get("model")).isEqualTo("m");
    assertThat(s.getCreatedTimestampMillis()).isEqualTo(1_000);
    assertThat(s.getClassicBuckets().stream().map(ClassicHistogramBucket::getCount))
        .containsExactly(3L, 0L, 1L, 0L, 1L); // 0.001 0.01 0.1 1 +Inf, not cumulative
    assertThat(s.getClassicBuckets().getUpperBound(4)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(s.getNativeSchema()).isEqualTo(StripedHistogram.NATIVE_SCHEMA);
    assertThat(s.getNativeZeroCount()).isEqualTo(1);
    assertThat(s.getNativeZeroThreshold()).isEqualTo(StripedHistogram.ZERO_THRESHOLD);
    List<NativeHistogramBucket> positive =
        StreamSupport.stream(s.getNativeBucketsForPositiveValues().spliterator(), false).toList();
    assertThat(positive)
        .extracting(NativeHistogramBucket::getBucketIndex)
        .containsExactly(
            StripedHistogram.nativeIndex(0.0005),
            StripedHistogram.nativeIndex(0.05),
            StripedHistogram.MAX_INDEX);
    assertThat(positive).extracting(NativeHistogramBucket::getCount).containsExactly(2L, 1L, 1L);
    assertThat(s.getNativeBucketsForNegativeValues().size()).isZero();
  }

  @Test
  void exemplars_keepTheLatestPerClassicBucket_unlessTurnedOff() {
    StripedHistogram h = histogram(new ThreadStripes(4));
    StripedHistogram.Point p = h.labelValues("m");
    p.observeWithExemplar(0.0002, Labels.of("trace_id", "a"));
    millis.set(2_000);
    p.observeWithExemplar(0.0003, Labels.of("trace_id", "b"));
    p.observeWithExemplar(0.5, Labels.of("trace_id", "c"));
    p.observe(0.0004);

    HistogramDataPointSnapshot s = only(h);
    assertThat(s.getCount()).isEqualTo(4);
    List<Exemplar> kept = new ArrayList<>();
    s.getExemplars().forEach(kept::add);
    assertThat(kept)
        .extracting(e -> e.getLabels().get("trace_id"), Exemplar::getValue)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("b", 0.0003),
            org.assertj.core.groups.Tuple.tuple("c", 0.5));
    assertThat(kept).allMatch(e -> e.getTimestampMillis() == 2_000);

    StripedHistogram quiet =
        StripedHistogram.builder(new ThreadStripes(1), millis::get)
            .name("q")
            .help("q")
            .classicUpperBounds(1)
            .withoutExemplars()
            .register(new PrometheusRegistry());
    quiet.labelValues().observeWithExemplar(0.5, Labels.of("trace_id", "a"));
    assertThat(only(quiet).getCount()).isEqualTo(1);
    assertThat(only(quiet).getExemplars().size()).isZero();
  }

  @Test
  void removeIf_dropsMatchingPoints_andLabelCountsAreChecked() {
    StripedHistogram h = histogram(new ThreadStripes(2));
    h.labelValues("a").observe(1);
    h.labelValues("b").observe(1);
    assertThat(h.labelValues("a")).isSameAs(h.labelValues("a"));
    h.removeIf(values -> values.get(0).equals("a"));
    HistogramSnapshot snapshot = h.collect();
    assertThat(snapshot.getDataPoints())
        .extracting(d -> d.getLabels().get("model"))
        .containsExactly("b");
    assertThat(snapshot.getMetadata().getName()).isEqualTo("t_seconds");
    assertThatThrownBy(() -> h.labelValues("a", "b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 label values expected, got 2");
    assertThatThrownBy(() ->
            StripedHistogram.builder(new ThreadStripes(1), millis::get).classicUpperBounds(2, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void concurrentWritersAndScrapes_loseNothing_andEverySnapshotIsConsistent() throws Exception {
    // more writer threads than stripes, so stripes are shared; a scraper copies all the while
    StripedHistogram h = histogram(new ThreadStripes(2));
    StripedHistogram.Point p = h.labelValues("m");
    int writers = 6;
    int each = 50_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < writers; t++) {
      int seed = t;
      threads.add(
          Thread.ofPlatform()
              .start(() -> {
                awaitQuietly(start);
                for (int i = 0; i < each; i++) {
                  p.observe((seed * each + i) % 4 == 0 ? 0.5 : 0.0005 * (1 + i % 3));
                }
              }));
    }
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<Throwable> scrapeFailure = new AtomicReference<>();
    AtomicInteger scrapes = new AtomicInteger();
    Thread scraper =
        Thread.ofPlatform()
            .start(() -> {
              awaitQuietly(start);
              long previous = 0;
              while (!done.get()) {
                try {
                  // the snapshot's constructor refuses classic and native counts that differ
                  long count = only(h).getCount();
                  assertThat(count).isGreaterThanOrEqualTo(previous);
                  previous = count;
                  scrapes.incrementAndGet();
                } catch (Throwable e) {
                  scrapeFailure.set(e);
                  return;
                }
              }
            });
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    done.set(true);
    scraper.join();

    assertThat(scrapeFailure.get()).isNull();
    HistogramDataPointSnapshot s = only(h);
    long total = (long) writers * each;
    assertThat(s.getCount()).isEqualTo(total);
    long halves = s.getClassicBuckets().getCount(3); // (0.1, 1]
    assertThat(halves).isEqualTo(total / 4);
    double smallSum = 0;
    for (int t = 0; t < writers; t++) {
      for (int i = 0; i < each; i++) {
        if ((t * each + i) % 4 != 0) {
          smallSum += 0.0005 * (1 + i % 3);
        }
      }
    }
    assertThat(s.getSum())
        .isCloseTo(halves * 0.5 + smallSum, org.assertj.core.data.Offset.offset(1e-6));
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void stripes_areAPowerOfTwo_andThreadsKeepTheirs() throws Exception {
    assertThat(new ThreadStripes(3).count()).isEqualTo(4);
    assertThat(new ThreadStripes(1).count()).isEqualTo(1);
    assertThat(new ThreadStripes(1000).count()).isEqualTo(64);
    ThreadStripes stripes = new ThreadStripes(4);
    int mine = stripes.current();
    assertThat(stripes.current()).isEqualTo(mine);
    AtomicInteger other = new AtomicInteger(-1);
    Thread t = Thread.ofPlatform().start(() -> other.set(stripes.current()));
    t.join();
    assertThat(other.get()).isNotEqualTo(mine).isBetween(0, 3);
  }
}
