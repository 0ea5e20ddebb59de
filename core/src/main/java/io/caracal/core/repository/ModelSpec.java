package io.caracal.core.repository;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's complete configuration: {@code config.pbtxt} (Triton's ModelSpec) completed from the
 * model file. Field names and meanings follow Triton's.
 *
 * @param name the model name (the folder name)
 * @param platform e.g. {@code onnxruntime_onnx}
 * @param backend e.g. {@code onnxruntime}
 * @param maxBatchSize 0 when the model has no batch dimension; else the largest batch a request
 *     (or, later, a formed batch) may carry
 * @param inputs the inputs, dims without the batch dimension
 * @param outputs the outputs, dims without the batch dimension
 * @param versionPolicy which versions to serve
 * @param instanceCount how many instances to create ({@code instance_group} counts added up; 1 when
 *     none is given)
 * @param dynamicBatching the {@code dynamic_batching} block, empty when absent
 * @param defaultModelFilename the file in each version folder ({@code model.onnx} by default)
 * @param parameters the config's {@code parameters}, string values
 * @param sequenceControls the {@code sequence_batching} control inputs the server fills in; they
 *     are model inputs but not client inputs, so they are not in {@code inputs}; empty when the
 *     model has no sequence batching
 * @param responseCache whether the config asks for the response cache ({@code response_cache {
 *     enable: true }}); the server caches only when it has a cache ({@code --cache-size})
 */
public record ModelSpec(
    String name,
    String platform,
    String backend,
    int maxBatchSize,
    List<TensorSpec> inputs,
    List<TensorSpec> outputs,
    VersionPolicy versionPolicy,
    int instanceCount,
    Optional<DynamicBatching> dynamicBatching,
    String defaultModelFilename,
    Map<String, String> parameters,
    List<SequenceControl> sequenceControls,
    boolean responseCache) {

  /** Creates a config without sequence controls (the shape the record had first). */
  public ModelSpec(
      String name,
      String platform,
      String backend,
      int maxBatchSize,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      VersionPolicy versionPolicy,
      int instanceCount,
      Optional<DynamicBatching> dynamicBatching,
      String defaultModelFilename,
      Map<String, String> parameters) {
    this(
        name,
        platform,
        backend,
        maxBatchSize,
        inputs,
        outputs,
        versionPolicy,
        instanceCount,
        dynamicBatching,
        defaultModelFilename,
        parameters,
        List.of(),
        false);
  }

  public ModelSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(platform, "platform");
    Objects.requireNonNull(backend, "backend");
    if (maxBatchSize < 0) {
      throw new IllegalArgumentException("maxBatchSize < 0: " + maxBatchSize);
    }
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    Objects.requireNonNull(versionPolicy, "versionPolicy");
    if (instanceCount < 1) {
      throw new IllegalArgumentException("instanceCount < 1: " + instanceCount);
    }
    Objects.requireNonNull(dynamicBatching, "dynamicBatching");
    Objects.requireNonNull(defaultModelFilename, "defaultModelFilename");
    parameters = Map.copyOf(parameters);
    sequenceControls = List.copyOf(sequenceControls);
  }

  /** Returns whether requests carry a leading batch dimension. */
  public boolean batches() {
    return maxBatchSize > 0;
  }

  /** Returns the input with this name. */
  public Optional<TensorSpec> input(String name) {
    return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** Returns the output with this name. */
  public Optional<TensorSpec> output(String name) {
    return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /**
   * One input or output.
   *
   * @param name the tensor name
   * @param dataType the element type
   * @param dims the shape without the batch dimension, {@code -1} for any size
   * @param reshape the shape the model itself takes or gives (without batch dimension), when it
   *     differs from {@code dims}
   * @param optional for inputs: whether a request may leave it out
   * @param labels class labels in index order (from {@code label_filename}, or the classifier's
   *     class order); empty when none
   */
  public record TensorSpec(
      String name,
      DataType dataType,
      Shape dims,
      Optional<Shape> reshape,
      boolean optional,
      List<String> labels) {
    public TensorSpec {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(dataType, "dataType");
      Objects.requireNonNull(dims, "dims");
      Objects.requireNonNull(reshape, "reshape");
      labels = List.copyOf(labels);
    }
  }

  /** Which versions of a model to serve. */
  public sealed interface VersionPolicy {
    /** The newest {@code count} versions. */
    record Latest(int count) implements VersionPolicy {
      public Latest {
        if (count < 1) {
          throw new IllegalArgumentException("latest num_versions < 1: " + count);
        }
      }
    }

    /** Every version present. */
    record All() implements VersionPolicy {}

    /** Exactly these versions. */
    record Specific(List<Long> versions) implements VersionPolicy {
      public Specific {
        versions = List.copyOf(versions);
      }
    }
  }

  /**
   * Triton's {@code dynamic_batching} block, kept for the scheduler.
   *
   * @param preferredBatchSizes preferred batch sizes
   * @param maxQueueDelayMicros how long a request may wait for a batch to fill
   * @param preserveOrdering whether responses leave in arrival order
   * @param priorityLevels number of priority levels (0 = one)
   * @param defaultPriorityLevel the level of requests that name none
   * @param defaultQueuePolicy the policy of every level without its own
   * @param priorityQueuePolicy policies per level
   */
  public record DynamicBatching(
      List<Integer> preferredBatchSizes,
      long maxQueueDelayMicros,
      boolean preserveOrdering,
      long priorityLevels,
      long defaultPriorityLevel,
      QueuePolicy defaultQueuePolicy,
      Map<Long, QueuePolicy> priorityQueuePolicy) {
    public DynamicBatching {
      preferredBatchSizes = List.copyOf(preferredBatchSizes);
      Objects.requireNonNull(defaultQueuePolicy, "defaultQueuePolicy");
      priorityQueuePolicy = Map.copyOf(priorityQueuePolicy);
    }
  }

  /**
   * Triton's ModelQueuePolicy.
   *
   * @param timeoutAction what happens at the timeout: reject, or delay (keep but run last)
   * @param defaultTimeoutMicros the timeout of requests that set none; 0 = none
   * @param allowTimeoutOverride whether a request may set its own (shorter) timeout
   * @param maxQueueSize the queue bound; 0 = unbounded
   */
  public record QueuePolicy(
      TimeoutAction timeoutAction,
      long defaultTimeoutMicros,
      boolean allowTimeoutOverride,
      int maxQueueSize) {
    public QueuePolicy {
      Objects.requireNonNull(timeoutAction, "timeoutAction");
    }

    /** Returns Triton's default policy: reject, no timeout, no override, unbounded. */
    public static QueuePolicy ofDefault() {
      return new QueuePolicy(TimeoutAction.REJECT, 0, false, 0);
    }
  }

  /** What to do with a request whose queue timeout passed. */
  public enum TimeoutAction {
    REJECT,
    DELAY
  }

  /** Which sequence signal a control input carries. */
  public enum ControlKind {
    START,
    READY,
    END,
    CORRID
  }

  /**
   * One {@code sequence_batching} control input, filled in by the server when the client does not
   * send it. A request outside any sequence runs as a one-request sequence: START, READY and END
   * are true and CORRID is the request's {@code sequence_id} parameter (0 when absent).
   *
   * @param inputName the model input carrying the control
   * @param kind the signal
   * @param dataType the tensor type: INT32, FP32 or BOOL for flags; the {@code data_type} for
   *     CORRID
   * @param dims the tensor dims without the batch dimension (the model's, wildcards as 1)
   * @param falseValue the "false" value (flags only)
   * @param trueValue the "true" value (flags only)
   */
  public record SequenceControl(
      String inputName,
      ControlKind kind,
      DataType dataType,
      Shape dims,
      double falseValue,
      double trueValue) {
    public SequenceControl {
      Objects.requireNonNull(inputName, "inputName");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(dataType, "dataType");
      Objects.requireNonNull(dims, "dims");
    }
  }
}
