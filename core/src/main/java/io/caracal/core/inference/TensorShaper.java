package io.caracal.core.inference;

import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.repository.ModelSpec.SequenceControl;
import io.caracal.core.repository.ModelSpec.TensorSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Shapes tensors between the client's view and the backend's: applies {@code reshape} to inputs,
 * fills the sequence control inputs the client left out (a one-request sequence: START, READY and
 * END true, CORRID from the {@code sequence_id} request parameter, else 0), and turns reshaped
 * outputs back into the config's dims. Works on validated requests only. Stateless and thread-safe.
 */
final class TensorShaper {

  /** Returns the backend inputs for a validated request. */
  List<NamedTensor> inputs(InferenceRequest request, ModelSpec config, RequestValidator.Plan plan) {
    List<NamedTensor> out =
        new ArrayList<>(request.inputs().size() + config.sequenceControls().size());
    for (NamedTensor in : request.inputs()) {
      Optional<TensorSpec> spec = config.input(in.name());
      if (spec.isPresent() && spec.get().reshape().isPresent()) {
        Shape target =
            resolve(batched(spec.get().reshape().get(), config, plan), in.tensor().elementCount());
        out.add(new NamedTensor(in.name(), in.tensor().withShape(target)));
      } else {
        out.add(in);
      }
    }
    for (SequenceControl c : config.sequenceControls()) {
      if (request.inputs().stream().noneMatch(t -> t.name().equals(c.inputName()))) {
        out.add(new NamedTensor(c.inputName(), control(c, config, plan, request)));
      }
    }
    return out;
  }

  /** Returns a backend output as the client sees it (reshape undone). */
  NamedTensor output(NamedTensor out, ModelSpec config, RequestValidator.Plan plan) {
    Optional<TensorSpec> spec = config.output(out.name());
    if (spec.isEmpty() || spec.get().reshape().isEmpty()) {
      return out;
    }
    Shape target = batched(spec.get().dims(), config, plan);
    long count = out.tensor().elementCount();
    Shape resolved = resolve(target, count);
    return resolved.hasWildcard() || resolved.elementCount() != count
        ? out
        : new NamedTensor(out.name(), out.tensor().withShape(resolved));
  }

  private static Shape batched(Shape dims, ModelSpec config, RequestValidator.Plan plan) {
    return config.batches() ? dims.prepend(plan.batchSize()) : dims;
  }

  /** Replaces a single -1 with what the element count implies; leaves other shapes alone. */
  private static Shape resolve(Shape shape, long elements) {
    int wildcard = -1;
    long known = 1;
    for (int i = 0; i < shape.rank(); i++) {
      if (shape.dim(i) < 0) {
        if (wildcard >= 0) {
          return shape;
        }
        wildcard = i;
      } else {
        known = Math.multiplyExact(known, shape.dim(i));
      }
    }
    if (wildcard < 0) {
      return shape;
    }
    if (known == 0 || elements % known != 0) {
      return shape;
    }
    return shape.with(wildcard, elements / known);
  }

  private static Tensor control(
      SequenceControl c, ModelSpec config, RequestValidator.Plan plan, InferenceRequest request) {
    Shape shape = batched(c.dims(), config, plan);
    int n = Math.toIntExact(shape.elementCount());
    ByteBuffer buf =
        ByteBuffer.allocate(n * c.dataType().byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    long corrId = c.kind() == ModelSpec.ControlKind.CORRID ? sequenceId(request) : 0;
    for (int i = 0; i < n; i++) {
      double flag = c.trueValue();
      switch (c.dataType()) {
        case INT32, UINT32 ->
            buf.putInt(c.kind() == ModelSpec.ControlKind.CORRID ? (int) corrId : (int) flag);
        case INT64, UINT64 -> buf.putLong(corrId);
        case FP32 -> buf.putFloat((float) flag);
        case BOOL -> buf.put((byte) (flag != 0 ? 1 : 0));
        default -> throw new IllegalStateException("unsupported control type " + c.dataType());
      }
    }
    return Tensor.of(c.dataType(), shape, buf.flip());
  }

  private static long sequenceId(InferenceRequest request) {
    ParameterValue v = request.parameters().get("sequence_id");
    if (v == null) {
      return 0;
    }
    return switch (v) {
      case ParameterValue.Int i -> i.value();
      case ParameterValue.Str s -> {
        try {
          yield Long.parseUnsignedLong(s.value());
        } catch (NumberFormatException e) {
          throw InferenceException.invalid(
              "sequence_id", "parameter 'sequence_id' must be an unsigned integer");
        }
      }
      default ->
          throw InferenceException.invalid(
              "sequence_id", "parameter 'sequence_id' must be an unsigned integer");
    };
  }
}
