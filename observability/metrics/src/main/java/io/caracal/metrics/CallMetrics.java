package io.caracal.metrics;

import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver.CacheOutcome;
import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallRecord;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Caracal's per-call families, observed when a transport call finishes: end-to-end, queue and
 * compute durations (classic and native histograms, exemplars for sampled calls), batch sizes,
 * rejections, cache decisions and lookup times, and instance busy time; and, under {@link
 * MetricsConfig}, Triton's optional summaries and histograms ({@link TritonLatencies}).
 *
 * <p>Only calls that resolved to a loaded model version ({@link CallRecord#model()}) are recorded,
 * so labels come from the registry and closed enums, never from what a client sent. A version's
 * series are removed by {@link #forget} once it no longer serves.
 */
final class CallMetrics implements CallListener {
  /*
   * Per call: one ConcurrentHashMap lookup for the version's Series, then updates of data points
   * resolved once per version and label combination (the AtomicReferenceArrays: a data point is
   * resolved on first use; two threads resolving the same one get the same object). The histograms
   * are StripedHistograms, written per thread (client_java's cost 186 ns a call on one thread and
   * 632 ns on two in CallMetricsBenchmark, these about 100 and 120); the counters, touched only by
   * cache-enabled models and failures, stay client_java's. A batch's compute times, size and busy
   * time are observed by its first observed member only (BatchExecution.isFirst).
   *
   * A call that finishes after its version was forgotten would bring the series back; a Series
   * is therefore created only while the view says the version serves.
   */

  /** Classic buckets of the duration histograms, in seconds (digest §2.2). */
  static final double[] SECONDS_BUCKETS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  /** Classic buckets of the cache lookup histogram, in seconds: lookups take microseconds. */
  static final double[] LOOKUP_BUCKETS = {
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01
  };

  /** Classic buckets of the batch size histogram. */
  static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

  static final String[] PROTOCOLS = {"http", "grpc"};
  static final String[] OUTCOMES = {"ok", "error", "cache_hit"};
  static final String[] PHASES = {"input", "infer", "output"};
  static final String[] REJECT_REASONS = {
    "queue_full", "deadline", "shutdown", "invalid", "cancelled"
  };
  static final String[] CACHE_RESULTS = {"hit", "miss", "coalesced", "bypass"};

  private static final double NANOS_PER_SECOND = 1e9;

  private final ServerView view;
  private final StripedHistogram requestDuration;
  private final StripedHistogram queueDuration;
  private final StripedHistogram computeDuration;
  private final StripedHistogram batchSize;
  private final Counter rejected;
  private final Counter cacheRequests;
  private final StripedHistogram cacheLookup;
  private final Counter busy;
  private final @Nullable TritonLatencies triton;

  /** Each per-version family's removal of the data points whose label values match. */
  private final List<Consumer<Predicate<List<String>>>> perVersion = new ArrayList<>();

  private final Map<VersionKey, Series> series = new ConcurrentHashMap<>();

  private record VersionKey(String model, long version) {}

  CallMetrics(ServerView view, MetricsConfig config, PrometheusRegistry registry) {
    this(view, config, registry, ThreadStripes.forProcessors(), System::currentTimeMillis);
  }

  CallMetrics(
      ServerView view,
      MetricsConfig config,
      PrometheusRegistry registry,
      ThreadStripes stripes,
      LongSupplier wallMillis) {
    this.view = view;
    requestDuration =
        keep(
            StripedHistogram.builder(stripes, wallMillis)
                .name("caracal_request_duration_seconds")
                .help("Time from a call's arrival to its answer, at the transport")
                .unit(Unit.SECONDS)
                .labelNames("model", "version", "protocol", "outcome")
                .classicUpperBounds(SECONDS_BUCKETS)
                .register(registry));
    queueDuration =
        keep(
            StripedHistogram.builder(stripes, wallMillis)
                .name("caracal_queue_duration_seconds")
                .help("Time a request waited in the scheduler's queue before its batch formed")
                .unit(Unit.SECONDS)
                .labelNames("model", "version")
                .classicUpperBounds(SECONDS_BUCKETS)
                .register(registry));
    computeDuration =
        keep(
            StripedHistogram.builder(stripes, wallMillis)
                .name("caracal_compute_duration_seconds")
                .help(
                    "Backend time of one batch, by phase (input assembly, inference, output split)")
                .unit(Unit.SECONDS)
                .labelNames("model", "version", "phase")
                .classicUpperBounds(SECONDS_BUCKETS)
                .withoutExemplars()
                .register(registry));
    batchSize =
        keep(
            StripedHistogram.builder(stripes, wallMillis)
                .name("caracal_batch_size")
                .help("Elements in each executed batch (sum of its requests' batch dimensions)")
                .labelNames("model", "version")
                .classicUpperBounds(BATCH_BUCKETS)
                .withoutExemplars()
                .register(registry));
    rejected =
        keep(
            Counter.builder()
                .name("caracal_requests_rejected")
                .help("Requests refused or dropped before they ran, by reason")
                .labelNames("model", "version", "reason")
                .withoutExemplars()
                .register(registry));
    cacheRequests =
        keep(
            Counter.builder()
                .name("caracal_response_cache_requests")
                .help(
                    "Requests of cache-enabled models by the cache's decision; they add up to the requests")
                .labelNames("model", "version", "result")
                .withoutExemplars()
                .register(registry));
    cacheLookup =
        keep(
            StripedHistogram.builder(stripes, wallMillis)
                .name("caracal_response_cache_lookup_duration_seconds")
                .help(
                    "Time the response cache took to decide about a request (key digest and lookup)")
                .unit(Unit.SECONDS)
                .labelNames("model", "version")
                .classicUpperBounds(LOOKUP_BUCKETS)
                .withoutExemplars()
                .register(registry));
    busy =
        keep(
            Counter.builder()
                .name("caracal_instance_busy_seconds")
                .help(
                    "Time the version's instances spent running batches; rate() / instances = utilisation")
                .unit(Unit.SECONDS)
                .labelNames("model", "version")
                .withoutExemplars()
                .register(registry));
    if (config.summaryLatencies() || config.histogramLatencies()) {
      triton = new TritonLatencies(config, registry);
      triton.metrics().forEach(this::keep);
    } else {
      triton = null;
    }
  }

  private <M extends StatefulMetric<?, ?>> M keep(M metric) {
    perVersion.add(matches -> metric.removeIf(matches::test));
    return metric;
  }

  private StripedHistogram keep(StripedHistogram histogram) {
    perVersion.add(histogram::removeIf);
    return histogram;
  }

  /** The data points of one version, resolved on first use. */
  private final class Series {
    final String model;
    final String version;
    final AtomicReferenceArray<StripedHistogram.Point> request =
        new AtomicReferenceArray<>(PROTOCOLS.length * OUTCOMES.length);
    final AtomicReferenceArray<StripedHistogram.Point> compute =
        new AtomicReferenceArray<>(PHASES.length);
    final AtomicReferenceArray<CounterDataPoint> rejects =
        new AtomicReferenceArray<>(REJECT_REASONS.length);
    final AtomicReferenceArray<CounterDataPoint> cache =
        new AtomicReferenceArray<>(CACHE_RESULTS.length);
    final AtomicReferenceArray<StripedHistogram.Point> lookup = new AtomicReferenceArray<>(1);
    final StripedHistogram.Point queue;
    final StripedHistogram.Point batch;
    final CounterDataPoint busySeconds;

    /** Failures core's statistics do not count (Triton's OTHER), see {@link TritonFamilies}. */
    final LongAdder otherFailures = new LongAdder();

    Series(String model, long version) {
      this.model = model;
      this.version = Long.toString(version);
      this.queue = queueDuration.labelValues(model, this.version);
      this.batch = batchSize.labelValues(model, this.version);
      this.busySeconds = busy.labelValues(model, this.version);
    }

    StripedHistogram.Point request(int protocol, int outcome) {
      int i = protocol * OUTCOMES.length + outcome;
      StripedHistogram.Point p = request.get(i);
      if (p == null) {
        p = requestDuration.labelValues(model, version, PROTOCOLS[protocol], OUTCOMES[outcome]);
        request.lazySet(i, p); // a racing thread resolves the same data point
      }
      return p;
    }

    StripedHistogram.Point compute(int phase) {
      StripedHistogram.Point p = compute.get(phase);
      if (p == null) {
        p = computeDuration.labelValues(model, version, PHASES[phase]);
        compute.lazySet(phase, p);
      }
      return p;
    }

    CounterDataPoint rejected(int reason) {
      CounterDataPoint p = rejects.get(reason);
      if (p == null) {
        p = rejected.labelValues(model, version, REJECT_REASONS[reason]);
        rejects.lazySet(reason, p);
      }
      return p;
    }

    StripedHistogram.Point lookup() {
      StripedHistogram.Point p = lookup.get(0);
      if (p == null) {
        p = cacheLookup.labelValues(model, version);
        lookup.lazySet(0, p);
      }
      return p;
    }

    CounterDataPoint cache(int result) {
      CounterDataPoint p = cache.get(result);
      if (p == null) {
        p = cacheRequests.labelValues(model, version, CACHE_RESULTS[result]);
        cache.lazySet(result, p);
      }
      return p;
    }
  }

  @Override
  public void finished(CallRecord call) {
    String model = call.model();
    if (model == null) {
      return; // never resolved to a loaded version: no per-model series (label hygiene)
    }
    Series s = series(model, call.version());
    if (s == null) {
      return;
    }
    boolean sampled = call.sampled();
    String traceId = call.traceId();
    String spanId = call.spanId();
    Labels exemplar =
        sampled && traceId != null && spanId != null
            ? Labels.of("trace_id", traceId, "span_id", spanId)
            : null;

    CacheOutcome cached = call.cacheOutcome();
    String error = call.errorType();
    int outcome = error != null ? 1 : cached == CacheOutcome.HIT ? 2 : 0;
    observe(
        s.request(call.protocol().ordinal(), outcome),
        call.durationNanos() / NANOS_PER_SECOND,
        exemplar);
    if (call.dequeuedNanos() >= 0) {
      observe(s.queue, call.queueNanos() / NANOS_PER_SECOND, exemplar);
    }
    if (cached != null) {
      s.cache(cached.ordinal()).inc();
      s.lookup().observe(call.cacheLookupNanos() / NANOS_PER_SECOND);
    }
    BatchExecution execution = call.execution();
    if (execution != null && execution.isFirst(call)) {
      s.compute(0).observe(execution.inputNanos() / NANOS_PER_SECOND);
      s.compute(1).observe(execution.inferNanos() / NANOS_PER_SECOND);
      s.compute(2).observe(execution.outputNanos() / NANOS_PER_SECOND);
      s.batch.observe(execution.size());
      s.busySeconds.inc((execution.endNanos() - execution.startNanos()) / NANOS_PER_SECOND);
    }
    if (error != null) {
      int reason = rejectReason(error);
      if (reason >= 0) {
        s.rejected(reason).inc();
      }
      if (call.dequeuedNanos() < 0 && schedulerDidNotCount(error)) {
        s.otherFailures.increment();
      }
    }
    if (triton != null) {
      triton.observe(call, s.model, s.version);
    }
  }

  private static void observe(
      StripedHistogram.Point point, double value, @Nullable Labels exemplar) {
    if (exemplar != null) {
      point.observeWithExemplar(value, exemplar);
    } else {
      point.observe(value);
    }
  }

  /** Returns the index in {@link #REJECT_REASONS} of an error type, or -1 if it is no rejection. */
  static int rejectReason(String errorType) {
    return switch (errorType) {
      case "QueueFull" -> 0;
      case "DeadlineExceeded" -> 1;
      case "ShuttingDown" -> 2;
      case "InvalidInput", "RequestTooLarge" -> 3;
      case "Cancelled" -> 4;
      default -> -1;
    };
  }

  /**
   * Whether a failure of a request that never left the queue in a batch is one the scheduler's
   * statistics miss: it failed before the scheduler (validation, a shared cache run's failure). The
   * scheduler counts queue-full, queue timeouts and cancellations itself; a shutdown is left out as
   * it may be either.
   */
  static boolean schedulerDidNotCount(String errorType) {
    return switch (errorType) {
      case "QueueFull", "DeadlineExceeded", "Cancelled", "ShuttingDown" -> false;
      default -> true;
    };
  }

  private @Nullable Series series(String model, long version) {
    VersionKey key = new VersionKey(model, version);
    Series s = series.get(key);
    if (s != null) {
      return s;
    }
    if (!view.serves(model, version)) {
      return null; // unloaded meanwhile: do not bring its series back
    }
    return series.computeIfAbsent(key, k -> new Series(k.model(), k.version()));
  }

  /** Returns the failures of a version that the statistics API does not count (Triton's OTHER). */
  long otherFailures(String model, long version) {
    Series s = series.get(new VersionKey(model, version));
    return s == null ? 0 : s.otherFailures.sum();
  }

  /**
   * Removes the series of every version of {@code model} that no longer serves (after an unload or
   * a reload); the registry's change listener calls it.
   */
  void forget(String model) {
    for (VersionKey key : List.copyOf(series.keySet())) {
      if (key.model().equals(model) && !view.serves(model, key.version())) {
        series.remove(key);
        String version = Long.toString(key.version());
        Predicate<List<String>> ofVersion =
            values -> values.get(0).equals(model) && values.get(1).equals(version);
        perVersion.forEach(removeIf -> removeIf.accept(ofVersion));
      }
    }
  }
}
