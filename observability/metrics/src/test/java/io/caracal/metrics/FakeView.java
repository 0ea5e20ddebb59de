package io.caracal.metrics;

import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatistics.Duration;
import io.caracal.api.ModelStatistics.InferStats;
import io.caracal.api.ModelStatistics.TailStats;
import io.caracal.core.cache.CachingInferenceService;
import io.caracal.core.scheduler.RunnerGauges;
import io.caracal.core.scheduler.SchedulerStats.CloseReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A server view the test fills: versions, their statistics, and a cache. */
final class FakeView implements ServerView {
  final List<VersionView> versions = new CopyOnWriteArrayList<>();
  final List<ModelStatistics> statistics = new CopyOnWriteArrayList<>();
  volatile Optional<CachingInferenceService.Usage> cache = Optional.empty();

  /** Adds a serving version with some statistics and scheduler counts. */
  FakeView serve(String model, long version, boolean cached) {
    versions.add(
        new VersionView(
            model,
            version,
            cached,
            8,
            Map.of(CloseReason.FULL, 3L, CloseReason.DELAY_EXPIRED, 2L),
            Map.of("rejected", 4L, "timed_out", 1L, "cancelled", 2L, "instance_failures", 1L),
            new RunnerGauges(List.of(5, 1), 7, 2),
            1_500_000_000L,
            4096));
    statistics.add(
        new ModelStatistics(
            model,
            version,
            0,
            40,
            10,
            new InferStats(
                new Duration(30, 30_000_999),
                new Duration(9, 9_000_000),
                new Duration(25, 2_500_000),
                new Duration(25, 1_000_000),
                new Duration(25, 20_000_000),
                new Duration(25, 500_000),
                new Duration(5, 50_000),
                new Duration(6, 60_000)),
            List.of(),
            TailStats.EMPTY));
    return this;
  }

  void unload(String model) {
    versions.removeIf(v -> v.model().equals(model));
    statistics.removeIf(s -> s.name().equals(model));
  }

  @Override
  public List<ModelStatistics> statistics() {
    return new ArrayList<>(statistics);
  }

  @Override
  public List<VersionView> versions() {
    return new ArrayList<>(versions);
  }

  @Override
  public boolean serves(String model, long version) {
    return versions.stream().anyMatch(v -> v.model().equals(model) && v.version() == version);
  }

  @Override
  public Optional<CachingInferenceService.Usage> cache() {
    return cache;
  }
}
