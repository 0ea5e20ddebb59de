package io.caracal.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One inference request as decoded by a transport.
 *
 * @param modelName the model to run
 * @param version the version, or empty for the server's choice (the latest ready version)
 * @param id the client's request id, echoed in the response; empty when none was given
 * @param inputs the inputs, in the order the client sent them
 * @param outputs the outputs the client asked for; empty means every output of the model
 * @param parameters request parameters
 * @param observer watches the request through core (access log, traces, metrics); {@link
 *     RequestObserver#NONE} when nobody does. Not part of what the request asks for: two requests
 *     that differ only in their observer ask the same.
 */
public record InferenceRequest(
    String modelName,
    OptionalLong version,
    String id,
    List<NamedTensor> inputs,
    List<RequestedOutput> outputs,
    Map<String, ParameterValue> parameters,
    RequestObserver observer) {

  /** A request nobody observes. */
  public InferenceRequest(
      String modelName,
      OptionalLong version,
      String id,
      List<NamedTensor> inputs,
      List<RequestedOutput> outputs,
      Map<String, ParameterValue> parameters) {
    this(modelName, version, id, inputs, outputs, parameters, RequestObserver.NONE);
  }

  public InferenceRequest {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(id, "id");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    parameters = Map.copyOf(parameters);
    Objects.requireNonNull(observer, "observer");
  }

  /** Equal when everything but the observer is equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof InferenceRequest r
        && modelName.equals(r.modelName)
        && version.equals(r.version)
        && id.equals(r.id)
        && inputs.equals(r.inputs)
        && outputs.equals(r.outputs)
        && parameters.equals(r.parameters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelName, version, id, inputs, outputs, parameters);
  }

  /** Returns this request watched by {@code observer} instead. */
  public InferenceRequest withObserver(RequestObserver observer) {
    return new InferenceRequest(modelName, version, id, inputs, outputs, parameters, observer);
  }
}
