package io.caracal.api.backend;

import io.caracal.api.ModelId;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend needs to load one model version.
 *
 * @param id the model version
 * @param file the model file, already checked to lie inside the model repository
 * @param parameters the config's {@code parameters} (string values)
 * @param options runtime options
 * @param instanceCount how many instances of this version the server creates at load (a backend may
 *     divide its thread budget among them)
 * @param inMemory when present, the model's contents, which exist only in memory (an encrypted
 *     model, decrypted by the server): the backend reads these bytes, never {@code file}, and
 *     refuses what needs other files on disk (ONNX external data)
 * @param declared the inputs and outputs the model's config lists, in its order, with the batch
 *     dimension ({@code -1}) first when {@code max_batch_size > 0} and a {@code reshape} (when
 *     given) as the shape the model sees; empty lists when there is no config or it lists none. For
 *     formats that cannot describe their own inputs (TorchScript), as Triton's backends use it
 */
public record ModelArtifact(
    ModelId id,
    Path file,
    Map<String, String> parameters,
    BackendOptions options,
    int instanceCount,
    Optional<ModelBytes> inMemory,
    ModelSignature declared) {
  public ModelArtifact {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(file, "file");
    parameters = Map.copyOf(parameters);
    Objects.requireNonNull(options, "options");
    if (instanceCount < 1) {
      throw new IllegalArgumentException("instanceCount < 1: " + instanceCount);
    }
    Objects.requireNonNull(inMemory, "inMemory");
    Objects.requireNonNull(declared, "declared");
  }

  /** An artifact whose config declares no inputs or outputs. */
  public ModelArtifact(
      ModelId id,
      Path file,
      Map<String, String> parameters,
      BackendOptions options,
      int instanceCount,
      Optional<ModelBytes> inMemory) {
    this(
        id,
        file,
        parameters,
        options,
        instanceCount,
        inMemory,
        new ModelSignature(java.util.List.of(), java.util.List.of()));
  }

  /** An artifact read from {@code file}. */
  public ModelArtifact(
      ModelId id,
      Path file,
      Map<String, String> parameters,
      BackendOptions options,
      int instanceCount) {
    this(id, file, parameters, options, instanceCount, Optional.empty());
  }

  /** An artifact for a version with one instance. */
  public ModelArtifact(
      ModelId id, Path file, Map<String, String> parameters, BackendOptions options) {
    this(id, file, parameters, options, 1);
  }

  /**
   * Returns the model's folder: the folder above the version folder that holds {@link #file} (or
   * {@code file} itself when it has no such parents).
   */
  public Path modelDir() {
    Path f = file.toAbsolutePath();
    Path versionDir = f.getParent();
    return versionDir == null || versionDir.getParent() == null ? f : versionDir.getParent();
  }

  /**
   * Returns {@link #file} as messages may name it: relative to the model's folder ({@code
   * 1/model.onnx}), never absolute.
   */
  public String shownFile() {
    Path f = file.toAbsolutePath();
    Path dir = modelDir();
    return dir.equals(f) ? String.valueOf(f.getFileName()) : dir.relativize(f).toString();
  }
}
