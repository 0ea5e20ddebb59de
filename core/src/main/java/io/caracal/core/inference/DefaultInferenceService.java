package io.caracal.core.inference;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelStatus;
import io.caracal.api.NamedTensor;
import io.caracal.api.TensorMetadata;
import io.caracal.api.backend.BackendException;
import io.caracal.core.InferenceService;
import io.caracal.core.lifecycle.LoadedModel;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.repository.ModelSpec.TensorSpec;
import io.caracal.core.repository.ModelNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link InferenceService} over a {@link ModelRegistry}: checks the model name, looks the
 * version up, validates the request ({@link RequestValidator}), applies {@code reshape} and fills
 * sequence controls, runs the call on the model's runner and returns the outputs in the model's
 * order with the request id echoed. Every failure completes the returned future with an {@link
 * InferenceException}; an unexpected throwable becomes {@code Internal} with a generic message and
 * is logged once with the request id. Thread-safe and non-blocking.
 */
public final class DefaultInferenceService implements InferenceService, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DefaultInferenceService.class);

  private final ModelRegistry registry;
  private final RequestValidator validator;
  private final TensorShaper shaper = new TensorShaper();
  private final ModelControlMode controlMode;
  private final boolean strictReadiness;
  private volatile boolean closed;
  // Graceful shutdown (see GracefulShutdown): draining = not ready; refusing = new requests fail.
  private volatile boolean draining;
  private volatile boolean refusing;
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.Set<CompletableFuture<InferenceResponse>> outstanding =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> idle = new CompletableFuture<>();

  /** Creates the service over a registry (loaded by the caller) with these request limits. */
  public DefaultInferenceService(ModelRegistry registry, RequestLimits limits) {
    this(registry, limits, ModelControlMode.NONE);
  }

  /**
   * Creates the service over a registry (loaded by the caller) with these request limits; {@code
   * controlMode} decides whether {@link #loadModel} and {@link #unloadModel} are allowed.
   */
  public DefaultInferenceService(ModelRegistry registry, RequestLimits limits, ModelControlMode controlMode) {
    this(registry, limits, controlMode, true);
  }

  /**
   * As {@link #DefaultInferenceService(ModelRegistry, RequestLimits, ModelControlMode)}; {@code
   * strictReadiness} false makes {@link #isReady} ignore the models' states (ready from start until
   * a shutdown begins), as Triton's {@code --strict-readiness=false}.
   */
  public DefaultInferenceService(
      ModelRegistry registry, RequestLimits limits, ModelControlMode controlMode, boolean strictReadiness) {
    this.registry = registry;
    this.validator = new RequestValidator(limits);
    this.controlMode = controlMode;
    this.strictReadiness = strictReadiness;
  }

  /**
   * {@inheritDoc} Every admitted request is counted until its future completes, so {@link
   * #stopAccepting()} can tell when the server is idle.
   */
  @Override
  public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
    inFlight.incrementAndGet(); // before the check: stopAccepting() then either sees it or it sees refusing
    if (refusing || closed) {
      leave();
      return CompletableFuture.failedFuture(InferenceException.of(new InferenceError.ShuttingDown()));
    }
    CompletableFuture<InferenceResponse> out;
    try {
      out = infer(request, 0).thenApply(java.util.function.Function.identity()); // cancelling it still withdraws the request
    } catch (RuntimeException e) {
      leave();
      throw e;
    }
    outstanding.add(out);
    out.whenComplete(
        (r, e) -> {
          outstanding.remove(out);
          leave();
        });
    return out;
  }

  private void leave() {
    if (inFlight.decrementAndGet() == 0 && refusing) {
      idle.complete(null);
    }
  }

  /**
   * First step of a graceful shutdown: {@link #isReady()} answers false from now on (liveness
   * stays true) while requests are still served, so load balancers stop sending traffic.
   */
  public void beginDrain() {
    draining = true;
  }

  /**
   * Second step: new requests (and load/unload calls) fail with {@code ShuttingDown}; admitted
   * ones, queued or running, go on. Returns a future that completes once none is left in flight.
   * Implies {@link #beginDrain()}.
   */
  public CompletableFuture<Void> stopAccepting() {
    draining = true;
    refusing = true;
    if (inFlight.get() == 0) {
      idle.complete(null);
    }
    return idle;
  }

  /** Returns the number of admitted requests whose response is not complete yet. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Last step, when the exit timeout passed: completes every request still in flight with {@code
   * ShuttingDown} (503 / UNAVAILABLE) and returns how many there were. The backend calls behind
   * them finish or fail on their own; their results are dropped.
   */
  public int failInFlight() {
    refusing = true;
    draining = true;
    int n = 0;
    for (CompletableFuture<InferenceResponse> f : List.copyOf(outstanding)) {
      if (f.completeExceptionally(InferenceException.of(new InferenceError.ShuttingDown()))) {
        n++;
      }
    }
    return n;
  }

  private CompletableFuture<InferenceResponse> infer(InferenceRequest request, int attempt) {
    try {
      if (closed) {
        throw InferenceException.of(new InferenceError.ShuttingDown());
      }
      checkName(request.modelName());
      LoadedModel model = registry.lookup(request.modelName(), request.version());
      ModelSpec config = model.config();
      RequestValidator.Plan plan = validator.validate(request, config);
      Map<String, Integer> classes = Classifier.requested(request.outputs());
      List<NamedTensor> inputs = shaper.inputs(request, config, plan);
      CompletableFuture<InferenceResponse> result =
          model.runner()
              .run(inputs, plan.outputs(), io.caracal.core.scheduler.RunOptions.of(request.parameters()))
              .handle(
                  (outputs, error) -> {
                    if (error != null) {
                      throw map(error, request, model);
                    }
                    return classify(response(request, model, plan, outputs), model.config(), classes);
                  });
      return retryIfReplaced(result, request, model, attempt);
    } catch (InferenceException e) {
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(internal(e, request));
    }
  }

  /*
   * A request that looked its model up just before a reload or unload swapped it out finds the old
   * runner closed (ShuttingDown). Unless the service itself is closing, it is looked up again: it
   * then runs on the new version, or fails with the model's current state. Reloads that follow each
   * other closely can replace the model again between the new lookup and the call, so this repeats
   * while the model keeps being replaced, up to MAX_REPLACED_RETRIES times (each retry needs a swap
   * that really happened, so the bound is only a guard).
   */
  private static final int MAX_REPLACED_RETRIES = 16;

  private CompletableFuture<InferenceResponse> retryIfReplaced(
      CompletableFuture<InferenceResponse> result, InferenceRequest request, LoadedModel model, int attempt) {
    if (attempt >= MAX_REPLACED_RETRIES) {
      return result;
    }
    return result.exceptionallyCompose(
        error -> {
          Throwable e = error;
          while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
          }
          if (!closed
              && e instanceof InferenceException ie
              && ie.error() instanceof InferenceError.ShuttingDown
              && registry.isReplaced(model)) {
            return infer(request, attempt + 1);
          }
          return CompletableFuture.failedFuture(error);
        });
  }

  private static InferenceResponse classify(InferenceResponse r, ModelSpec config, Map<String, Integer> classes) {
    if (classes.isEmpty()) {
      return r;
    }
    List<NamedTensor> outs = new ArrayList<>(r.outputs().size());
    for (NamedTensor t : r.outputs()) {
      Integer k = classes.get(t.name());
      if (k == null) {
        outs.add(t);
      } else {
        List<String> labels = config.output(t.name()).map(TensorSpec::labels).orElse(List.of());
        outs.add(new NamedTensor(t.name(), Classifier.classify(t.name(), t.tensor(), k, config.batches(), labels)));
      }
    }
    return new InferenceResponse(r.modelName(), r.modelVersion(), r.id(), outs, r.parameters());
  }

  private InferenceResponse response(
      InferenceRequest request, LoadedModel model, RequestValidator.Plan plan, List<NamedTensor> outputs) {
    if (outputs.size() != plan.outputs().size()) {
      throw new IllegalStateException("backend returned " + outputs.size() + " outputs for " + plan.outputs().size());
    }
    List<NamedTensor> shaped = new ArrayList<>(outputs.size());
    for (int i = 0; i < outputs.size(); i++) {
      NamedTensor out = outputs.get(i);
      if (!out.name().equals(plan.outputs().get(i))) {
        out = new NamedTensor(plan.outputs().get(i), out.tensor());
      }
      shaped.add(shaper.output(out, model.config(), plan));
    }
    return new InferenceResponse(model.id().name(), model.id().version(), request.id(), shaped, Map.of());
  }

  private static RuntimeException map(Throwable error, InferenceRequest request, LoadedModel model) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return switch (e) {
      case InferenceException ie -> ie;
      case BackendException be when be.isInvalidInput() ->
          InferenceException.invalid("", String.valueOf(be.getMessage()));
      case BackendException be ->
          InferenceException.of(new InferenceError.BackendFailure(model.id().name(), String.valueOf(be.getMessage())));
      case java.util.concurrent.CancellationException ce ->
          InferenceException.of(new InferenceError.Cancelled(model.id().name()));
      default -> internal(e, request);
    };
  }

  private static InferenceException internal(Throwable e, InferenceRequest request) {
    log.error("request {} for model '{}' failed unexpectedly",
        request.id().isEmpty() ? "<id_unknown>" : request.id(), ModelNames.printable(request.modelName()), e);
    return InferenceException.withStackTrace(
        new InferenceError.Internal("internal error while running model '" + ModelNames.printable(request.modelName()) + "'"));
  }

  @Override
  public ModelMetadata metadata(String model, OptionalLong version) {
    checkName(model);
    LoadedModel loaded = registry.lookup(model, version);
    ModelSpec config = loaded.config();
    List<String> versions = registry.readyVersions(model).stream().map(String::valueOf).toList();
    String platform = config.platform().isEmpty() ? config.backend() : config.platform();
    return new ModelMetadata(
        model, versions, platform, tensors(config.inputs(), config), tensors(config.outputs(), config));
  }

  private static List<TensorMetadata> tensors(List<TensorSpec> specs, ModelSpec config) {
    return specs.stream()
        .map(t -> new TensorMetadata(t.name(), t.dataType(), config.batches() ? t.dims().prepend(-1) : t.dims(), t.labels()))
        .toList();
  }

  @Override
  public boolean isModelReady(String model, OptionalLong version) {
    checkName(model);
    return registry.isReady(model, version);
  }

  @Override
  public boolean isLive() {
    return !closed;
  }

  @Override
  public boolean isReady() {
    return !closed && !draining && (!strictReadiness || registry.allReady());
  }

  @Override
  public List<ModelStatus> index() {
    return registry.index();
  }

  @Override
  public io.caracal.proto.inference.ModelConfig modelConfig(String model, OptionalLong version) {
    checkName(model);
    return registry.config(model, version);
  }

  /** {@inheritDoc} Blocks while the model loads: call it off I/O threads. */
  @Override
  public void loadModel(String model) {
    checkControl("load");
    checkName(model);
    registry.load(model);
  }

  /** {@inheritDoc} Blocks while in-flight requests finish: call it off I/O threads. */
  @Override
  public void unloadModel(String model) {
    checkControl("unload");
    checkName(model);
    registry.unload(model);
  }

  private void checkControl(String what) {
    if (closed || refusing) {
      throw InferenceException.of(new InferenceError.ShuttingDown());
    }
    if (controlMode != ModelControlMode.EXPLICIT) {
      throw InferenceException.of(
          new InferenceError.Unsupported(
              "explicit model " + what + " is not allowed if model control mode is '" + controlMode.name().toLowerCase(java.util.Locale.ROOT) + "' (start the server with --model-control-mode explicit)"));
    }
  }

  /**
   * {@inheritDoc} Versions that are not ready are left out; the counts come from each version's
   * scheduler ({@link io.caracal.core.scheduler.SchedulerStats}).
   */
  @Override
  public List<io.caracal.api.ModelStatistics> statistics(String model, OptionalLong version) {
    List<io.caracal.api.ModelStatistics> out = new ArrayList<>();
    if (model.isEmpty()) {
      for (ModelStatus s : registry.index()) {
        if (s.state() == io.caracal.api.ModelState.READY) {
          try {
            LoadedModel m = registry.lookup(s.name(), OptionalLong.of(s.version()));
            out.add(m.runner().stats().snapshot(m.id()));
          } catch (InferenceException e) {
            // unloaded or replaced since index(): left out
          }
        }
      }
      return out;
    }
    checkName(model);
    if (version.isPresent()) {
      LoadedModel m = registry.lookup(model, version);
      out.add(m.runner().stats().snapshot(m.id()));
      return out;
    }
    registry.isReady(model, version); // ModelNotFound for an unknown model
    for (long v : registry.readyVersions(model)) {
      LoadedModel m = registry.lookup(model, OptionalLong.of(v));
      out.add(m.runner().stats().snapshot(m.id()));
    }
    return out;
  }

  /** Stops taking requests and closes the registry (letting admitted calls finish). */
  @Override
  public void close() {
    closed = true;
    registry.close();
  }

  private static void checkName(String model) {
    Optional<String> problem = ModelNames.problem(model);
    if (problem.isPresent()) {
      throw InferenceException.invalid("model", problem.get());
    }
  }
}
