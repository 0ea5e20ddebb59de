package io.caracal.core.inference;

import io.caracal.api.InferenceException;
import io.caracal.core.ForwardingInferenceService;
import io.caracal.core.InferenceServiceChain;
import io.caracal.core.lifecycle.DrainingAdmission;
import io.caracal.core.lifecycle.ModelControl;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.core.lifecycle.ModelRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The service chain as the server wires it (pipeline, repository control, draining admission), over
 * a test's registry, with blocking shortcuts for repository calls.
 */
public final class ServiceUnderTest extends ForwardingInferenceService implements AutoCloseable {
  private final InferencePipeline pipeline;
  private final DrainingAdmission admission;
  private final ExecutorService control;

  private ServiceUnderTest(
      InferencePipeline pipeline, DrainingAdmission admission, ExecutorService control) {
    super(admission);
    this.pipeline = pipeline;
    this.admission = admission;
    this.control = control;
  }

  /** Returns the chain over {@code registry}. */
  public static ServiceUnderTest of(
      ModelRegistry registry,
      RequestLimits limits,
      ModelControlMode mode,
      boolean strictReadiness) {
    InferencePipeline pipeline = new InferencePipeline(registry, limits, strictReadiness);
    ExecutorService control =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("test-control-", 0).factory());
    DrainingAdmission admission =
        new DrainingAdmission(
            InferenceServiceChain.of(pipeline)
                .decorate(
                    s -> new ModelControl(s, registry, mode, control, ModelControl.DEFAULT_LIMIT))
                .build());
    return new ServiceUnderTest(pipeline, admission, control);
  }

  /** Returns the chain with strict readiness. */
  public static ServiceUnderTest of(
      ModelRegistry registry, RequestLimits limits, ModelControlMode mode) {
    return of(registry, limits, mode, true);
  }

  /** Returns the chain in {@code none} control mode. */
  public static ServiceUnderTest of(ModelRegistry registry, RequestLimits limits) {
    return of(registry, limits, ModelControlMode.NONE, true);
  }

  /** Loads and waits; throws the call's {@link InferenceException}. */
  public void load(String model) {
    join(loadModel(model));
  }

  /** Unloads and waits; throws the call's {@link InferenceException}. */
  public void unload(String model) {
    join(unloadModel(model));
  }

  private static void join(CompletableFuture<Void> f) {
    try {
      f.join();
    } catch (RuntimeException e) {
      throw InferenceException.from(e);
    }
  }

  /** See {@link DrainingAdmission#beginDrain()}. */
  public void beginDrain() {
    admission.beginDrain();
  }

  /** See {@link DrainingAdmission#stopAccepting()}. */
  public CompletableFuture<Void> stopAccepting() {
    return admission.stopAccepting();
  }

  /** See {@link DrainingAdmission#inFlight()}. */
  public int inFlight() {
    return admission.inFlight();
  }

  /** See {@link DrainingAdmission#failInFlight()}. */
  public int failInFlight() {
    return admission.failInFlight();
  }

  @Override
  public void close() {
    pipeline.close();
    control.shutdown();
  }
}
