package io.caracal.metrics;

import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver.CacheOutcome;
import io.caracal.core.observe.CallRecord;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.StatefulMetric;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Triton's optional latency families, in microseconds (milliseconds for the first-response
 * histogram), per request: the summaries of {@code summary_latencies=true} and the histograms of
 * {@code histogram_latencies=true} (the five {@code nv_inference_*_duration_histogram_us} families
 * proposed in core#474 with its buckets, and {@code nv_inference_first_response_histogram_ms}).
 * Unlike Triton, the request summary and histogram also exist for models with the cache on.
 */
final class TritonLatencies {
  private static final double NANOS_PER_MICRO = 1_000;
  private static final double NANOS_PER_MILLI = 1_000_000;

  // request, queue, compute_input, compute_infer, compute_output
  private static final String[] PHASES = {
    "request", "queue", "compute_input", "compute_infer", "compute_output"
  };
  private static final String[] PHASE_HELP = {
    "end-to-end request duration",
    "time in the queue",
    "time preparing the batch's inputs",
    "time running the model",
    "time preparing the outputs"
  };
  // core#474's proposed buckets (µs) of each phase
  private static final double[][] PHASE_BUCKETS = {
    {1000, 5000, 25000, 50000, 100000},
    {100, 1000, 5000, 10000, 50000},
    {100, 500, 1000, 5000, 10000},
    {1000, 5000, 25000, 50000, 100000},
    {100, 500, 1000, 5000, 10000}
  };

  private final Summary @Nullable [] summaries;
  private final @Nullable Summary cacheHitSummary;
  private final @Nullable Summary cacheMissSummary;
  private final Histogram @Nullable [] histograms;
  private final @Nullable Histogram firstResponse;
  private final List<StatefulMetric<?, ?>> metrics = new ArrayList<>();

  TritonLatencies(MetricsConfig config, PrometheusRegistry registry) {
    if (config.summaryLatencies()) {
      summaries = new Summary[PHASES.length];
      for (int i = 0; i < PHASES.length; i++) {
        summaries[i] =
            summary(
                "nv_inference_" + PHASES[i] + "_summary_us",
                "Summary of " + PHASE_HELP[i] + " per request (in microseconds)",
                config,
                registry);
      }
      cacheHitSummary =
          summary(
              "nv_cache_hit_summary_per_model",
              "Summary of cache hit lookup durations per request (in microseconds)",
              config,
              registry);
      cacheMissSummary =
          summary(
              "nv_cache_miss_summary_per_model",
              "Summary of cache miss lookup durations per request (in microseconds)",
              config,
              registry);
    } else {
      summaries = null;
      cacheHitSummary = null;
      cacheMissSummary = null;
    }
    if (config.histogramLatencies()) {
      histograms = new Histogram[PHASES.length];
      for (int i = 0; i < PHASES.length; i++) {
        String name =
            i == 0 ? "nv_inference_request_duration" : "nv_inference_" + PHASES[i] + "_duration";
        histograms[i] =
            histogram(
                name + "_histogram_us",
                "Histogram of " + PHASE_HELP[i] + " per request (in microseconds)",
                PHASE_BUCKETS[i],
                registry);
      }
      firstResponse =
          histogram(
              "nv_inference_first_response_histogram_ms",
              "Duration from request to first response in milliseconds",
              new double[] {100, 500, 2000, 5000},
              registry);
    } else {
      histograms = null;
      firstResponse = null;
    }
  }

  private Summary summary(
      String name, String help, MetricsConfig config, PrometheusRegistry registry) {
    Summary.Builder b =
        Summary.builder()
            .name(name)
            .help(help)
            .labelNames("model", "version")
            .maxAgeSeconds(60)
            .numberOfAgeBuckets(5);
    for (MetricsConfig.Quantile q : config.summaryQuantiles()) {
      b.quantile(q.quantile(), q.error());
    }
    Summary s = b.register(registry);
    metrics.add(s);
    return s;
  }

  private Histogram histogram(
      String name, String help, double[] buckets, PrometheusRegistry registry) {
    Histogram h =
        Histogram.builder()
            .name(name)
            .help(help)
            .labelNames("model", "version")
            .classicOnly()
            .classicUpperBounds(buckets)
            .withoutExemplars()
            .register(registry);
    metrics.add(h);
    return h;
  }

  /** Returns every family, for the removal of a version's series. */
  List<StatefulMetric<?, ?>> metrics() {
    return List.copyOf(metrics);
  }

  /** Observes a finished call of {@code model} version {@code version}. */
  void observe(CallRecord call, String model, String version) {
    if (call.failed()) {
      return; // Triton's latencies are of successful requests
    }
    double[] micros = new double[PHASES.length];
    micros[0] = call.durationNanos() / NANOS_PER_MICRO;
    boolean queued = call.dequeuedNanos() >= 0;
    micros[1] = call.queueNanos() / NANOS_PER_MICRO;
    BatchExecution e = call.execution();
    if (e != null) {
      micros[2] = e.inputNanos() / NANOS_PER_MICRO;
      micros[3] = e.inferNanos() / NANOS_PER_MICRO;
      micros[4] = e.outputNanos() / NANOS_PER_MICRO;
    }
    for (int i = 0; i < PHASES.length; i++) {
      boolean has = i == 0 || (i == 1 ? queued : e != null);
      if (!has) {
        continue;
      }
      if (summaries != null) {
        summaries[i].labelValues(model, version).observe(micros[i]);
      }
      if (histograms != null) {
        histograms[i].labelValues(model, version).observe(micros[i]);
      }
    }
    if (firstResponse != null) {
      firstResponse.labelValues(model, version).observe(call.durationNanos() / NANOS_PER_MILLI);
    }
    CacheOutcome cached = call.cacheOutcome();
    if (cached == CacheOutcome.HIT && cacheHitSummary != null) {
      cacheHitSummary
          .labelValues(model, version)
          .observe(call.cacheLookupNanos() / NANOS_PER_MICRO);
    } else if (cached == CacheOutcome.MISS && cacheMissSummary != null) {
      cacheMissSummary
          .labelValues(model, version)
          .observe(call.cacheLookupNanos() / NANOS_PER_MICRO);
    }
  }
}
