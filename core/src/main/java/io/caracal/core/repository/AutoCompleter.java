package io.caracal.core.repository;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelSignature;
import io.caracal.core.repository.ModelSpec.ControlKind;
import io.caracal.core.repository.ModelSpec.DynamicBatching;
import io.caracal.core.repository.ModelSpec.QueuePolicy;
import io.caracal.core.repository.ModelSpec.SequenceControl;
import io.caracal.core.repository.ModelSpec.TensorSpec;
import io.caracal.core.repository.ModelSpec.TimeoutAction;
import io.caracal.core.repository.ModelSpec.VersionPolicy;
import io.caracal.proto.inference.ModelDynamicBatching;
import io.caracal.proto.inference.ModelInput;
import io.caracal.proto.inference.ModelInstanceGroup;
import io.caracal.proto.inference.ModelOutput;
import io.caracal.proto.inference.ModelQueuePolicy;
import io.caracal.proto.inference.ModelSequenceBatching;
import io.caracal.proto.inference.ModelVersionPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Triton's auto-complete: turns a parsed {@code config.pbtxt} (or none) plus the signature the
 * backend read from the model file into the final {@link ModelSpec}, and refuses configs that
 * contradict the model.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>Inputs the config does not list are added from the model. Outputs are added only when the
 *       config lists none (listing a subset of outputs restricts what clients see, as in Triton).
 *   <li>{@code max_batch_size} is set to {@link #DEFAULT_MAX_BATCH_SIZE} (Triton's {@code
 *       default-max-batch-size}, 4) only when the config is missing or lists neither inputs nor
 *       outputs and leaves {@code max_batch_size} at 0, and every input and output of the model has
 *       a dynamic ({@code -1}) first dimension. With {@code max_batch_size > 0} every model tensor
 *       must have a dynamic first dimension and dims exclude it.
 *   <li>When {@code max_batch_size} was completed that way to more than 1 and the config names no
 *       scheduler (neither {@code dynamic_batching} nor {@code sequence_batching}), the dynamic
 *       batcher is enabled with its default settings ({@code dynamic_batching { }}: no delay, no
 *       preferred sizes), as Triton's ONNX Runtime backend does: a model served without a config
 *       batches whatever is queued when an instance frees up. A default max batch size of 1 or 0
 *       turns this off (0 also leaves {@code max_batch_size} at 0). A model that cannot batch keeps
 *       {@code max_batch_size 0} and one request per call.
 *   <li>A listed tensor must exist in the model, with the same data type, the same rank and equal
 *       fixed dimensions ({@code -1} on either side matches). With {@code reshape}, the reshape
 *       shape is compared with the model instead of {@code dims}.
 *   <li>An output's labels come from its {@code label_filename} (one label per line, read inside
 *       the model folder) or else from the backend's labelled tensor.
 *   <li>{@code sequence_batching} control inputs become {@link SequenceControl}s, not client
 *       inputs.
 * </ul>
 *
 * Every refusal names the config file, the field and both values. Thread-safe.
 */
public final class AutoCompleter {
  /** Triton's {@code default-max-batch-size}. */
  public static final int DEFAULT_MAX_BATCH_SIZE = 4;

  /**
   * Triton's {@code dynamic_batching { }}: the dynamic batcher with every setting at its default.
   */
  static final DynamicBatching DEFAULT_DYNAMIC_BATCHING =
      dynamicBatching(ModelDynamicBatching.getDefaultInstance());

  /** The most instances one model version may ask for. */
  public static final int MAX_INSTANCES = 64;

  /** Reads a label file of a model, confined to its folder. */
  @FunctionalInterface
  public interface LabelSource {
    /** Returns the labels in {@code fileName}, one per line. */
    List<String> read(String fileName) throws RepositoryException;
  }

  private final int defaultMaxBatchSize;

  /** Creates a completer with Triton's default max batch size. */
  public AutoCompleter() {
    this(DEFAULT_MAX_BATCH_SIZE);
  }

  /**
   * Creates a completer that gives batching models without a config this max batch size (0: none,
   * the model is served without a batch dimension).
   */
  public AutoCompleter(int defaultMaxBatchSize) {
    if (defaultMaxBatchSize < 0) {
      throw new IllegalArgumentException("defaultMaxBatchSize < 0: " + defaultMaxBatchSize);
    }
    this.defaultMaxBatchSize = defaultMaxBatchSize;
  }

  /**
   * Refuses config features this server does not implement (checked before any model file is
   * touched).
   */
  public static void checkSupported(io.caracal.proto.inference.ModelConfig cfg, String source)
      throws RepositoryException {
    if (cfg.getMaxBatchSize() < 0) {
      throw new RepositoryException(
          source + ": max_batch_size is " + cfg.getMaxBatchSize() + " but must not be negative");
    }
    if (cfg.hasEnsembleScheduling()) {
      throw new RepositoryException(source + ": ensemble_scheduling is not supported");
    }
    if (cfg.hasSequenceBatching()) {
      ModelSequenceBatching seq = cfg.getSequenceBatching();
      if (seq.getStateCount() > 0) {
        throw new RepositoryException(
            source + ": sequence_batching state (implicit state) is not supported");
      }
      if (seq.getIterativeSequence()) {
        throw new RepositoryException(
            source + ": sequence_batching iterative_sequence is not supported");
      }
    }
    if (cfg.hasSequenceBatching() && cfg.getResponseCache().getEnable()) {
      // Triton refuses the same combination (a sequence's answers depend on its earlier requests)
      throw new RepositoryException(
          source
              + ": response cache does not support models with a sequence_batching scheduler;"
              + " disable the response cache");
    }
    if (cfg.getModelTransactionPolicy().getDecoupled()) {
      throw new RepositoryException(
          source + ": model_transaction_policy decoupled is not supported");
    }
    if (cfg.getModelOperations().getOpLibraryFilenameCount() > 0) {
      throw new RepositoryException(
          source
              + ": model_operations op_library_filename is not allowed (custom operator libraries are native code)");
    }
    if (cfg.getModelRepositoryAgents().getAgentsCount() > 0) {
      throw new RepositoryException(source + ": model_repository_agents are not supported");
    }
    if (cfg.getBatchInputCount() > 0 || cfg.getBatchOutputCount() > 0) {
      throw new RepositoryException(source + ": batch_input and batch_output are not supported");
    }
    for (ModelInput in : cfg.getInputList()) {
      if (in.getIsShapeTensor() || in.getIsNonLinearFormatIo()) {
        throw new RepositoryException(
            source
                + ": input '"
                + in.getName()
                + "' is_shape_tensor / is_non_linear_format_io is not supported");
      }
    }
    for (ModelOutput out : cfg.getOutputList()) {
      if (out.getIsShapeTensor() || out.getIsNonLinearFormatIo()) {
        throw new RepositoryException(
            source
                + ": output '"
                + out.getName()
                + "' is_shape_tensor / is_non_linear_format_io is not supported");
      }
    }
    for (ModelInstanceGroup g : cfg.getInstanceGroupList()) {
      if (g.getKind() == ModelInstanceGroup.Kind.KIND_GPU || g.getGpusCount() > 0) {
        throw new RepositoryException(
            source
                + ": instance_group kind KIND_GPU is not supported: this server runs models on the CPU only");
      }
      if (g.getCount() < 0) {
        throw new RepositoryException(
            source + ": instance_group count is " + g.getCount() + " but must not be negative");
      }
    }
  }

  /** Returns the version policy of a config (default: latest 1). */
  public static VersionPolicy versionPolicy(
      io.caracal.proto.inference.ModelConfig cfg, String source) throws RepositoryException {
    ModelVersionPolicy p = cfg.getVersionPolicy();
    return switch (p.getPolicyChoiceCase()) {
      case LATEST -> new VersionPolicy.Latest(Math.max(1, p.getLatest().getNumVersions()));
      case ALL -> new VersionPolicy.All();
      case SPECIFIC -> {
        for (long v : p.getSpecific().getVersionsList()) {
          if (v < 1) {
            throw new RepositoryException(
                source + ": version_policy specific version " + v + " is not valid");
          }
        }
        yield new VersionPolicy.Specific(p.getSpecific().getVersionsList());
      }
      case POLICYCHOICE_NOT_SET -> new VersionPolicy.Latest(1);
    };
  }

  /**
   * Returns the number of instances per version: the groups' counts added up, a group without a
   * count (0) and a config without groups counting as {@code defaultCount} (the backend's default,
   * as Triton: 2 for ONNX Runtime).
   */
  public static int instanceCount(
      io.caracal.proto.inference.ModelConfig cfg, String source, int defaultCount)
      throws RepositoryException {
    long total = 0;
    for (ModelInstanceGroup g : cfg.getInstanceGroupList()) {
      total += g.getCount() > 0 ? g.getCount() : Math.max(1, defaultCount);
    }
    if (cfg.getInstanceGroupCount() == 0) {
      total = Math.max(1, defaultCount);
    }
    if (total > MAX_INSTANCES) {
      throw new RepositoryException(
          source + ": instance_group counts add up to " + total + ", more than " + MAX_INSTANCES);
    }
    return (int) Math.max(1, total);
  }

  /**
   * Completes the config of one model version.
   *
   * @param source what the repository found
   * @param signature the signature the backend read from this version's model file
   * @param labels reads label files from the model's folder
   */
  public ModelSpec complete(ModelSource.Found source, ModelSignature signature, LabelSource labels)
      throws RepositoryException {
    io.caracal.proto.inference.ModelConfig cfg =
        source.config().orElse(io.caracal.proto.inference.ModelConfig.getDefaultInstance());
    String where = source.configSource();
    if (!cfg.getName().isEmpty() && !cfg.getName().equals(source.name())) {
      throw new RepositoryException(
          where
              + ": name is '"
              + ModelNames.printable(cfg.getName())
              + "' but the model folder is '"
              + source.name()
              + "'");
    }
    Set<String> controlNames = new LinkedHashSet<>();
    for (ModelSequenceBatching.ControlInput ci : cfg.getSequenceBatching().getControlInputList()) {
      if (!controlNames.add(ci.getName())) {
        throw new RepositoryException(
            where + ": sequence_batching control_input '" + ci.getName() + "' is given twice");
      }
      if (signature.input(ci.getName()).isEmpty()) {
        throw new RepositoryException(
            where
                + ": sequence_batching control_input '"
                + ci.getName()
                + "' does not exist in the model (model inputs: "
                + names(signature.inputs())
                + ")");
      }
    }
    List<IoSpec> modelInputs =
        signature.inputs().stream().filter(s -> !controlNames.contains(s.name())).toList();

    boolean listsTensors = cfg.getInputCount() > 0 || cfg.getOutputCount() > 0;
    int maxBatch = cfg.getMaxBatchSize();
    Optional<DynamicBatching> batching =
        cfg.hasDynamicBatching()
            ? Optional.of(dynamicBatching(cfg.getDynamicBatching()))
            : Optional.empty();
    if (maxBatch == 0 && !listsTensors && allDynamicFirst(signature)) {
      maxBatch = defaultMaxBatchSize;
      if (maxBatch > 1 && !cfg.hasDynamicBatching() && !cfg.hasSequenceBatching()) {
        batching = Optional.of(DEFAULT_DYNAMIC_BATCHING);
      }
    }
    if (maxBatch > 0) {
      checkBatchable(signature.inputs(), "input", maxBatch, where);
      checkBatchable(signature.outputs(), "output", maxBatch, where);
    }

    List<TensorSpec> inputs = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (ModelInput in : cfg.getInputList()) {
      if (controlNames.contains(in.getName())) {
        throw new RepositoryException(
            where
                + ": input '"
                + in.getName()
                + "' is a sequence_batching control_input and must not be listed as an input");
      }
      IoSpec spec =
          modelInputs.stream()
              .filter(s -> s.name().equals(in.getName()))
              .findFirst()
              .orElseThrow(() ->
                  new RepositoryException(
                      where
                          + ": input '"
                          + ModelNames.printable(in.getName())
                          + "' does not exist in the model (model inputs: "
                          + names(modelInputs)
                          + ")"));
      if (!seen.add(in.getName())) {
        throw new RepositoryException(where + ": input '" + in.getName() + "' is listed twice");
      }
      inputs.add(
          tensor(
              "input",
              in.getName(),
              in.getDataType(),
              in.getDimsList(),
              in.hasReshape() ? Optional.of(in.getReshape().getShapeList()) : Optional.empty(),
              in.getOptional(),
              List.of(),
              spec,
              maxBatch,
              where));
    }
    for (IoSpec spec : modelInputs) {
      if (!seen.contains(spec.name())) {
        inputs.add(fromModel(spec, maxBatch, false));
      }
    }

    List<TensorSpec> outputs = new ArrayList<>();
    seen.clear();
    for (ModelOutput out : cfg.getOutputList()) {
      IoSpec spec =
          signature
              .output(out.getName())
              .orElseThrow(() ->
                  new RepositoryException(
                      where
                          + ": output '"
                          + ModelNames.printable(out.getName())
                          + "' does not exist in the model (model outputs: "
                          + names(signature.outputs())
                          + ")"));
      if (!seen.add(out.getName())) {
        throw new RepositoryException(where + ": output '" + out.getName() + "' is listed twice");
      }
      List<String> outLabels =
          out.getLabelFilename().isEmpty() ? spec.labels() : labels.read(out.getLabelFilename());
      outputs.add(
          tensor(
              "output",
              out.getName(),
              out.getDataType(),
              out.getDimsList(),
              out.hasReshape() ? Optional.of(out.getReshape().getShapeList()) : Optional.empty(),
              false,
              outLabels,
              spec,
              maxBatch,
              where));
    }
    if (cfg.getOutputCount() == 0) {
      for (IoSpec spec : signature.outputs()) {
        outputs.add(fromModel(spec, maxBatch, false));
      }
    }

    List<SequenceControl> controls = new ArrayList<>();
    for (ModelSequenceBatching.ControlInput ci : cfg.getSequenceBatching().getControlInputList()) {
      controls.add(control(ci, signature.input(ci.getName()).orElseThrow(), maxBatch, where));
    }

    Map<String, String> parameters = new HashMap<>();
    cfg.getParametersMap().forEach((k, v) -> parameters.put(k, v.getStringValue()));
    return new ModelSpec(
        source.name(),
        cfg.getPlatform().isEmpty() ? source.factory().platform() : cfg.getPlatform(),
        cfg.getBackend().isEmpty() ? source.factory().name() : cfg.getBackend(),
        maxBatch,
        inputs,
        outputs,
        source.versionPolicy(),
        source.instanceCount(),
        batching,
        cfg.getDefaultModelFilename().isEmpty()
            ? source.factory().defaultModelFileName()
            : cfg.getDefaultModelFilename(),
        parameters,
        controls,
        cfg.getResponseCache().getEnable());
  }

  private static boolean allDynamicFirst(ModelSignature sig) {
    if (sig.inputs().isEmpty() && sig.outputs().isEmpty()) {
      return false;
    }
    for (List<IoSpec> specs : List.of(sig.inputs(), sig.outputs())) {
      for (IoSpec s : specs) {
        if (s.shape().rank() == 0 || s.shape().dim(0) != -1) {
          return false;
        }
      }
    }
    return true;
  }

  private static void checkBatchable(List<IoSpec> specs, String what, int maxBatch, String where)
      throws RepositoryException {
    for (IoSpec s : specs) {
      if (s.shape().rank() == 0 || s.shape().dim(0) != -1) {
        throw new RepositoryException(
            where
                + ": max_batch_size is "
                + maxBatch
                + " but the model's "
                + what
                + " '"
                + s.name()
                + "' has shape "
                + s.shape()
                + " without a dynamic (-1) first dimension; set max_batch_size to 0");
      }
    }
  }

  private static TensorSpec fromModel(IoSpec spec, int maxBatch, boolean optional) {
    Shape dims = maxBatch > 0 ? spec.shape().dropFirst() : spec.shape();
    return new TensorSpec(
        spec.name(), spec.dataType(), dims, Optional.empty(), optional, spec.labels());
  }

  private static TensorSpec tensor(
      String what,
      String name,
      io.caracal.proto.inference.DataType configType,
      List<Long> configDims,
      Optional<List<Long>> configReshape,
      boolean optional,
      List<String> labels,
      IoSpec spec,
      int maxBatch,
      String where)
      throws RepositoryException {
    Shape modelDims = maxBatch > 0 ? spec.shape().dropFirst() : spec.shape();
    DataType type = spec.dataType();
    if (configType != io.caracal.proto.inference.DataType.TYPE_INVALID) {
      Optional<DataType> t = ConfigDataTypes.toApi(configType);
      if (t.isEmpty()) {
        throw new RepositoryException(
            where + ": " + what + " '" + name + "' data_type is not a known type");
      }
      if (t.get() != spec.dataType()) {
        throw new RepositoryException(
            where
                + ": "
                + what
                + " '"
                + name
                + "' data_type is "
                + configType.name()
                + " but the model has "
                + spec.dataType().wireName());
      }
    }
    for (long d : configDims) {
      if (d < -1) {
        throw new RepositoryException(
            where
                + ": "
                + what
                + " '"
                + name
                + "' dims "
                + Shape.of(configDims)
                + " has a dimension below -1");
      }
    }
    Shape dims = configDims.isEmpty() && configReshape.isEmpty() ? modelDims : Shape.of(configDims);
    Optional<Shape> reshape = configReshape.map(Shape::of);
    Shape compared = reshape.orElse(dims);
    String field = reshape.isPresent() ? "reshape" : "dims";
    String batchNote = maxBatch > 0 ? " (without the batch dimension)" : "";
    if (compared.rank() != modelDims.rank()) {
      throw new RepositoryException(
          where
              + ": "
              + what
              + " '"
              + name
              + "' "
              + field
              + " is "
              + compared
              + " (rank "
              + compared.rank()
              + ") but the model has "
              + modelDims
              + " (rank "
              + modelDims.rank()
              + ")"
              + batchNote);
    }
    for (int i = 0; i < compared.rank(); i++) {
      long c = compared.dim(i);
      long m = modelDims.dim(i);
      if (c >= 0 && m >= 0 && c != m) {
        throw new RepositoryException(
            where
                + ": "
                + what
                + " '"
                + name
                + "' "
                + field
                + " is "
                + compared
                + " but the model has "
                + modelDims
                + batchNote);
      }
    }
    if (reshape.isPresent()
        && !dims.hasWildcard()
        && !reshape.get().hasWildcard()
        && dims.elementCount() != reshape.get().elementCount()) {
      throw new RepositoryException(
          where
              + ": "
              + what
              + " '"
              + name
              + "' dims "
              + dims
              + " and reshape "
              + reshape.get()
              + " hold different numbers of elements");
    }
    return new TensorSpec(name, type, dims, reshape, optional, labels);
  }

  private static SequenceControl control(
      ModelSequenceBatching.ControlInput ci, IoSpec spec, int maxBatch, String where)
      throws RepositoryException {
    String what = where + ": sequence_batching control_input '" + ci.getName() + "'";
    if (ci.getControlCount() != 1) {
      throw new RepositoryException(
          what + " must carry exactly one control, has " + ci.getControlCount());
    }
    ModelSequenceBatching.Control c = ci.getControl(0);
    Shape modelDims = maxBatch > 0 ? spec.shape().dropFirst() : spec.shape();
    long[] d = modelDims.toArray();
    for (int i = 0; i < d.length; i++) {
      d[i] = d[i] < 0 ? 1 : d[i];
    }
    Shape dims = Shape.of(d);
    if (dims.elementCount() != 1) {
      throw new RepositoryException(
          what
              + " has model shape "
              + spec.shape()
              + "; a control must hold one value per request");
    }
    ControlKind kind;
    switch (c.getKind()) {
      case CONTROL_SEQUENCE_START -> kind = ControlKind.START;
      case CONTROL_SEQUENCE_READY -> kind = ControlKind.READY;
      case CONTROL_SEQUENCE_END -> kind = ControlKind.END;
      case CONTROL_SEQUENCE_CORRID -> kind = ControlKind.CORRID;
      default -> throw new RepositoryException(what + " has an unknown control kind");
    }
    DataType type;
    double falseValue = 0;
    double trueValue = 1;
    if (kind == ControlKind.CORRID) {
      type = ConfigDataTypes.toApi(c.getDataType()).orElse(DataType.BYTES);
      if (type != DataType.INT32
          && type != DataType.UINT32
          && type != DataType.INT64
          && type != DataType.UINT64) {
        throw new RepositoryException(
            what
                + " CORRID data_type is "
                + c.getDataType().name()
                + " but must be TYPE_INT32, TYPE_UINT32, TYPE_INT64 or TYPE_UINT64");
      }
    } else if (c.getInt32FalseTrueCount() == 2) {
      type = DataType.INT32;
      falseValue = c.getInt32FalseTrue(0);
      trueValue = c.getInt32FalseTrue(1);
    } else if (c.getFp32FalseTrueCount() == 2) {
      type = DataType.FP32;
      falseValue = c.getFp32FalseTrue(0);
      trueValue = c.getFp32FalseTrue(1);
    } else if (c.getBoolFalseTrueCount() == 2) {
      type = DataType.BOOL;
      falseValue = c.getBoolFalseTrue(0) ? 1 : 0;
      trueValue = c.getBoolFalseTrue(1) ? 1 : 0;
    } else {
      throw new RepositoryException(
          what + " must set two values in int32_false_true, fp32_false_true or bool_false_true");
    }
    if (type != spec.dataType()) {
      throw new RepositoryException(
          what
              + " data type is "
              + ConfigDataTypes.toProto(type).name()
              + " but the model has "
              + spec.dataType().wireName());
    }
    return new SequenceControl(ci.getName(), kind, type, dims, falseValue, trueValue);
  }

  private static DynamicBatching dynamicBatching(ModelDynamicBatching db) {
    Map<Long, QueuePolicy> perLevel = new HashMap<>();
    db.getPriorityQueuePolicyMap().forEach((k, v) -> perLevel.put(k, queuePolicy(v)));
    return new DynamicBatching(
        db.getPreferredBatchSizeList(),
        db.getMaxQueueDelayMicroseconds(),
        db.getPreserveOrdering(),
        db.getPriorityLevels(),
        db.getDefaultPriorityLevel(),
        db.hasDefaultQueuePolicy()
            ? queuePolicy(db.getDefaultQueuePolicy())
            : QueuePolicy.ofDefault(),
        perLevel);
  }

  private static QueuePolicy queuePolicy(ModelQueuePolicy p) {
    return new QueuePolicy(
        p.getTimeoutAction() == ModelQueuePolicy.TimeoutAction.DELAY
            ? TimeoutAction.DELAY
            : TimeoutAction.REJECT,
        p.getDefaultTimeoutMicroseconds(),
        p.getAllowTimeoutOverride(),
        p.getMaxQueueSize());
  }

  private static String names(List<IoSpec> specs) {
    return specs.stream().map(IoSpec::name).collect(Collectors.joining(", "));
  }
}
