package io.caracal.client;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The answer to an inference request. */
public final class InferResult {
  private final String modelName;
  private final String modelVersion;
  private final String id;
  private final Map<String, Object> parameters;
  private final List<InferOutput> outputs;

  InferResult(
      String modelName,
      String modelVersion,
      String id,
      Map<String, Object> parameters,
      List<InferOutput> outputs) {
    this.modelName = modelName;
    this.modelVersion = modelVersion;
    this.id = id;
    this.parameters = Map.copyOf(parameters);
    this.outputs = List.copyOf(outputs);
  }

  public String modelName() {
    return modelName;
  }

  public String modelVersion() {
    return modelVersion;
  }

  /** Returns the request id the server echoed, if the request had one. */
  public Optional<String> id() {
    return Optional.ofNullable(id == null || id.isEmpty() ? null : id);
  }

  public Map<String, Object> parameters() {
    return parameters;
  }

  /** Returns the outputs in the order the server sent them. */
  public List<InferOutput> outputs() {
    return outputs;
  }

  /**
   * Returns the output with this name.
   *
   * @throws IllegalArgumentException if the result has no such output
   */
  public InferOutput output(String name) {
    for (InferOutput o : outputs) {
      if (o.name().equals(name)) {
        return o;
      }
    }
    throw new IllegalArgumentException(
        "no output '"
            + name
            + "' in the result; outputs: "
            + outputs.stream().map(InferOutput::name).toList());
  }

  @Override
  public String toString() {
    return "InferResult["
        + modelName
        + " v"
        + modelVersion
        + (id == null ? "" : " id " + id)
        + ", "
        + outputs
        + "]";
  }
}
