package io.caracal.core.repository;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelSignature;
import io.caracal.proto.inference.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The inputs and outputs a {@code config.pbtxt} lists, as a backend sees them ({@link
 * io.caracal.api.backend.ModelArtifact#declared()}): batch dimension first when {@code
 * max_batch_size > 0}, the {@code reshape} shape when one is given. The {@code sequence_batching}
 * control inputs follow the listed inputs, one value each, typed as their control says (as Triton's
 * PyTorch backend feeds them to the model). A tensor without a {@code data_type} is left out
 * (auto-complete then reports it). Stateless.
 */
public final class DeclaredSignature {
  private DeclaredSignature() {}

  /** Returns what {@code config} lists; empty lists when there is no config. */
  public static ModelSignature of(Optional<ModelConfig> config) {
    if (config.isEmpty()) {
      return new ModelSignature(List.of(), List.of());
    }
    ModelConfig c = config.get();
    boolean batched = c.getMaxBatchSize() > 0;
    List<IoSpec> inputs = new ArrayList<>();
    for (var in : c.getInputList()) {
      spec(
              in.getName(),
              in.getDataType(),
              in.hasReshape() ? in.getReshape().getShapeList() : in.getDimsList(),
              batched)
          .ifPresent(inputs::add);
    }
    for (var ci : c.getSequenceBatching().getControlInputList()) {
      if (ci.getControlCount() == 1) {
        spec(ci.getName(), controlType(ci.getControl(0)), List.of(1L), batched)
            .ifPresent(inputs::add);
      }
    }
    List<IoSpec> outputs = new ArrayList<>();
    for (var out : c.getOutputList()) {
      spec(
              out.getName(),
              out.getDataType(),
              out.hasReshape() ? out.getReshape().getShapeList() : out.getDimsList(),
              batched)
          .ifPresent(outputs::add);
    }
    return new ModelSignature(inputs, outputs);
  }

  private static io.caracal.proto.inference.DataType controlType(
      io.caracal.proto.inference.ModelSequenceBatching.Control c) {
    if (c.getKind()
        == io.caracal.proto.inference.ModelSequenceBatching.Control.Kind.CONTROL_SEQUENCE_CORRID) {
      return c.getDataType();
    }
    if (c.getInt32FalseTrueCount() == 2) {
      return io.caracal.proto.inference.DataType.TYPE_INT32;
    }
    if (c.getFp32FalseTrueCount() == 2) {
      return io.caracal.proto.inference.DataType.TYPE_FP32;
    }
    if (c.getBoolFalseTrueCount() == 2) {
      return io.caracal.proto.inference.DataType.TYPE_BOOL;
    }
    return io.caracal.proto.inference.DataType.TYPE_INVALID;
  }

  private static Optional<IoSpec> spec(
      String name, io.caracal.proto.inference.DataType type, List<Long> dims, boolean batched) {
    Optional<DataType> dataType = ConfigDataTypes.toApi(type);
    if (dataType.isEmpty()) {
      return Optional.empty();
    }
    long[] shape = new long[dims.size() + (batched ? 1 : 0)];
    int i = 0;
    if (batched) {
      shape[i++] = -1;
    }
    for (long d : dims) {
      shape[i++] = d;
    }
    return Optional.of(IoSpec.of(name, dataType.get(), Shape.of(shape)));
  }
}
