package io.caracal.core.scheduler;

import io.caracal.api.backend.ModelInstance;

/**
 * Creates one more instance of a loaded model version (through the same backend factory and
 * artifact as the first ones). Used to replace a failing instance and to scale up. Blocks; called
 * on a background thread, never on the batcher or an I/O thread.
 */
@FunctionalInterface
public interface InstanceSupplier {

  /** Loads a new instance. */
  ModelInstance create() throws Exception;

  /** A supplier that always fails: runners built with it cannot replace or add instances. */
  InstanceSupplier NONE =
      () -> {
        throw new UnsupportedOperationException("no instance supplier");
      };
}
