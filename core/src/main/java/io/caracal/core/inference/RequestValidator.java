package io.caracal.core.inference;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.NamedTensor;
import io.caracal.api.RequestedOutput;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.repository.ModelSpec.SequenceControl;
import io.caracal.core.repository.ModelSpec.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks a request against a model's config before anything is allocated or run. Each violation is
 * an {@link InferenceException} carrying {@code InvalidInput} (or {@code RequestTooLarge} for a
 * size limit) whose message uses Triton's wording, names the input or output, and starts with
 * {@code [request id: <id>] } when the request has an id. Sequence control inputs may be sent by
 * the client (they are then checked like optional inputs) or left to the server. Stateless and
 * thread-safe.
 */
public final class RequestValidator {
  private final RequestLimits limits;

  /** Creates a validator with these limits. */
  public RequestValidator(RequestLimits limits) {
    this.limits = limits;
  }

  /**
   * What a valid request needs next.
   *
   * @param batchSize the request's batch size; 0 for a model that does not batch
   * @param outputs the outputs to compute, in the model's order
   */
  public record Plan(int batchSize, List<String> outputs) {
    public Plan {
      outputs = List.copyOf(outputs);
    }
  }

  /** Checks the request; returns the plan. */
  public Plan validate(InferenceRequest request, ModelSpec config) {
    String prefix = request.id().isEmpty() ? "" : "[request id: " + request.id() + "] ";
    String model = config.name();
    if (request.inputs().size() > limits.maxInputs()) {
      throw InferenceException.of(
          new InferenceError.RequestTooLarge(
              prefix
                  + "request has "
                  + request.inputs().size()
                  + " inputs, more than the limit of "
                  + limits.maxInputs()));
    }
    Map<String, TensorSpec> specs = new HashMap<>();
    for (TensorSpec t : config.inputs()) {
      specs.put(t.name(), t);
    }
    for (SequenceControl c : config.sequenceControls()) {
      specs.put(
          c.inputName(),
          new TensorSpec(c.inputName(), c.dataType(), c.dims(), Optional.empty(), true, List.of()));
    }
    Set<String> given = new HashSet<>();
    List<String> givenOrder = new ArrayList<>();
    long batch = -1;
    for (NamedTensor input : request.inputs()) {
      String name = input.name();
      TensorSpec spec = specs.get(name);
      if (spec == null) {
        throw invalid(
            name, prefix + "unexpected inference input '" + name + "' for model '" + model + "'");
      }
      if (!given.add(name)) {
        throw invalid(name, prefix + "input '" + name + "' already exists in request");
      }
      givenOrder.add(name);
      Tensor t = input.tensor();
      if (t.dataType() != spec.dataType()) {
        throw invalid(
            name,
            prefix
                + "inference input '"
                + name
                + "' data-type is '"
                + t.dataType().wireName()
                + "', but model '"
                + model
                + "' expects '"
                + spec.dataType().wireName()
                + "'");
      }
      Shape shape = t.shape();
      if (shape.rank() > limits.maxRank()) {
        throw invalid(
            name,
            prefix
                + "input '"
                + name
                + "' has rank "
                + shape.rank()
                + ", more than the limit of "
                + limits.maxRank());
      }
      if (shape.hasWildcard()) {
        throw invalid(
            name,
            prefix
                + "All input dimensions should be specified for input '"
                + name
                + "' for model '"
                + model
                + "', got "
                + shape);
      }
      Shape expected = config.batches() ? spec.dims().prepend(-1) : spec.dims();
      if (!shape.matches(expected)) {
        String note =
            config.batches()
                ? " NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be prepended to each input shape."
                : "";
        throw invalid(
            name,
            prefix
                + "unexpected shape for input '"
                + name
                + "' for model '"
                + model
                + "'. Expected "
                + expected
                + ", got "
                + shape
                + "."
                + note);
      }
      if (config.batches()) {
        long b = shape.dim(0);
        if (b > config.maxBatchSize()) {
          throw invalid(
              name,
              prefix
                  + "input '"
                  + name
                  + "' has batch-size "
                  + b
                  + ", but inference request batch-size must be <= "
                  + config.maxBatchSize()
                  + " for '"
                  + model
                  + "'");
        }
        if (b < 1) {
          throw invalid(
              name,
              prefix
                  + "input '"
                  + name
                  + "' has batch-size 0, but inference request batch-size must be >= 1 for '"
                  + model
                  + "'");
        }
        if (batch >= 0 && b != batch) {
          throw invalid(
              name,
              prefix
                  + "input '"
                  + name
                  + "' batch size does not match other inputs for '"
                  + model
                  + "'");
        }
        batch = b;
      }
      checkSize(prefix, model, name, t);
    }
    List<String> missing = new ArrayList<>();
    int required = 0;
    int optional = 0;
    for (TensorSpec spec : config.inputs()) {
      if (spec.optional()) {
        optional++;
      } else {
        required++;
        if (!given.contains(spec.name())) {
          missing.add(spec.name());
        }
      }
    }
    if (!missing.isEmpty()) {
      String expected =
          optional == 0
              ? Integer.toString(required)
              : "between " + required + " and " + (required + optional);
      throw invalid(
          missing.get(0),
          prefix
              + "expected "
              + expected
              + " inputs but got "
              + request.inputs().size()
              + " inputs for model '"
              + model
              + "'. Got input(s) "
              + quoted(givenOrder)
              + ", but missing required input(s) "
              + quoted(missing)
              + ". Please provide all required input(s).");
    }
    return new Plan(
        config.batches() ? (int) Math.max(batch, 1) : 0, outputs(prefix, request, config));
  }

  private void checkSize(String prefix, String model, String name, Tensor t) {
    long elements;
    try {
      elements = t.shape().elementCount();
    } catch (ArithmeticException e) {
      throw invalid(
          name, prefix + "input '" + name + "' shape " + t.shape() + " has too many elements");
    }
    if (elements > limits.maxElementsPerTensor()) {
      throw InferenceException.of(
          new InferenceError.RequestTooLarge(
              prefix
                  + "input '"
                  + name
                  + "' has "
                  + elements
                  + " elements, more than the limit of "
                  + limits.maxElementsPerTensor()));
    }
    if (t.dataType().isFixedSize()) {
      long expected;
      try {
        expected = Math.multiplyExact(elements, t.dataType().byteSize());
      } catch (ArithmeticException e) {
        throw invalid(
            name, prefix + "input '" + name + "' shape " + t.shape() + " has too many bytes");
      }
      if (expected != t.byteSize()) {
        throw invalid(
            name,
            prefix
                + "input byte size mismatch for input '"
                + name
                + "' for model '"
                + model
                + "'. Expected "
                + expected
                + ", got "
                + t.byteSize());
      }
      return;
    }
    ByteBuffer b = t.data().order(ByteOrder.LITTLE_ENDIAN);
    long count = 0;
    while (b.hasRemaining()) {
      if (b.remaining() < 4) {
        throw invalid(
            name,
            prefix
                + "input '"
                + name
                + "' BYTES data is not a sequence of length-prefixed elements");
      }
      long len = Integer.toUnsignedLong(b.getInt());
      if (len > limits.maxBytesElement()) {
        throw InferenceException.of(
            new InferenceError.RequestTooLarge(
                prefix
                    + "input '"
                    + name
                    + "' has a BYTES element of "
                    + len
                    + " bytes, more than the limit of "
                    + limits.maxBytesElement()));
      }
      if (len > b.remaining()) {
        throw invalid(
            name,
            prefix
                + "input '"
                + name
                + "' BYTES data is not a sequence of length-prefixed elements");
      }
      b.position(b.position() + (int) len);
      count++;
    }
    if (count != elements) {
      throw invalid(
          name,
          prefix
              + "expected "
              + elements
              + " string elements for inference input '"
              + name
              + "' for model '"
              + model
              + "', got "
              + count);
    }
  }

  private static List<String> outputs(String prefix, InferenceRequest request, ModelSpec config) {
    if (request.outputs().isEmpty()) {
      return config.outputs().stream().map(TensorSpec::name).toList();
    }
    Set<String> asked = new HashSet<>();
    for (RequestedOutput o : request.outputs()) {
      if (config.output(o.name()).isEmpty()) {
        throw invalid(
            o.name(),
            prefix
                + "unexpected inference output '"
                + o.name()
                + "' for model '"
                + config.name()
                + "'");
      }
      if (!asked.add(o.name())) {
        throw invalid(o.name(), prefix + "output '" + o.name() + "' already exists in request");
      }
    }
    return config.outputs().stream().map(TensorSpec::name).filter(asked::contains).toList();
  }

  private static String quoted(List<String> names) {
    return names.stream().map(n -> "'" + n + "'").collect(Collectors.joining(",", "[", "]"));
  }

  private static InferenceException invalid(String field, String message) {
    return InferenceException.invalid(field, message);
  }
}
