package io.caracal.api;

import java.util.Map;
import java.util.Objects;

/** An output a client asks for by name, with its per-output parameters. */
public record RequestedOutput(String name, Map<String, ParameterValue> parameters) {
  public RequestedOutput {
    Objects.requireNonNull(name, "name");
    parameters = Map.copyOf(parameters);
  }

  /** Returns a requested output without parameters. */
  public static RequestedOutput of(String name) {
    return new RequestedOutput(name, Map.of());
  }
}
