package io.caracal.core;

import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.InferenceError;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatus;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * What transports call. Every method is thread-safe and none blocks: {@link #infer} hands the work
 * to execution threads and returns at once, so it may be called from an I/O thread.
 */
public interface InferenceService {

  /**
   * Validates the request against the model and runs it. The future fails with an {@link
   * InferenceException}; validation failures may also be thrown directly.
   */
  CompletableFuture<InferenceResponse> infer(InferenceRequest request);

  /**
   * Returns the model's metadata: the given version's, or the latest ready version's.
   *
   * @throws InferenceException {@code ModelNotFound} or {@code ModelNotReady} (with the reason)
   */
  ModelMetadata metadata(String model, OptionalLong version);

  /**
   * Returns whether the version (or, when empty, any version) of the model is ready.
   *
   * @throws InferenceException {@code ModelNotFound} for an unknown model or version
   */
  boolean isModelReady(String model, OptionalLong version);

  /** Returns whether the server can serve at all. */
  boolean isLive();

  /** Returns whether every model that should be loaded is ready. */
  boolean isReady();

  /** Returns the state of every model version the repository holds, sorted by name and version. */
  List<ModelStatus> index();

  /**
   * Returns the completed configuration of the model version (the given one, or the latest ready),
   * as Triton's ModelSpec message: what {@code config.pbtxt} said, completed from the model.
   *
   * @throws InferenceException {@code ModelNotFound} or {@code ModelNotReady}
   */
  default io.caracal.proto.inference.ModelConfig modelConfig(String model, OptionalLong version) {
    throw InferenceException.of(new InferenceError.Unsupported("model configuration is not available"));
  }

  /**
   * Returns statistics of every ready version of every model ({@code model} empty), of every
   * version of one model ({@code version} empty), or of one version.
   *
   * @throws InferenceException {@code ModelNotFound} for an unknown model or version
   */
  default List<ModelStatistics> statistics(String model, OptionalLong version) {
    throw InferenceException.of(new InferenceError.Unsupported("statistics are not available"));
  }

  /**
   * Loads, or reloads, a model from the repository; returns when it is ready or has failed. Allowed
   * only when the server's model control mode permits it.
   *
   * @throws InferenceException {@code Unsupported} when the control mode forbids it, {@code
   *     InvalidInput} for a bad name, {@code ModelNotReady} (with the reason) when loading failed
   */
  default void loadModel(String model) {
    throw InferenceException.of(new InferenceError.Unsupported("model loading is not enabled"));
  }

  /**
   * Unloads every version of a model once their in-flight requests finished.
   *
   * @throws InferenceException {@code Unsupported} when the control mode forbids it, {@code
   *     ModelNotFound} for an unknown model
   */
  default void unloadModel(String model) {
    throw InferenceException.of(new InferenceError.Unsupported("model unloading is not enabled"));
  }
}
