package io.caracal.api.backend;

/**
 * Loads model files of one format. Implementations are discovered with {@link
 * java.util.ServiceLoader} and must have a public no-argument constructor. This interface is
 * thread-safe: {@link #load} may be called concurrently for different models.
 */
public interface BackendFactory {

  /**
   * Returns the backend name as Triton's {@code backend} field spells it, e.g. {@code onnxruntime}.
   */
  String name();

  /** Returns the platform name reported in model metadata, e.g. {@code onnxruntime_onnx}. */
  String platform();

  /**
   * Returns whether this backend serves a model whose config names this platform or backend (either
   * may be empty).
   */
  boolean supports(String platform, String backend);

  /**
   * Returns the file name looked for in a version folder when the config names none, e.g. {@code
   * model.onnx}.
   */
  String defaultModelFileName();

  /**
   * Returns how many instances a model version gets when its config's {@code instance_group} gives
   * no count (or there is no {@code instance_group}). Triton's rule: 2 for ONNX Runtime and
   * TensorFlow on CPU, 1 for other backends, which is the default here.
   */
  default int defaultInstanceCount() {
    return 1;
  }

  /**
   * Loads one instance of the model. Blocks; called from a loader thread, never a request thread.
   *
   * @throws ModelLoadException with a message fit for the model's status (no absolute paths)
   */
  ModelInstance load(ModelArtifact artifact) throws ModelLoadException;
}
