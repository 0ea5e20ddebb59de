package io.caracal.api.backend;

import io.caracal.api.NamedTensor;
import java.util.List;

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

  /** Frees the instance's native resources. Called once, after the last {@link #infer} returned. */
  @Override
  void close();
}
