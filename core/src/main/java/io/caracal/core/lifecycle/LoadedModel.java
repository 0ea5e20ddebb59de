package io.caracal.core.lifecycle;

import io.caracal.api.ModelId;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.scheduler.ModelRunner;
import java.util.Objects;

/**
 * A model version that is ready to serve: its completed config and the runner that executes it.
 *
 * @param id the model version
 * @param config the completed config
 * @param runner runs the backend calls; owned by the registry
 */
public record LoadedModel(ModelId id, ModelSpec config, ModelRunner runner) {
  public LoadedModel {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(runner, "runner");
  }
}
