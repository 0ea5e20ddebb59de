package io.caracal.core.cache;

import io.caracal.api.InferenceException;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.repository.ModelSpec;
import java.util.Optional;
import java.util.OptionalLong;

/** Finds the completed config of a ready model version; the cache asks it whether to cache. */
@FunctionalInterface
public interface ModelSpecs {

  /**
   * Returns the config of the version (the given one, or the latest ready), or empty when there is
   * no such ready version (the request then goes on uncached, and fails further in).
   */
  Optional<ModelSpec> find(String model, OptionalLong version);

  /** Returns the lookup over the registry's ready versions. */
  static ModelSpecs of(ModelRegistry registry) {
    return (model, version) -> {
      try {
        return Optional.of(registry.lookup(model, version).config());
      } catch (InferenceException e) {
        return Optional.empty();
      }
    };
  }
}
