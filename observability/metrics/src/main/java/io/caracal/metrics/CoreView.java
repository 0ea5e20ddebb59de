package io.caracal.metrics;

import io.caracal.api.ModelStatistics;
import io.caracal.core.InferenceService;
import io.caracal.core.cache.CachingInferenceService;
import io.caracal.core.lifecycle.LoadedModel;
import io.caracal.core.lifecycle.ModelRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The server as the metrics read it: statistics through the service chain (so that the cache's hits
 * and misses are in them, as the statistics API shows them), everything else from the registry's
 * serving versions.
 */
final class CoreView implements ServerView {
  private final ModelRegistry registry;
  private final InferenceService service;
  private final @Nullable CachingInferenceService cache;

  CoreView(
      ModelRegistry registry, InferenceService service, @Nullable CachingInferenceService cache) {
    this.registry = registry;
    this.service = service;
    this.cache = cache;
  }

  @Override
  public List<ModelStatistics> statistics() {
    return service.statistics("", OptionalLong.empty());
  }

  @Override
  public List<VersionView> versions() {
    List<LoadedModel> loaded = registry.loaded();
    List<VersionView> out = new ArrayList<>(loaded.size());
    for (LoadedModel m : loaded) {
      out.add(
          new VersionView(
              m.id().name(),
              m.id().version(),
              cache != null && m.config().responseCache(),
              m.config().maxBatchSize(),
              m.runner().stats().closeReasons(),
              m.runner().stats().counters(),
              m.runner().gauges(),
              m.loadNanos(),
              m.artifactBytes()));
    }
    return out;
  }

  @Override
  public boolean serves(String model, long version) {
    return registry.readyVersions(model).contains(version);
  }

  @Override
  public Optional<CachingInferenceService.Usage> cache() {
    return cache == null ? Optional.empty() : Optional.of(cache.usage());
  }
}
