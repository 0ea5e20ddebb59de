package io.caracal.core.repository;

import io.caracal.api.DataType;
import io.caracal.core.repository.ModelSpec.TensorSpec;
import io.caracal.core.repository.ModelSpec.VersionPolicy;
import io.caracal.proto.inference.ModelInput;
import io.caracal.proto.inference.ModelInstanceGroup;
import io.caracal.proto.inference.ModelOutput;
import io.caracal.proto.inference.ModelTensorReshape;
import io.caracal.proto.inference.ModelVersionPolicy;
import java.util.Optional;

/**
 * Builds the configuration a client sees (Triton's {@code model_configuration} extension): the
 * parsed {@code config.pbtxt} with what auto-complete filled in. Fields Caracal completes (name,
 * platform, backend, max_batch_size, inputs and outputs, version_policy, instance_group,
 * default_model_filename) come from the completed {@link ModelSpec}; per-tensor fields it does not
 * model (format, label_filename, ...) and every other block (dynamic_batching, parameters,
 * sequence_batching, ...) are kept as parsed, with an empty {@code dynamic_batching} block when
 * auto-complete enabled the dynamic batcher. Stateless and thread-safe.
 */
public final class ConfigRenderer {
  private ConfigRenderer() {}

  /** Returns the completed config as Triton's ModelSpec message. */
  public static io.caracal.proto.inference.ModelConfig render(
      Optional<io.caracal.proto.inference.ModelConfig> parsed, ModelSpec completed) {
    io.caracal.proto.inference.ModelConfig base =
        parsed.orElse(io.caracal.proto.inference.ModelConfig.getDefaultInstance());
    io.caracal.proto.inference.ModelConfig.Builder b = base.toBuilder();
    b.setName(completed.name())
        .setPlatform(completed.platform())
        .setBackend(completed.backend())
        .setMaxBatchSize(completed.maxBatchSize())
        .setDefaultModelFilename(completed.defaultModelFilename());
    b.clearInput();
    for (TensorSpec t : completed.inputs()) {
      ModelInput.Builder in =
          base.getInputList().stream()
              .filter(i -> i.getName().equals(t.name()))
              .findFirst()
              .map(ModelInput::toBuilder)
              .orElseGet(ModelInput::newBuilder);
      in.setName(t.name())
          .setDataType(dataType(t.dataType()))
          .clearDims()
          .addAllDims(longs(t.dims()));
      t.reshape()
          .ifPresentOrElse(
              r -> in.setReshape(ModelTensorReshape.newBuilder().addAllShape(longs(r))),
              in::clearReshape);
      in.setOptional(t.optional());
      b.addInput(in);
    }
    b.clearOutput();
    for (TensorSpec t : completed.outputs()) {
      ModelOutput.Builder out =
          base.getOutputList().stream()
              .filter(o -> o.getName().equals(t.name()))
              .findFirst()
              .map(ModelOutput::toBuilder)
              .orElseGet(ModelOutput::newBuilder);
      out.setName(t.name())
          .setDataType(dataType(t.dataType()))
          .clearDims()
          .addAllDims(longs(t.dims()));
      t.reshape()
          .ifPresentOrElse(
              r -> out.setReshape(ModelTensorReshape.newBuilder().addAllShape(longs(r))),
              out::clearReshape);
      b.addOutput(out);
    }
    b.setVersionPolicy(versionPolicy(completed.versionPolicy()));
    if (completed.dynamicBatching().isPresent() && !base.hasDynamicBatching()) {
      // enabled by auto-complete (a batching model without a scheduler): Triton shows the block
      b.setDynamicBatching(io.caracal.proto.inference.ModelDynamicBatching.getDefaultInstance());
    }
    if (base.getInstanceGroupCount() == 0) {
      b.addInstanceGroup(
          ModelInstanceGroup.newBuilder()
              .setName(completed.name())
              .setKind(ModelInstanceGroup.Kind.KIND_CPU)
              .setCount(completed.instanceCount()));
    } else {
      for (int i = 0; i < b.getInstanceGroupCount(); i++) {
        ModelInstanceGroup g = b.getInstanceGroup(i);
        ModelInstanceGroup.Builder gb = g.toBuilder();
        if (g.getName().isEmpty()) {
          gb.setName(completed.name() + (b.getInstanceGroupCount() > 1 ? "_" + i : ""));
        }
        if (g.getKind() == ModelInstanceGroup.Kind.KIND_AUTO) {
          gb.setKind(ModelInstanceGroup.Kind.KIND_CPU);
        }
        if (g.getCount() == 0) {
          gb.setCount(1);
        }
        b.setInstanceGroup(i, gb);
      }
    }
    return b.build();
  }

  /**
   * Returns Triton's config data type of a wire data type ({@code BYTES} is {@code TYPE_STRING}).
   */
  public static io.caracal.proto.inference.DataType dataType(DataType t) {
    return io.caracal.proto.inference.DataType.valueOf(
        t == DataType.BYTES ? "TYPE_STRING" : "TYPE_" + t.name());
  }

  private static java.util.List<Long> longs(io.caracal.api.Shape s) {
    return java.util.Arrays.stream(s.toArray()).boxed().toList();
  }

  private static ModelVersionPolicy versionPolicy(VersionPolicy p) {
    return switch (p) {
      case VersionPolicy.Latest l ->
          ModelVersionPolicy.newBuilder()
              .setLatest(ModelVersionPolicy.Latest.newBuilder().setNumVersions(l.count()))
              .build();
      case VersionPolicy.All a ->
          ModelVersionPolicy.newBuilder()
              .setAll(ModelVersionPolicy.All.getDefaultInstance())
              .build();
      case VersionPolicy.Specific s ->
          ModelVersionPolicy.newBuilder()
              .setSpecific(ModelVersionPolicy.Specific.newBuilder().addAllVersions(s.versions()))
              .build();
    };
  }
}
