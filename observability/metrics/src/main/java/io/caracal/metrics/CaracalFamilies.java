package io.caracal.metrics;

import io.caracal.core.cache.CachingInferenceService;
import io.caracal.core.scheduler.SchedulerStats.CloseReason;
import io.caracal.metrics.ServerView.VersionView;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Caracal's families read from core at scrape time: batch close reasons, queue depth per priority
 * level, in-flight requests, instances and their failures, replacements and scaling, artifact
 * bytes, model loads and unloads, and the response cache's usage. Counters are named without {@code
 * _total}, which the writers append.
 */
final class CaracalFamilies implements MultiCollector {
  private static final String[] MV = {"model", "version"};

  private final ServerView view;
  private final ModelChanges changes;

  CaracalFamilies(ServerView view, ModelChanges changes) {
    this.view = view;
    this.changes = changes;
  }

  @Override
  public MetricSnapshots collect() {
    Family batches =
        Family.counter(
            "caracal_batches",
            "Batches the scheduler closed, by reason",
            "model",
            "version",
            "close_reason");
    Family queueDepth =
        Family.gauge(
            "caracal_queue_depth",
            "Requests waiting to be batched, per priority level (1 = highest)",
            "model",
            "version",
            "priority");
    Family inflight =
        Family.gauge(
            "caracal_inflight_requests",
            "Requests admitted by the scheduler and not answered yet (queued or executing)",
            MV);
    Family instances = Family.gauge("caracal_instances", "Model instances in service", MV);
    Family artifactBytes =
        Family.gauge(
            "caracal_model_artifact_bytes",
            "Bytes of the files in the version's folder on disk (model file and external data), not the memory the backend uses",
            MV);
    Family instanceFailures =
        Family.counter(
            "caracal_instance_failures",
            "Batches an instance failed with an internal error (the instance is then replaced)",
            MV);
    Family replacements =
        Family.counter(
            "caracal_instance_replacements",
            "Instances created to replace a failed one, by result",
            "model",
            "version",
            "result");
    Family scaling =
        Family.counter(
            "caracal_instance_scaling",
            "Instances added or retired by in-node scaling",
            "model",
            "version",
            "direction");
    for (VersionView v : view.versions()) {
      String m = v.model();
      String ver = Long.toString(v.version());
      for (CloseReason r : CloseReason.values()) {
        batches.add(
            v.closeReasons().getOrDefault(r, 0L), m, ver, r.name().toLowerCase(Locale.ROOT));
      }
      List<Integer> depths = v.gauges().queueDepths();
      for (int level = 0; level < depths.size(); level++) {
        queueDepth.add(depths.get(level), m, ver, Integer.toString(level + 1));
      }
      inflight.add(v.gauges().inflight(), m, ver);
      instances.add(v.gauges().instances(), m, ver);
      artifactBytes.add(v.artifactBytes(), m, ver);
      instanceFailures.add(v.counter("instance_failures"), m, ver);
      replacements.add(v.counter("instance_replacements"), m, ver, "ok");
      replacements.add(v.counter("instance_replacement_failures"), m, ver, "failed");
      scaling.add(v.counter("scale_ups"), m, ver, "up");
      scaling.add(v.counter("scale_downs"), m, ver, "down");
    }
    Family loads =
        Family.counter(
            "caracal_model_loads",
            "Loads and reloads of a model since start (the initial load included)",
            "model");
    changes.loads().forEach((m, n) -> loads.add(n, m));
    Family unloads =
        Family.counter("caracal_model_unloads", "Unloads of a model since start", "model");
    changes.unloads().forEach((m, n) -> unloads.add(n, m));

    List<MetricSnapshot> out = new ArrayList<>();
    for (Family f :
        List.of(
            batches,
            queueDepth,
            inflight,
            instances,
            artifactBytes,
            instanceFailures,
            replacements,
            scaling,
            loads,
            unloads)) {
      if (!f.isEmpty()) {
        out.add(f.snapshot());
      }
    }
    Optional<CachingInferenceService.Usage> cache = view.cache();
    if (cache.isPresent()) {
      CachingInferenceService.Usage u = cache.get();
      out.add(
          Family.gauge("caracal_response_cache_bytes", "Bytes the response cache holds")
              .add(u.bytes())
              .snapshot());
      out.add(
          Family.gauge("caracal_response_cache_max_bytes", "The response cache's bound in bytes")
              .add(u.maxBytes())
              .snapshot());
      out.add(
          Family.gauge("caracal_response_cache_entries", "Entries the response cache holds")
              .add(u.entries())
              .snapshot());
      out.add(
          Family.counter(
                  "caracal_response_cache_evictions", "Entries the response cache evicted for size")
              .add(u.evictions())
              .snapshot());
    }
    return new MetricSnapshots(out);
  }
}
