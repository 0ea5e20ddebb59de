package io.caracal.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An output the request asks for, by name, with optional output parameters. Over HTTP, {@link
 * #binary(boolean)} overrides the request's default encoding for this output.
 */
public final class InferRequestedOutput {
  private final String name;
  private final Boolean binary;
  private final Map<String, Object> parameters;

  private InferRequestedOutput(String name, Boolean binary, Map<String, Object> parameters) {
    this.name = Objects.requireNonNull(name, "name");
    this.binary = binary;
    this.parameters = parameters;
  }

  public static InferRequestedOutput of(String name) {
    return new InferRequestedOutput(name, null, Map.of());
  }

  /** Returns a copy that asks for this output in binary ({@code true}) or JSON (HTTP only). */
  public InferRequestedOutput binary(boolean binary) {
    return new InferRequestedOutput(name, binary, parameters);
  }

  /**
   * Returns a copy that asks for the top {@code k} classes instead of the tensor (extension {@code
   * classification}).
   */
  public InferRequestedOutput classification(int k) {
    return withParameter("classification", (long) k);
  }

  /**
   * Returns a copy with one more output parameter (String, Boolean, Integer, Long, Float or
   * Double).
   */
  public InferRequestedOutput withParameter(String key, Object value) {
    Map<String, Object> p = new LinkedHashMap<>(parameters);
    p.put(Objects.requireNonNull(key, "key"), Parameters.check(key, value));
    return new InferRequestedOutput(name, binary, Collections.unmodifiableMap(p));
  }

  public String name() {
    return name;
  }

  /** Returns this output's own encoding choice, if it has one. */
  public Optional<Boolean> binary() {
    return Optional.ofNullable(binary);
  }

  public Map<String, Object> parameters() {
    return parameters;
  }
}
