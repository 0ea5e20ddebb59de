package io.caracal.core.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelSignature;
import io.caracal.core.fixtures.FakeBackend;
import io.caracal.core.repository.ModelSpec.ControlKind;
import io.caracal.core.repository.ModelSpec.VersionPolicy;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AutoCompleterTest {
  final AutoCompleter completer = new AutoCompleter();
  final ConfigParser parser = new ConfigParser();
  final FakeBackend backend = new FakeBackend();

  static final ModelSignature BATCHING =
      new ModelSignature(
          List.of(
              IoSpec.of("INPUT0", DataType.INT32, Shape.of(-1, 16)),
              IoSpec.of("INPUT1", DataType.INT32, Shape.of(-1, 16))),
          List.of(
              IoSpec.of("OUTPUT0", DataType.INT32, Shape.of(-1, 16)),
              IoSpec.of("OUTPUT1", DataType.INT32, Shape.of(-1, 16))));

  static final ModelSignature FIXED =
      new ModelSignature(
          List.of(IoSpec.of("x", DataType.FP32, Shape.of(1, 3, 4))),
          List.of(IoSpec.of("y", DataType.FP32, Shape.of(1, 12))));

  ModelSource.Found found(String config) throws RepositoryException {
    Optional<io.caracal.proto.inference.ModelConfig> cfg =
        config == null
            ? Optional.empty()
            : Optional.of(parser.parse(config, "simple/config.pbtxt"));
    return new ModelSource.Found(
        "simple",
        cfg,
        config == null ? "simple" : "simple/config.pbtxt",
        backend,
        new VersionPolicy.Latest(1),
        1,
        List.of());
  }

  ModelSpec complete(String config, ModelSignature sig) throws RepositoryException {
    return completer.complete(found(config), sig, f -> List.of("cat", "dog"));
  }

  @Test
  void noConfig_batchingModel_getsDefaultMaxBatchAndDimsWithoutBatch() throws Exception {
    ModelSpec c = complete(null, BATCHING);
    assertThat(c.maxBatchSize()).isEqualTo(AutoCompleter.DEFAULT_MAX_BATCH_SIZE).isEqualTo(4);
    assertThat(c.inputs()).extracting(t -> t.dims()).containsOnly(Shape.of(16));
    assertThat(c.outputs()).hasSize(2);
    assertThat(c.platform()).isEqualTo("fake_platform");
    assertThat(c.backend()).isEqualTo("fake");
    assertThat(c.defaultModelFilename()).isEqualTo("model.fake");
    assertThat(c.versionPolicy()).isEqualTo(new VersionPolicy.Latest(1));
  }

  @Test
  void noConfig_fixedFirstDim_staysNonBatching() throws Exception {
    ModelSpec c = complete(null, FIXED);
    assertThat(c.maxBatchSize()).isZero();
    assertThat(c.input("x").orElseThrow().dims()).isEqualTo(Shape.of(1, 3, 4));
    assertThat(c.dynamicBatching()).isEmpty();
  }

  @Test
  void noConfig_batchingModel_getsTheDynamicBatcherWithDefaults() throws Exception {
    ModelSpec c = complete(null, BATCHING);
    assertThat(c.dynamicBatching()).contains(AutoCompleter.DEFAULT_DYNAMIC_BATCHING);
    ModelSpec.DynamicBatching db = c.dynamicBatching().orElseThrow();
    assertThat(db.maxQueueDelayMicros()).isZero();
    assertThat(db.preferredBatchSizes()).isEmpty();
    assertThat(db.priorityLevels()).isZero();
    // shown by the config endpoint as Triton shows it
    assertThat(ConfigRenderer.render(Optional.empty(), c).hasDynamicBatching()).isTrue();
  }

  @Test
  void configWithoutSchedulerOrTensors_batchingModel_getsTheDynamicBatcher() throws Exception {
    ModelSpec c =
        complete(
            "name: \"simple\" parameters { key: \"k\" value: { string_value: \"v\" } }", BATCHING);
    assertThat(c.maxBatchSize()).isEqualTo(4);
    assertThat(c.dynamicBatching()).contains(AutoCompleter.DEFAULT_DYNAMIC_BATCHING);
  }

  @Test
  void explicitScheduler_orExplicitMaxBatch_isKeptAsWritten() throws Exception {
    ModelSpec own = complete("dynamic_batching { max_queue_delay_microseconds: 100 }", BATCHING);
    assertThat(own.dynamicBatching().orElseThrow().maxQueueDelayMicros()).isEqualTo(100);
    ModelSpec explicit = complete("max_batch_size: 8", BATCHING);
    assertThat(explicit.maxBatchSize()).isEqualTo(8);
    assertThat(explicit.dynamicBatching()).isEmpty();
    assertThat(ConfigRenderer.render(Optional.empty(), explicit).hasDynamicBatching()).isFalse();
  }

  @Test
  void defaultMaxBatchSizeOneOrZero_enablesNoBatcher() throws Exception {
    ModelSpec one = new AutoCompleter(1).complete(found(null), BATCHING, f -> List.of());
    assertThat(one.maxBatchSize()).isEqualTo(1);
    assertThat(one.dynamicBatching()).isEmpty();
    ModelSpec zero = new AutoCompleter(0).complete(found(null), BATCHING, f -> List.of());
    assertThat(zero.maxBatchSize()).isZero();
    assertThat(zero.dynamicBatching()).isEmpty();
    assertThat(zero.input("INPUT0").orElseThrow().dims()).isEqualTo(Shape.of(-1, 16));
    assertThatThrownBy(() -> new AutoCompleter(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tritonSimpleConfig_matches() throws Exception {
    ModelSpec c =
        complete(
            """
            name: "simple" platform: "onnxruntime_onnx" max_batch_size: 8
            input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [16] }, { name: "INPUT1" data_type: TYPE_INT32 dims: [16] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [16] }, { name: "OUTPUT1" data_type: TYPE_INT32 dims: [16] } ]
            """,
            BATCHING);
    assertThat(c.maxBatchSize()).isEqualTo(8);
    assertThat(c.platform()).isEqualTo("onnxruntime_onnx");
    assertThat(c.backend()).isEqualTo("fake");
  }

  @Test
  void partialConfig_fillsMissingInputs_andKeepsListedOutputsOnly() throws Exception {
    ModelSpec c =
        complete(
            """
            max_batch_size: 2
            input [ { name: "INPUT1" data_type: TYPE_INT32 dims: [-1] } ]
            output [ { name: "OUTPUT1" } ]
            """,
            BATCHING);
    assertThat(c.inputs()).extracting(t -> t.name()).containsExactly("INPUT1", "INPUT0");
    assertThat(c.input("INPUT1").orElseThrow().dims()).isEqualTo(Shape.of(-1));
    assertThat(c.outputs()).extracting(t -> t.name()).containsExactly("OUTPUT1");
    assertThat(c.output("OUTPUT1").orElseThrow().dims()).isEqualTo(Shape.of(16));
    assertThat(c.output("OUTPUT1").orElseThrow().dataType()).isEqualTo(DataType.INT32);
  }

  @Test
  void refuses_dataTypeContradiction() {
    assertThatThrownBy(() ->
            complete(
                "max_batch_size: 8 input [ { name: \"INPUT0\" data_type: TYPE_FP32 dims: [16] } ]",
                BATCHING))
        .hasMessage(
            "simple/config.pbtxt: input 'INPUT0' data_type is TYPE_FP32 but the model has INT32");
  }

  @Test
  void refuses_dimsContradictions() {
    assertThatThrownBy(() ->
            complete(
                "max_batch_size: 8 input [ { name: \"INPUT0\" data_type: TYPE_INT32 dims: [8] } ]",
                BATCHING))
        .hasMessage(
            "simple/config.pbtxt: input 'INPUT0' dims is [8] but the model has [16] (without the batch dimension)");
    assertThatThrownBy(() ->
            complete(
                "max_batch_size: 8 output [ { name: \"OUTPUT0\" data_type: TYPE_INT32 dims: [4, 4] } ]",
                BATCHING))
        .hasMessageContaining(
            "output 'OUTPUT0' dims is [4,4] (rank 2) but the model has [16] (rank 1)");
    assertThatThrownBy(() ->
            complete(
                "max_batch_size: 0 input [ { name: \"INPUT0\" data_type: TYPE_INT32 dims: [16] } ]",
                BATCHING))
        .hasMessageContaining("rank 1) but the model has [-1,16] (rank 2)");
  }

  @Test
  void refuses_unknownNames() {
    assertThatThrownBy(() ->
            complete("input [ { name: \"NOPE\" data_type: TYPE_INT32 dims: [16] } ]", BATCHING))
        .hasMessage(
            "simple/config.pbtxt: input 'NOPE' does not exist in the model (model inputs: INPUT0, INPUT1)");
    assertThatThrownBy(() -> complete("output [ { name: \"NOPE\" } ]", BATCHING))
        .hasMessageContaining("output 'NOPE' does not exist in the model");
  }

  @Test
  void refuses_batchingOnFixedFirstDim() {
    assertThatThrownBy(() -> complete("max_batch_size: 4", FIXED))
        .hasMessageContaining(
            "simple/config.pbtxt: max_batch_size is 4 but the model's input 'x' has shape [1,3,4] without a dynamic (-1) first dimension");
  }

  @Test
  void reshape_isComparedWithTheModel() throws Exception {
    ModelSpec c =
        complete(
            """
            input [ { name: "x" data_type: TYPE_FP32 dims: [12] reshape { shape: [1, 3, 4] } } ]
            output [ { name: "y" data_type: TYPE_FP32 dims: [3, 4] reshape { shape: [1, 12] } } ]
            """,
            FIXED);
    assertThat(c.input("x").orElseThrow().dims()).isEqualTo(Shape.of(12));
    assertThat(c.input("x").orElseThrow().reshape()).contains(Shape.of(1, 3, 4));
    assertThatThrownBy(() ->
            complete(
                "input [ { name: \"x\" data_type: TYPE_FP32 dims: [12] reshape { shape: [12] } } ]",
                FIXED))
        .hasMessageContaining("input 'x' reshape is [12] (rank 1) but the model has [1,3,4]");
    assertThatThrownBy(() ->
            complete(
                "input [ { name: \"x\" data_type: TYPE_FP32 dims: [10] reshape { shape: [1, 3, 4] } } ]",
                FIXED))
        .hasMessageContaining("dims [10] and reshape [1,3,4] hold different numbers of elements");
  }

  @Test
  void labels_fromBackendOrLabelFile() throws Exception {
    ModelSignature sig =
        new ModelSignature(
            List.of(IoSpec.of("x", DataType.FP32, Shape.of(-1, 4))),
            List.of(
                new IoSpec("probabilities", DataType.FP32, Shape.of(-1, 3), List.of("a", "b", "c")),
                IoSpec.of("label", DataType.INT64, Shape.of(-1))));
    ModelSpec c = complete(null, sig);
    assertThat(c.output("probabilities").orElseThrow().labels()).containsExactly("a", "b", "c");
    ModelSpec withFile =
        complete(
            "max_batch_size: 2 output [ { name: \"probabilities\" label_filename: \"labels.txt\" } ]",
            sig);
    assertThat(withFile.output("probabilities").orElseThrow().labels())
        .containsExactly("cat", "dog");
  }

  @Test
  void sequenceControls_areNotClientInputs() throws Exception {
    ModelSignature sig =
        new ModelSignature(
            List.of(
                IoSpec.of("INPUT", DataType.INT32, Shape.of(-1, 1)),
                IoSpec.of("START", DataType.INT32, Shape.of(-1, 1)),
                IoSpec.of("READY", DataType.INT32, Shape.of(-1, 1)),
                IoSpec.of("CORRID", DataType.UINT64, Shape.of(-1, 1))),
            List.of(IoSpec.of("OUTPUT", DataType.INT32, Shape.of(-1, 1))));
    ModelSpec c =
        complete(
            """
            max_batch_size: 8
            sequence_batching {
              control_input [
                { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] },
                { name: "READY" control [ { kind: CONTROL_SEQUENCE_READY int32_false_true: [ 0, 1 ] } ] },
                { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 } ] }
              ]
            }
            input [ { name: "INPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
            output [ { name: "OUTPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
            """,
            sig);
    assertThat(c.inputs()).extracting(t -> t.name()).containsExactly("INPUT");
    assertThat(c.sequenceControls())
        .extracting(s -> s.kind())
        .containsExactly(ControlKind.START, ControlKind.READY, ControlKind.CORRID);
    assertThat(c.sequenceControls().get(2).dataType()).isEqualTo(DataType.UINT64);
    assertThat(c.sequenceControls().get(0).dims()).isEqualTo(Shape.of(1));
    assertThatThrownBy(() ->
            complete(
                "sequence_batching { control_input [ { name: \"GONE\" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [0, 1] } ] } ] }",
                sig))
        .hasMessageContaining("control_input 'GONE' does not exist in the model");
    assertThatThrownBy(() ->
            complete(
                "sequence_batching { control_input [ { name: \"START\" control [ { kind: CONTROL_SEQUENCE_START fp32_false_true: [0, 1] } ] } ] }",
                sig))
        .hasMessageContaining(
            "control_input 'START' data type is TYPE_FP32 but the model has INT32");
  }

  @Test
  void checkSupported_refusesGpuEnsembleDecoupledAndCustomOps() {
    assertThatThrownBy(() ->
            AutoCompleter.checkSupported(
                parser.parse("instance_group [ { kind: KIND_GPU } ]", "m/config.pbtxt"),
                "m/config.pbtxt"))
        .hasMessageContaining("KIND_GPU is not supported");
    assertThatThrownBy(
            () -> AutoCompleter.checkSupported(parser.parse("ensemble_scheduling { }", "s"), "s"))
        .hasMessageContaining("ensemble");
    assertThatThrownBy(() ->
            AutoCompleter.checkSupported(
                parser.parse("model_transaction_policy { decoupled: true }", "s"), "s"))
        .hasMessageContaining("decoupled");
    assertThatThrownBy(() ->
            AutoCompleter.checkSupported(
                parser.parse("model_operations { op_library_filename: \"/x.so\" }", "s"), "s"))
        .hasMessageContaining("op_library_filename");
  }

  @Test
  void responseCache_isCarriedIntoTheSpec_andRefusedWithSequenceBatching() throws Exception {
    assertThat(complete("response_cache { enable: true }", FIXED).responseCache()).isTrue();
    assertThat(complete("response_cache { enable: false }", FIXED).responseCache()).isFalse();
    assertThat(complete(null, FIXED).responseCache()).isFalse();
    assertThatThrownBy(() ->
            AutoCompleter.checkSupported(
                parser.parse("sequence_batching { } response_cache { enable: true }", "s"), "s"))
        .hasMessageContaining("response cache does not support")
        .hasMessageContaining("sequence_batching");
  }

  @Test
  void instanceCount_andVersionPolicy() throws Exception {
    var cfg =
        parser.parse(
            "instance_group [ { count: 2 kind: KIND_CPU }, { kind: KIND_CPU } ] version_policy { specific { versions: [1, 3] } }",
            "s");
    assertThat(AutoCompleter.instanceCount(cfg, "s", 1)).isEqualTo(3);
    // a group without a count, and no group at all, get the backend's default (ONNX Runtime: 2)
    assertThat(AutoCompleter.instanceCount(cfg, "s", 2)).isEqualTo(4);
    assertThat(AutoCompleter.instanceCount(parser.parse("", "s"), "s", 2)).isEqualTo(2);
    assertThat(AutoCompleter.versionPolicy(cfg, "s"))
        .isEqualTo(new VersionPolicy.Specific(List.of(1L, 3L)));
    assertThat(AutoCompleter.instanceCount(parser.parse("", "s"), "s", 1)).isEqualTo(1);
    assertThat(
            AutoCompleter.versionPolicy(
                parser.parse("version_policy { latest { num_versions: 2 } }", "s"), "s"))
        .isEqualTo(new VersionPolicy.Latest(2));
    assertThat(AutoCompleter.versionPolicy(parser.parse("version_policy { all { } }", "s"), "s"))
        .isEqualTo(new VersionPolicy.All());
  }

  @Test
  void refuses_nameThatDiffersFromFolder() {
    assertThatThrownBy(() -> complete("name: \"other\"", BATCHING))
        .hasMessage("simple/config.pbtxt: name is 'other' but the model folder is 'simple'");
  }
}
