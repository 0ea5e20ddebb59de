package io.caracal.bench.faulty;

import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.Cancellation;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelSignature;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A model instance that fails calls {@code every}, {@code 2 * every}, ... of its own (counted over
 * every {@code infer} variant) with an {@link InjectedFault}, and hands every other call to the
 * instance it wraps. {@code every == 0}: never fails.
 */
final class FaultInjectingInstance implements ModelInstance {
  private final ModelInstance delegate;
  private final long every;
  private final AtomicLong calls = new AtomicLong();

  FaultInjectingInstance(ModelInstance delegate, long every) {
    if (every < 0) {
      throw new IllegalArgumentException("every < 0: " + every);
    }
    this.delegate = delegate;
    this.every = every;
  }

  /** The failure injected into a call. */
  static final class InjectedFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedFault(long call) {
      super("injected fault: call " + call + " of this instance");
    }
  }

  @Override
  public ModelSignature signature() {
    return delegate.signature();
  }

  @Override
  public List<NamedTensor> infer(List<NamedTensor> inputs, List<String> outputs)
      throws BackendException {
    count();
    return delegate.infer(inputs, outputs);
  }

  @Override
  public List<NamedTensor> infer(
      List<NamedTensor> inputs,
      List<String> outputs,
      List<Map<String, ParameterValue>> requestParameters)
      throws BackendException {
    count();
    return delegate.infer(inputs, outputs, requestParameters);
  }

  @Override
  public List<NamedTensor> infer(
      List<NamedTensor> inputs,
      List<String> outputs,
      List<Map<String, ParameterValue>> requestParameters,
      Cancellation cancellation)
      throws BackendException {
    count();
    return delegate.infer(inputs, outputs, requestParameters, cancellation);
  }

  @Override
  public boolean outputsMayShareInputs() {
    return delegate.outputsMayShareInputs();
  }

  @Override
  public void close() {
    delegate.close();
  }

  private void count() {
    long call = calls.incrementAndGet();
    if (every > 0 && call % every == 0) {
      throw new InjectedFault(call);
    }
  }
}
