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
 */
public record InferenceRequest(
    String modelName,
    OptionalLong version,
    String id,
    List<NamedTensor> inputs,
    List<RequestedOutput> outputs,
    Map<String, ParameterValue> parameters) {

  public InferenceRequest {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(id, "id");
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    parameters = Map.copyOf(parameters);
  }
}
