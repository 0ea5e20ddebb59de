package io.caracal.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An inference request: the model (and optionally version), inputs, requested outputs, request id
 * and parameters, and per-call options (timeout; over HTTP, binary or JSON tensors).
 *
 * <pre>{@code
 * InferRequest req = InferRequest.builder("add_sub")
 *     .input(InferInput.int32("INPUT0", new long[] {1, 16}, a))
 *     .input(InferInput.int32("INPUT1", new long[] {1, 16}, b))
 *     .output("OUTPUT0")
 *     .id("42")
 *     .timeout(Duration.ofSeconds(2))
 *     .build();
 * }</pre>
 */
public final class InferRequest {
  private final String model;
  private final String version;
  private final String id;
  private final Map<String, Object> parameters;
  private final List<InferInput> inputs;
  private final List<InferRequestedOutput> outputs;
  private final Duration timeout;
  private final boolean binaryInputs;
  private final boolean binaryOutputs;

  private InferRequest(Builder b) {
    this.model = b.model;
    this.version = b.version;
    this.id = b.id;
    this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(b.parameters));
    this.inputs = List.copyOf(b.inputs);
    this.outputs = List.copyOf(b.outputs);
    this.timeout = b.timeout;
    this.binaryInputs = b.binaryInputs;
    this.binaryOutputs = b.binaryOutputs;
  }

  public static Builder builder(String model) {
    return new Builder(model);
  }

  public String model() {
    return model;
  }

  /** Returns the model version, or empty for the server's choice (the latest ready one). */
  public Optional<String> version() {
    return Optional.ofNullable(version);
  }

  public Optional<String> id() {
    return Optional.ofNullable(id);
  }

  public Map<String, Object> parameters() {
    return parameters;
  }

  public List<InferInput> inputs() {
    return inputs;
  }

  /** Returns the requested outputs; empty asks for every output of the model. */
  public List<InferRequestedOutput> outputs() {
    return outputs;
  }

  /** Returns this call's timeout, or empty for the client's default. */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** HTTP: whether inputs travel in the binary extension (default) or as JSON. */
  public boolean binaryInputs() {
    return binaryInputs;
  }

  /** HTTP: whether outputs are asked for in binary (default) or as JSON. */
  public boolean binaryOutputs() {
    return binaryOutputs;
  }

  /** Builds an {@link InferRequest}. */
  public static final class Builder {
    private final String model;
    private String version;
    private String id;
    private final Map<String, Object> parameters = new LinkedHashMap<>();
    private final List<InferInput> inputs = new ArrayList<>();
    private final List<InferRequestedOutput> outputs = new ArrayList<>();
    private Duration timeout;
    private boolean binaryInputs = true;
    private boolean binaryOutputs = true;

    private Builder(String model) {
      this.model = Objects.requireNonNull(model, "model");
    }

    public Builder version(String version) {
      this.version = version;
      return this;
    }

    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /** Adds a request parameter (String, Boolean, Integer, Long, Float or Double). */
    public Builder parameter(String key, Object value) {
      parameters.put(Objects.requireNonNull(key, "key"), Parameters.check(key, value));
      return this;
    }

    public Builder input(InferInput input) {
      inputs.add(Objects.requireNonNull(input, "input"));
      return this;
    }

    public Builder inputs(List<InferInput> more) {
      more.forEach(this::input);
      return this;
    }

    /** Asks for these outputs by name (default encoding). */
    public Builder output(String... names) {
      for (String n : names) {
        outputs.add(InferRequestedOutput.of(n));
      }
      return this;
    }

    public Builder output(InferRequestedOutput output) {
      outputs.add(Objects.requireNonNull(output, "output"));
      return this;
    }

    /** Sets this call's timeout (over gRPC, its deadline). */
    public Builder timeout(Duration timeout) {
      if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * HTTP: send inputs as JSON ({@code false}) instead of binary. FP16 and BF16 inputs, BYTES that
     * are not UTF-8 and floats that are NaN or infinite still travel binary, as JSON cannot carry
     * them.
     */
    public Builder binaryInputs(boolean binary) {
      this.binaryInputs = binary;
      return this;
    }

    /** HTTP: ask for outputs as JSON ({@code false}) instead of binary. */
    public Builder binaryOutputs(boolean binary) {
      this.binaryOutputs = binary;
      return this;
    }

    /** HTTP: JSON for inputs and outputs. */
    public Builder json() {
      return binaryInputs(false).binaryOutputs(false);
    }

    public InferRequest build() {
      return new InferRequest(this);
    }
  }
}
