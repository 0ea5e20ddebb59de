package io.caracal.api.backend;

import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import java.util.List;
import java.util.Map;

/**
 * One loaded copy of a model. {@link #infer} may be called concurrently from several execution
 * threads; it blocks for the length of the call and must never be called on an I/O thread.
 */
public interface ModelInstance extends AutoCloseable {

  /** Returns the inputs and outputs the model declares. */
  ModelSignature signature();

  /**
   * Runs the model.
   *
   * @param inputs every input the model needs, already validated against {@link #signature()}
   *     (datatype, rank, fixed dimensions, byte size)
   * @param outputs the names of the outputs to compute, in the order to return them
   * @return the outputs, in the order asked for
   * @throws BackendException when the runtime rejects the inputs or fails
   */
  List<NamedTensor> infer(List<NamedTensor> inputs, List<String> outputs) throws BackendException;

  /**
   * Runs the model for a batch formed from one or more requests, with each request's custom
   * parameters (the {@code parameters} protocol extension): {@code requestParameters} holds one map
   * per request, in the order the requests were concatenated along the batch dimension; parameters
   * the server itself interprets ({@code priority}, {@code timeout}, {@code sequence_*},
   * binary-data options) are not included. The default ignores them and calls {@link #infer(List,
   * List)}.
   */
  default List<NamedTensor> infer(
      List<NamedTensor> inputs,
      List<String> outputs,
      List<Map<String, ParameterValue>> requestParameters)
      throws BackendException {
    return infer(inputs, outputs);
  }

  /**
   * Runs the model like {@link #infer(List, List, List)}, with a signal that the result is no
   * longer wanted: when {@code cancellation} is cancelled while the call runs (every request of the
   * batch passed its deadline or its client went away), a backend that can stop its runtime does so
   * and throws {@link CallCancelledException}; the scheduler then answers nobody with it and does
   * not count it as a failure of the instance, which stays in service. The default ignores the
   * signal.
   */
  default List<NamedTensor> infer(
      List<NamedTensor> inputs,
      List<String> outputs,
      List<Map<String, ParameterValue>> requestParameters,
      Cancellation cancellation)
      throws BackendException {
    return infer(inputs, outputs, requestParameters);
  }

  /**
   * Whether a tensor returned by {@link #infer} may share memory with an input tensor it was given
   * (for example an identity model that hands its input back). True, the safe answer, by default. A
   * backend that always returns outputs in buffers of their own answers false, which lets the
   * scheduler reuse the buffers it assembles batched inputs in, once the call has returned.
   */
  default boolean outputsMayShareInputs() {
    return true;
  }

  /** Frees the instance's native resources. Called once, after the last {@link #infer} returned. */
  @Override
  void close();
}
