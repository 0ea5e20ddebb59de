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
 * @param loadNanos how long loading took (instances, config completion, warm-up); 0 if unknown
 * @param artifactBytes bytes of the files in the version's folder on disk (the model file and its
 *     external data), measured at load; 0 if unknown. Not the memory the backend uses for it.
 * @param artifactSha256 the SHA-256 of the model file, lower-case hex, computed once at load (the
 *     audit log's record of what was loaded); empty if unknown
 */
public record LoadedModel(
    ModelId id,
    ModelSpec config,
    ModelRunner runner,
    long loadNanos,
    long artifactBytes,
    String artifactSha256) {
  public LoadedModel {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(runner, "runner");
    Objects.requireNonNull(artifactSha256, "artifactSha256");
    if (loadNanos < 0 || artifactBytes < 0) {
      throw new IllegalArgumentException(
          "loadNanos and artifactBytes must be >= 0: " + loadNanos + ", " + artifactBytes);
    }
  }

  /** A loaded version whose digest is unknown. */
  public LoadedModel(
      ModelId id, ModelSpec config, ModelRunner runner, long loadNanos, long artifactBytes) {
    this(id, config, runner, loadNanos, artifactBytes, "");
  }

  /** A loaded version whose load time and size are unknown (tests, fixtures). */
  public LoadedModel(ModelId id, ModelSpec config, ModelRunner runner) {
    this(id, config, runner, 0, 0, "");
  }
}
