package io.caracal.core;

import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatus;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * An {@link InferenceService} that forwards every call to the next one in the chain; a decorator
 * extends it and overrides only the calls it adds to (as gRPC's {@code ForwardingServerCall} and
 * Armeria's {@code SimpleDecoratingService}). Thread-safe when the delegate is.
 */
public abstract class ForwardingInferenceService implements InferenceService {
  private final InferenceService delegate;

  /** Creates a decorator around {@code delegate}. */
  protected ForwardingInferenceService(InferenceService delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** Returns the next service in the chain. */
  protected final InferenceService delegate() {
    return delegate;
  }

  @Override
  public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
    return delegate.infer(request);
  }

  @Override
  public ModelMetadata metadata(String model, OptionalLong version) {
    return delegate.metadata(model, version);
  }

  @Override
  public boolean isModelReady(String model, OptionalLong version) {
    return delegate.isModelReady(model, version);
  }

  @Override
  public boolean isLive() {
    return delegate.isLive();
  }

  @Override
  public boolean isReady() {
    return delegate.isReady();
  }

  @Override
  public List<ModelStatus> index() {
    return delegate.index();
  }

  @Override
  public ModelConfigDocument modelConfig(String model, OptionalLong version) {
    return delegate.modelConfig(model, version);
  }

  @Override
  public List<ModelStatistics> statistics(String model, OptionalLong version) {
    return delegate.statistics(model, version);
  }

  @Override
  public CompletableFuture<Void> loadModel(String model) {
    return delegate.loadModel(model);
  }

  @Override
  public CompletableFuture<Void> unloadModel(String model) {
    return delegate.unloadModel(model);
  }
}
