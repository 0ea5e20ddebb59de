package io.caracal.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to an {@link InferenceRequest}.
 *
 * @param modelName the model that ran
 * @param modelVersion the version that ran
 * @param id the request id, empty when the request had none
 * @param outputs the outputs, in the model's output order
 * @param parameters response parameters
 */
public record InferenceResponse(
    String modelName,
    long modelVersion,
    String id,
    List<NamedTensor> outputs,
    Map<String, ParameterValue> parameters) {

  public InferenceResponse {
    Objects.requireNonNull(modelName, "modelName");
    Objects.requireNonNull(id, "id");
    outputs = List.copyOf(outputs);
    parameters = Map.copyOf(parameters);
  }
}
