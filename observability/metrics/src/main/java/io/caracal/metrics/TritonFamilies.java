package io.caracal.metrics;

import io.caracal.api.ModelId;
import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatistics.InferStats;
import io.caracal.metrics.ServerView.VersionView;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Triton's per-model families ({@code nv_inference_*}, {@code nv_cache_*_per_model}, {@code
 * nv_model_load_duration_secs}) with Triton's exact series names, labels ({@code model}, {@code
 * version}, {@code reason}) and units, read from the statistics API at scrape time, so they equal
 * what {@code /v2/models/stats} reports. The counters are untyped: client_java would append {@code
 * _total} to a counter, and Triton's names have none (digest §2.1).
 *
 * <p>{@code nv_inference_request_failure} by reason, from what core records:
 *
 * <ul>
 *   <li>{@code REJECTED}: refused because the queue was full, or timed out in the queue (Triton's
 *       scheduler timeout);
 *   <li>{@code BACKEND}: every other failure the statistics count: the backend failed the batch (or
 *       refused its inputs), or a shutdown failed the admitted request;
 *   <li>{@code CANCELED}: withdrawn by its client while queued (the statistics do not count them as
 *       failures; Triton does);
 *   <li>{@code OTHER}: failed before the scheduler (invalid input, a shared cache run that failed),
 *       counted by {@link CallMetrics}; Triton misses these (tensorrtllm_backend#582).
 * </ul>
 *
 * So {@code REJECTED + BACKEND} equals the statistics' {@code fail} count.
 */
final class TritonFamilies implements MultiCollector {
  private static final String[] MV = {"model", "version"};
  private static final String[] MVR = {"model", "version", "reason"};
  private static final double NANOS_PER_MICRO = 1_000;

  private final ServerView view;
  private final CallMetrics calls;
  private final MetricsConfig config;

  TritonFamilies(ServerView view, CallMetrics calls, MetricsConfig config) {
    this.view = view;
    this.calls = calls;
    this.config = config;
  }

  @Override
  public MetricSnapshots collect() {
    Family success =
        Family.untyped(
            "nv_inference_request_success",
            "Number of successful inference requests, all batch sizes",
            MV);
    Family failure =
        Family.untyped(
            "nv_inference_request_failure",
            "Number of failed inference requests, all batch sizes",
            MVR);
    Family count =
        Family.untyped(
            "nv_inference_count",
            "Number of inferences performed (does not include cached requests)",
            MV);
    Family execCount =
        Family.untyped(
            "nv_inference_exec_count",
            "Number of model executions performed (does not include cached requests)",
            MV);
    Family requestDuration =
        Family.untyped(
            "nv_inference_request_duration_us",
            "Cumulative inference request duration in microseconds (includes cached requests)",
            MV);
    Family queueDuration =
        Family.untyped(
            "nv_inference_queue_duration_us",
            "Cumulative inference queuing duration in microseconds (includes cached requests)",
            MV);
    Family inputDuration =
        Family.untyped(
            "nv_inference_compute_input_duration_us",
            "Cumulative compute input duration in microseconds (does not include cached requests)",
            MV);
    Family inferDuration =
        Family.untyped(
            "nv_inference_compute_infer_duration_us",
            "Cumulative compute inference duration in microseconds (does not include cached requests)",
            MV);
    Family outputDuration =
        Family.untyped(
            "nv_inference_compute_output_duration_us",
            "Cumulative inference compute output duration in microseconds (does not include cached requests)",
            MV);
    Family pending =
        Family.gauge(
            "nv_inference_pending_request_count",
            "Instantaneous number of pending requests awaiting execution per-model.",
            MV);
    Family loadDuration =
        Family.gauge("nv_model_load_duration_secs", "Model load time in seconds", MV);
    Family cacheHits =
        Family.untyped("nv_cache_num_hits_per_model", "Number of cache hits per model", MV);
    Family cacheMisses =
        Family.untyped("nv_cache_num_misses_per_model", "Number of cache misses per model", MV);
    Family cacheHitDuration =
        Family.untyped(
            "nv_cache_hit_duration_per_model",
            "Total cache hit duration per model, in microseconds",
            MV);
    Family cacheMissDuration =
        Family.untyped(
            "nv_cache_miss_duration_per_model",
            "Total cache miss (insert+lookup) duration per model, in microseconds",
            MV);

    Map<ModelId, VersionView> versions = new HashMap<>();
    for (VersionView v : view.versions()) {
      versions.put(new ModelId(v.model(), v.version()), v);
    }
    for (ModelStatistics s : view.statistics()) {
      String model = s.name();
      String version = Long.toString(s.version());
      InferStats in = s.inference();
      VersionView v = versions.get(new ModelId(model, s.version()));
      long rejected = v == null ? 0 : v.counter("rejected") + v.counter("timed_out");
      long cancelled = v == null ? 0 : v.counter("cancelled");
      success.add(in.success().count(), model, version);
      failure.add(rejected, model, version, "REJECTED");
      failure.add(cancelled, model, version, "CANCELED");
      failure.add(Math.max(0, in.fail().count() - rejected), model, version, "BACKEND");
      failure.add(calls.otherFailures(model, s.version()), model, version, "OTHER");
      count.add(s.inferenceCount(), model, version);
      execCount.add(s.executionCount(), model, version);
      if (config.counterLatencies()) {
        requestDuration.add(micros(in.success().nanos()), model, version);
        queueDuration.add(micros(in.queue().nanos()), model, version);
        inputDuration.add(micros(in.computeInput().nanos()), model, version);
        inferDuration.add(micros(in.computeInfer().nanos()), model, version);
        outputDuration.add(micros(in.computeOutput().nanos()), model, version);
      }
      if (v != null) {
        pending.add(v.gauges().queueDepth(), model, version);
        loadDuration.add(v.loadNanos() / 1e9, model, version);
        if (v.cached()) {
          cacheHits.add(in.cacheHit().count(), model, version);
          cacheMisses.add(in.cacheMiss().count(), model, version);
          if (config.counterLatencies()) {
            cacheHitDuration.add(micros(in.cacheHit().nanos()), model, version);
            cacheMissDuration.add(micros(in.cacheMiss().nanos()), model, version);
          }
        }
      }
    }
    List<MetricSnapshot> out = new ArrayList<>();
    for (Family f :
        List.of(
            success,
            failure,
            count,
            execCount,
            requestDuration,
            queueDuration,
            inputDuration,
            inferDuration,
            outputDuration,
            pending,
            loadDuration,
            cacheHits,
            cacheMisses,
            cacheHitDuration,
            cacheMissDuration)) {
      if (!f.isEmpty()) {
        out.add(f.snapshot());
      }
    }
    return new MetricSnapshots(out);
  }

  /** Whole microseconds, as Triton counts them. */
  private static double micros(long nanos) {
    return Math.floorDiv(nanos, (long) NANOS_PER_MICRO);
  }
}
