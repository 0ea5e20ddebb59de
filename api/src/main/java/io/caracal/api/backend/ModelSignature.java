package io.caracal.api.backend;

import java.util.List;
import java.util.Optional;

/** The inputs and outputs a loaded model declares, in the model's order. */
public record ModelSignature(List<IoSpec> inputs, List<IoSpec> outputs) {
  public ModelSignature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** Returns the input with this name. */
  public Optional<IoSpec> input(String name) {
    return inputs.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** Returns the output with this name. */
  public Optional<IoSpec> output(String name) {
    return outputs.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
