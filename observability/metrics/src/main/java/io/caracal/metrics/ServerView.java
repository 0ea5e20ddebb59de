package io.caracal.metrics;

import io.caracal.api.ModelStatistics;
import io.caracal.core.cache.CachingInferenceService;
import io.caracal.core.scheduler.RunnerGauges;
import io.caracal.core.scheduler.SchedulerStats.CloseReason;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the metrics read from core at scrape time: the statistics API's numbers, and what each
 * serving version's runner holds. Implementations are thread-safe; each call reads the current
 * state.
 */
interface ServerView {
  /** Returns the statistics of every ready version, as the statistics API reports them. */
  List<ModelStatistics> statistics();

  /** Returns every serving version, by model name and version. */
  List<VersionView> versions();

  /** Returns whether {@code model} version {@code version} serves now. */
  boolean serves(String model, long version);

  /** Returns the response cache's usage, or empty when the server has no cache. */
  Optional<CachingInferenceService.Usage> cache();

  /**
   * One serving version as its runner sees it.
   *
   * @param model the model name (from the registry)
   * @param version the version
   * @param cached whether its responses go through the response cache
   * @param maxBatchSize the config's max_batch_size (0: no batching)
   * @param closeReasons batches closed per reason since load
   * @param counters the scheduler's other counters ({@code SchedulerStats.counters()})
   * @param gauges queue depths, in-flight requests and instances now
   * @param loadNanos how long the load took
   * @param artifactBytes bytes of the version's files
   */
  record VersionView(
      String model,
      long version,
      boolean cached,
      int maxBatchSize,
      Map<CloseReason, Long> closeReasons,
      Map<String, Long> counters,
      RunnerGauges gauges,
      long loadNanos,
      long artifactBytes) {
    public VersionView {
      closeReasons = Map.copyOf(closeReasons);
      counters = Map.copyOf(counters);
    }

    /** Returns the scheduler counter {@code name}, 0 if absent. */
    long counter(String name) {
      return counters.getOrDefault(name, 0L);
    }
  }
}
