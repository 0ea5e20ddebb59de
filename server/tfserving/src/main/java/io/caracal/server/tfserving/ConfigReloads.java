package io.caracal.server.tfserving;

import io.caracal.proto.tfserving.ModelServerConfig;
import java.io.IOException;

/**
 * What {@code ModelService.HandleReloadConfigRequest} does with a new model config list: realize it
 * and return once its models have loaded. Off ({@link #REFUSED}) unless the server runs with {@code
 * --model-control-mode explicit} and a repository described by {@code --model-config-file}: the
 * call lets a gRPC peer point a model at any folder, so it is asked for, never on by default.
 */
@FunctionalInterface
public interface ConfigReloads {
  /** Refuses every reload with {@code FAILED_PRECONDITION}. */
  ConfigReloads REFUSED =
      config -> {
        throw new UnsupportedOperationException(
            "HandleReloadConfigRequest needs --model-control-mode explicit and the models listed"
                + " by --model-config-file");
      };

  /**
   * Realizes {@code config}.
   *
   * @throws IllegalArgumentException when it breaks one of TF Serving's rules
   * @throws IllegalStateException when a label names a version that is not available
   * @throws UnsupportedOperationException when reloads are off
   * @throws IOException when a model folder cannot be read
   */
  void apply(ModelServerConfig config) throws IOException;
}
