package io.caracal.core;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatus;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * What transports call: inference, the model reads, and repository control. Every method is
 * thread-safe and none blocks, so each may be called from an I/O thread.
 *
 * <p>The service is a chain: one core pipeline ({@code
 * io.caracal.core.inference.InferencePipeline}) wrapped by small decorators, each a {@link
 * ForwardingInferenceService} that overrides only what it adds (admission while draining,
 * repository control, and the cache, metrics, tracing and authorization layers). {@link
 * InferenceServiceChain} builds it; {@code docs/design.md} draws it.
 */
public interface InferenceService {

  /**
   * Validates the request against the model and runs it. Never throws: every failure completes the
   * returned future with an {@link InferenceException}. Cancelling the future withdraws the request
   * if it has not started.
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
   * Returns the completed configuration of the model version (the given one, or the latest ready):
   * what {@code config.pbtxt} said, completed from the model.
   *
   * @throws InferenceException {@code ModelNotFound} or {@code ModelNotReady}
   */
  default ModelConfigDocument modelConfig(String model, OptionalLong version) {
    throw InferenceException.of(
        new InferenceError.Unsupported("model configuration is not available"));
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
   * Loads, or reloads, a model from the repository. The future completes when the model is ready,
   * or fails with an {@link InferenceException}: {@code Unsupported} when the control mode forbids
   * it, {@code InvalidInput} for a bad name, {@code ModelNotReady} (with the reason) when loading
   * failed, {@code TooManyCalls} when too many repository calls are in progress.
   */
  default CompletableFuture<Void> loadModel(String model) {
    return CompletableFuture.failedFuture(
        InferenceException.of(new InferenceError.Unsupported("model loading is not enabled")));
  }

  /**
   * Unloads every version of a model once their in-flight requests finished. The future fails as
   * {@link #loadModel}'s does, or with {@code ModelNotFound} for an unknown model.
   */
  default CompletableFuture<Void> unloadModel(String model) {
    return CompletableFuture.failedFuture(
        InferenceException.of(new InferenceError.Unsupported("model unloading is not enabled")));
  }
}
