package io.caracal.core.inference;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatus;
import io.caracal.api.NamedTensor;
import io.caracal.api.TensorMetadata;
import io.caracal.api.backend.BackendException;
import io.caracal.core.InferenceService;
import io.caracal.core.ModelConfigDocument;
import io.caracal.core.ModelRef;
import io.caracal.core.lifecycle.LoadedModel;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.repository.ModelSpec.TensorSpec;
import io.caracal.core.scheduler.RunOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * The core of the {@link InferenceService} chain, over a {@link ModelRegistry}: looks the model
 * version up, validates the request ({@link RequestValidator}), applies {@code reshape} and fills
 * sequence controls ({@link TensorShaper}), runs the call on the model's scheduler and returns the
 * outputs in the model's order with the request id echoed, classified when asked. It also answers
 * the model reads (metadata, readiness, index, configuration, statistics). Admission while draining
 * and repository control are decorators around it ({@code DrainingAdmission}, {@code
 * ModelControl}), as are the cache, metrics and authorization layers.
 *
 * <p>{@link #infer} never throws: every failure completes the future with an {@link
 * InferenceException}; a backend's failure becomes {@code BackendFailure} and anything unexpected
 * {@code Internal}, each with a correlation id and the original failure as the cause, which the
 * transport logs once. Thread-safe and non-blocking.
 */
public final class InferencePipeline implements InferenceService, AutoCloseable {

  /*
   * A request that looked its model up just before a reload or unload swapped it out finds the old
   * runner closed (ShuttingDown). Unless the pipeline itself is closing, it is looked up again: it
   * then runs on the new version, or fails with the model's current state. Reloads that follow each
   * other closely can replace the model again between the new lookup and the call, so this repeats
   * while the model keeps being replaced, up to MAX_REPLACED_RETRIES times (each retry needs a swap
   * that really happened, so the bound is only a guard).
   */
  private static final int MAX_REPLACED_RETRIES = 16;

  private final ModelRegistry registry;
  private final RequestValidator validator;
  private final TensorShaper shaper = new TensorShaper();
  private final boolean strictReadiness;
  private volatile boolean closed;

  /**
   * Creates the pipeline over a registry (loaded by the caller) with these request limits; {@code
   * strictReadiness} false makes {@link #isReady} ignore the models' states, as Triton's {@code
   * --strict-readiness=false}.
   */
  public InferencePipeline(ModelRegistry registry, RequestLimits limits, boolean strictReadiness) {
    this.registry = registry;
    this.validator = new RequestValidator(limits);
    this.strictReadiness = strictReadiness;
  }

  /** Creates a pipeline with strict readiness. */
  public InferencePipeline(ModelRegistry registry, RequestLimits limits) {
    this(registry, limits, true);
  }

  @Override
  public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
    // A dependent stage, so that cancelling what the caller holds still withdraws the request.
    return infer(request, 0).thenApply(r -> r);
  }

  private CompletableFuture<InferenceResponse> infer(InferenceRequest request, int attempt) {
    try {
      if (closed) {
        throw InferenceException.of(new InferenceError.ShuttingDown());
      }
      ModelRef.name(request.modelName());
      LoadedModel model = registry.lookup(request.modelName(), request.version());
      request.observer().resolved(model.id().name(), model.id().version());
      ModelSpec spec = model.config();
      RequestValidator.Plan plan = validator.validate(request, spec);
      Map<String, Integer> classes = Classifier.requested(request.outputs());
      List<NamedTensor> inputs = shaper.inputs(request, spec, plan);
      CompletableFuture<InferenceResponse> result =
          model
              .runner()
              .run(
                  inputs,
                  plan.outputs(),
                  RunOptions.of(request.parameters()).withObserver(request.observer()))
              .handle((outputs, error) -> {
                if (error != null) {
                  throw failure(error, model);
                }
                return classify(response(request, model, plan, outputs), spec, classes);
              });
      return attempt >= MAX_REPLACED_RETRIES
          ? result
          : retryIfReplaced(result, request, model, attempt);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(InferenceException.from(e));
    }
  }

  private CompletableFuture<InferenceResponse> retryIfReplaced(
      CompletableFuture<InferenceResponse> result,
      InferenceRequest request,
      LoadedModel model,
      int attempt) {
    return result.exceptionallyCompose(error -> {
      if (!closed
          && InferenceException.unwrap(error) instanceof InferenceException ie
          && ie.error() instanceof InferenceError.ShuttingDown
          && registry.isReplaced(model)) {
        return infer(request, attempt + 1);
      }
      return CompletableFuture.failedFuture(error);
    });
  }

  private static InferenceException failure(Throwable error, LoadedModel model) {
    return switch (InferenceException.unwrap(error)) {
      case InferenceException ie -> ie;
      case BackendException be when be.isInvalidInput() ->
          InferenceException.invalid("", String.valueOf(be.getMessage()));
      case BackendException be -> InferenceException.backendFailure(model.id().name(), be);
      case CancellationException ce ->
          InferenceException.of(new InferenceError.Cancelled(model.id().name()));
      case Throwable t -> InferenceException.internal(t);
    };
  }

  private static InferenceResponse classify(
      InferenceResponse r, ModelSpec spec, Map<String, Integer> classes) {
    if (classes.isEmpty()) {
      return r;
    }
    List<NamedTensor> outs = new ArrayList<>(r.outputs().size());
    for (NamedTensor t : r.outputs()) {
      Integer k = classes.get(t.name());
      if (k == null) {
        outs.add(t);
      } else {
        List<String> labels = spec.output(t.name()).map(TensorSpec::labels).orElse(List.of());
        outs.add(
            new NamedTensor(
                t.name(), Classifier.classify(t.name(), t.tensor(), k, spec.batches(), labels)));
      }
    }
    return new InferenceResponse(r.modelName(), r.modelVersion(), r.id(), outs, r.parameters());
  }

  private InferenceResponse response(
      InferenceRequest request,
      LoadedModel model,
      RequestValidator.Plan plan,
      List<NamedTensor> outputs) {
    if (outputs.size() != plan.outputs().size()) {
      throw new IllegalStateException(
          "backend returned " + outputs.size() + " outputs for " + plan.outputs().size());
    }
    List<NamedTensor> shaped = new ArrayList<>(outputs.size());
    for (int i = 0; i < outputs.size(); i++) {
      NamedTensor out = outputs.get(i);
      if (!out.name().equals(plan.outputs().get(i))) {
        out = new NamedTensor(plan.outputs().get(i), out.tensor());
      }
      shaped.add(shaper.output(out, model.config(), plan));
    }
    return new InferenceResponse(
        model.id().name(), model.id().version(), request.id(), shaped, Map.of());
  }

  @Override
  public ModelMetadata metadata(String model, OptionalLong version) {
    ModelRef.name(model);
    ModelSpec spec = registry.lookup(model, version).config();
    List<String> versions = registry.readyVersions(model).stream().map(String::valueOf).toList();
    String platform = spec.platform().isEmpty() ? spec.backend() : spec.platform();
    return new ModelMetadata(
        model, versions, platform, tensors(spec.inputs(), spec), tensors(spec.outputs(), spec));
  }

  private static List<TensorMetadata> tensors(List<TensorSpec> specs, ModelSpec spec) {
    return specs.stream()
        .map(t ->
            new TensorMetadata(
                t.name(),
                t.dataType(),
                spec.batches() ? t.dims().prepend(-1) : t.dims(),
                t.labels()))
        .toList();
  }

  @Override
  public boolean isModelReady(String model, OptionalLong version) {
    ModelRef.name(model);
    return registry.isReady(model, version);
  }

  @Override
  public boolean isLive() {
    return !closed;
  }

  @Override
  public boolean isReady() {
    return !closed && (!strictReadiness || registry.allReady());
  }

  @Override
  public List<ModelStatus> index() {
    return registry.index();
  }

  @Override
  public ModelConfigDocument modelConfig(String model, OptionalLong version) {
    ModelRef.name(model);
    return ModelConfigDocument.of(registry.config(model, version).toByteArray());
  }

  /**
   * {@inheritDoc} Versions that are not ready are left out; the counts come from each version's
   * scheduler ({@link io.caracal.core.scheduler.SchedulerStats}).
   */
  @Override
  public List<ModelStatistics> statistics(String model, OptionalLong version) {
    List<ModelStatistics> out = new ArrayList<>();
    if (model.isEmpty()) {
      for (ModelStatus s : registry.index()) {
        if (s.state() == ModelState.READY) {
          try {
            out.add(snapshot(registry.lookup(s.name(), OptionalLong.of(s.version()))));
          } catch (InferenceException e) {
            // unloaded or replaced since index(): left out
          }
        }
      }
      return out;
    }
    ModelRef.name(model);
    if (version.isPresent()) {
      out.add(snapshot(registry.lookup(model, version)));
      return out;
    }
    registry.isReady(model, version); // ModelNotFound for an unknown model
    for (long v : registry.readyVersions(model)) {
      out.add(snapshot(registry.lookup(model, OptionalLong.of(v))));
    }
    return out;
  }

  private static ModelStatistics snapshot(LoadedModel m) {
    return m.runner().stats().snapshot(m.id());
  }

  /** Stops taking requests and closes the registry (letting admitted calls finish). */
  @Override
  public void close() {
    closed = true;
    registry.close();
  }
}
