package io.caracal.core.scheduler;

import io.caracal.api.ModelId;
import io.caracal.api.backend.ModelInstance;
import io.caracal.core.repository.ModelSpec;
import java.util.List;

/** Creates the {@link ModelRunner} of a freshly loaded model version. Thread-safe. */
@FunctionalInterface
public interface RunnerFactory {

  /** Returns a runner that owns {@code instances} and closes them when it is closed. */
  ModelRunner create(ModelId id, ModelSpec config, List<ModelInstance> instances);

  /**
   * Returns a runner that owns {@code instances} and may create more with {@code more} (to replace
   * a failing instance or to scale up). The default ignores {@code more}.
   */
  default ModelRunner create(
      ModelId id, ModelSpec config, List<ModelInstance> instances, InstanceSupplier more) {
    return create(id, config, instances);
  }
}
