package io.caracal.api;

import java.util.List;
import java.util.Objects;

/**
 * A model's metadata as the V2 protocol returns it.
 *
 * @param name the model name
 * @param versions the versions that are ready, as decimal strings, oldest first
 * @param platform the platform, e.g. {@code onnxruntime_onnx}
 * @param inputs the inputs
 * @param outputs the outputs
 */
public record ModelMetadata(
    String name,
    List<String> versions,
    String platform,
    List<TensorMetadata> inputs,
    List<TensorMetadata> outputs) {
  public ModelMetadata {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(platform, "platform");
    versions = List.copyOf(versions);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }
}
