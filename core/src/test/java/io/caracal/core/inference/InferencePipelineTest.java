package io.caracal.core.inference;

import static io.caracal.core.fixtures.Fixtures.int32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.Shape;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelSignature;
import io.caracal.core.fixtures.FakeBackend;
import io.caracal.core.fixtures.Fixtures;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.repository.AutoCompleter;
import io.caracal.core.repository.ModelRepository;
import io.caracal.core.scheduler.PooledModelRunner;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferencePipelineTest {
  @TempDir Path repo;
  final FakeBackend backend = new FakeBackend();
  ServiceUnderTest service;

  static final ModelSignature ECHO =
      new ModelSignature(
          List.of(IoSpec.of("INPUT0", DataType.INT32, Shape.of(-1, 16))),
          List.of(IoSpec.of("OUTPUT0", DataType.INT32, Shape.of(-1, 16))));

  void start(int queue) throws Exception {
    ModelRegistry registry =
        new ModelRegistry(
            ModelRepository.create(repo, List.of(backend)),
            BackendOptions.ofDefault(),
            PooledModelRunner.factory(1, queue),
            new AutoCompleter(),
            2);
    registry.loadAll();
    service = ServiceUnderTest.of(registry, RequestLimits.ofDefault());
  }

  @AfterEach
  void tearDown() {
    backend.gate.countDown();
    if (service != null) {
      service.close();
    }
  }

  void echoModel(String name, String config) throws Exception {
    backend.signatures.put(name, ECHO);
    Fixtures.write(repo.resolve(name + "/config.pbtxt"), config);
    Fixtures.write(repo.resolve(name + "/1/model.fake"), "ok");
    Fixtures.write(repo.resolve(name + "/2/model.fake"), "ok");
  }

  static InferenceRequest request(String model, OptionalLong version, long batch) {
    int[] values = new int[Math.toIntExact(batch * 16)];
    for (int i = 0; i < values.length; i++) {
      values[i] = i;
    }
    return new InferenceRequest(
        model,
        version,
        "id-7",
        List.of(new NamedTensor("INPUT0", int32(Shape.of(batch, 16), values))),
        List.of(),
        Map.of());
  }

  static InferenceError errorOf(CompletableFuture<?> f) {
    try {
      f.join();
      throw new AssertionError("no error");
    } catch (CompletionException e) {
      return ((InferenceException) e.getCause()).error();
    }
  }

  @Test
  void infer_echoesThroughTheLatestVersion_andIsolatesBrokenModels() throws Exception {
    echoModel("echo", "max_batch_size: 8 version_policy { all { } }");
    backend.signatures.put("broken", ECHO);
    Fixtures.write(repo.resolve("broken/1/model.fake"), "corrupt");
    echoModel(
        "contradicts",
        "input [ { name: \"INPUT0\" data_type: TYPE_FP32 dims: [16] } ] max_batch_size: 8");
    start(8);

    InferenceResponse r = service.infer(request("echo", OptionalLong.empty(), 2)).join();
    assertThat(r.modelName()).isEqualTo("echo");
    assertThat(r.modelVersion()).isEqualTo(2);
    assertThat(r.id()).isEqualTo("id-7");
    assertThat(r.outputs()).extracting(NamedTensor::name).containsExactly("OUTPUT0");
    assertThat(r.outputs().get(0).tensor())
        .isEqualTo(request("echo", OptionalLong.empty(), 2).inputs().get(0).tensor());
    assertThat(service.infer(request("echo", OptionalLong.of(1), 1)).join().modelVersion())
        .isEqualTo(1);

    assertThat(errorOf(service.infer(request("echo", OptionalLong.of(3), 1))))
        .isEqualTo(new InferenceError.ModelNotFound("echo", OptionalLong.of(3)));
    assertThat(errorOf(service.infer(request("nope", OptionalLong.empty(), 1))))
        .isInstanceOf(InferenceError.ModelNotFound.class);
    assertThat(errorOf(service.infer(request("../etc", OptionalLong.empty(), 1))))
        .isInstanceOf(InferenceError.InvalidInput.class);
    InferenceError broken = errorOf(service.infer(request("broken", OptionalLong.empty(), 1)));
    assertThat(broken).isInstanceOf(InferenceError.ModelNotReady.class);
    assertThat(broken.message()).contains("model file is corrupt");
    InferenceError contradicts =
        errorOf(service.infer(request("contradicts", OptionalLong.of(2), 1)));
    assertThat(contradicts.message())
        .contains(
            "contradicts/config.pbtxt: input 'INPUT0' data_type is TYPE_FP32 but the model has INT32");
    assertThat(errorOf(service.infer(request("echo", OptionalLong.empty(), 9))).message())
        .isEqualTo(
            "[request id: id-7] input 'INPUT0' has batch-size 9, but inference request batch-size must be <= 8 for 'echo'");

    assertThat(service.index())
        .containsExactly(
            new ModelStatus(
                "broken",
                1,
                ModelState.UNAVAILABLE,
                "failed to load 'broken': model file is corrupt"),
            new ModelStatus(
                "contradicts",
                2,
                ModelState.UNAVAILABLE,
                "contradicts/config.pbtxt: input 'INPUT0' data_type is TYPE_FP32 but the model has INT32"),
            new ModelStatus("echo", 1, ModelState.READY, ""),
            new ModelStatus("echo", 2, ModelState.READY, ""));
    assertThat(service.isLive()).isTrue();
    assertThat(service.isReady()).isFalse();
    assertThat(service.isModelReady("echo", OptionalLong.empty())).isTrue();
    assertThat(service.isModelReady("broken", OptionalLong.of(1))).isFalse();
    assertThatThrownBy(() -> service.isModelReady("echo", OptionalLong.of(5)))
        .isInstanceOf(InferenceException.class);
  }

  @Test
  void metadata_showsBatchDimAndReadyVersions() throws Exception {
    echoModel("echo", "max_batch_size: 8 version_policy { all { } }");
    start(8);
    assertThat(service.isReady()).isTrue();
    ModelMetadata md = service.metadata("echo", OptionalLong.empty());
    assertThat(md.versions()).containsExactly("1", "2");
    assertThat(md.platform()).isEqualTo("fake_platform");
    assertThat(md.inputs().get(0).shape()).isEqualTo(Shape.of(-1, 16));
    assertThat(md.outputs().get(0).name()).isEqualTo("OUTPUT0");
    service.close();
    assertThat(service.isLive()).isFalse();
    assertThat(errorOf(service.infer(request("echo", OptionalLong.empty(), 1))))
        .isInstanceOf(InferenceError.ShuttingDown.class);
    assertThat(backend.closes.get()).isEqualTo(backend.loads.get());
  }

  @Test
  void queueFull_failsAtOnce_neverBlocks() throws Exception {
    echoModel("echo", "max_batch_size: 8");
    backend.gate = new CountDownLatch(1);
    start(1);
    CompletableFuture<InferenceResponse> running =
        service.infer(request("echo", OptionalLong.empty(), 1));
    backend.entered.await();
    CompletableFuture<InferenceResponse> queued =
        service.infer(request("echo", OptionalLong.empty(), 1));
    CompletableFuture<InferenceResponse> rejected =
        service.infer(request("echo", OptionalLong.empty(), 1));
    assertThat(rejected).isCompletedExceptionally();
    assertThat(errorOf(rejected)).isEqualTo(new InferenceError.QueueFull("echo", 1));
    assertThat(running).isNotDone();
    backend.gate.countDown();
    assertThat(running.join().modelVersion()).isEqualTo(2);
    assertThat(queued.join().modelVersion()).isEqualTo(2);
  }

  @Test
  void backendFailure_isMapped_withACorrelationId_andWithoutTheBackendsMessage() throws Exception {
    echoModel("echo", "max_batch_size: 8");
    start(4);
    backend.fail = true;
    CompletableFuture<InferenceResponse> f =
        service.infer(request("echo", OptionalLong.empty(), 1));
    InferenceError e = errorOf(f);
    assertThat(e)
        .isInstanceOfSatisfying(
            InferenceError.BackendFailure.class, b -> assertThat(b.model()).isEqualTo("echo"));
    assertThat(e.message())
        .matches(
            "inference failed for model 'echo': internal error \\(correlation id [0-9a-f]{16}\\)");
    InferenceException thrown = InferenceException.from(f.handle((r, t) -> t).join());
    assertThat(thrown.isUnexpected()).isTrue();
    assertThat(thrown.getCause())
        .as("the backend's failure is kept for the log")
        .hasMessage("boom");
  }

  @Test
  void infer_neverThrows_evenForAnInvalidName() throws Exception {
    start(4);
    CompletableFuture<InferenceResponse> f =
        service.infer(request("../etc", OptionalLong.empty(), 1));
    assertThat(errorOf(f)).isInstanceOf(InferenceError.InvalidInput.class);
  }

  @Test
  void sequenceModel_runsAsOneRequestSequence() throws Exception {
    backend.signatures.put(
        "seq",
        new ModelSignature(
            List.of(
                IoSpec.of("INPUT", DataType.INT32, Shape.of(-1, 1)),
                IoSpec.of("START", DataType.INT32, Shape.of(-1, 1)),
                IoSpec.of("END", DataType.BOOL, Shape.of(-1, 1)),
                IoSpec.of("CORRID", DataType.UINT64, Shape.of(-1, 1))),
            List.of(IoSpec.of("OUTPUT", DataType.INT32, Shape.of(-1, 1)))));
    Fixtures.write(
        repo.resolve("seq/config.pbtxt"),
        """
        max_batch_size: 8
        sequence_batching {
          control_input [
            { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 7 ] } ] },
            { name: "END" control [ { kind: CONTROL_SEQUENCE_END bool_false_true: [ false, true ] } ] },
            { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 } ] }
          ]
        }
        input [ { name: "INPUT" data_type: TYPE_INT32 dims: [ 1 ] } ]
        """);
    Fixtures.write(repo.resolve("seq/1/model.fake"), "ok");
    start(4);
    assertThat(service.metadata("seq", OptionalLong.empty()).inputs())
        .extracting(t -> t.name())
        .containsExactly("INPUT");
    var req =
        new InferenceRequest(
            "seq",
            OptionalLong.empty(),
            "",
            List.of(new NamedTensor("INPUT", int32(Shape.of(2, 1), 5, 6))),
            List.of(),
            Map.of("sequence_id", new ParameterValue.Int(99)));
    service.infer(req).join();
    List<NamedTensor> sent = backend.calls.get(0);
    assertThat(sent)
        .extracting(NamedTensor::name)
        .containsExactly("INPUT", "START", "END", "CORRID");
    assertThat(sent.get(1).tensor()).isEqualTo(int32(Shape.of(2, 1), 7, 7));
    assertThat(sent.get(2).tensor().dataType()).isEqualTo(DataType.BOOL);
    assertThat(sent.get(2).tensor().data().get(0)).isEqualTo((byte) 1);
    assertThat(sent.get(3).tensor().shape()).isEqualTo(Shape.of(2, 1));
    assertThat(sent.get(3).tensor().data().order(ByteOrder.LITTLE_ENDIAN).getLong(8))
        .isEqualTo(99L);
  }

  @Test
  void reshape_isAppliedToInputsAndUndoneOnOutputs() throws Exception {
    backend.signatures.put(
        "rs",
        new ModelSignature(
            List.of(IoSpec.of("x", DataType.INT32, Shape.of(-1, 4, 4))),
            List.of(IoSpec.of("y", DataType.INT32, Shape.of(-1, 4, 4)))));
    Fixtures.write(
        repo.resolve("rs/config.pbtxt"),
        """
        max_batch_size: 2
        input [ { name: "x" data_type: TYPE_INT32 dims: [ 16 ] reshape { shape: [ 4, 4 ] } } ]
        output [ { name: "y" data_type: TYPE_INT32 dims: [ 16 ] reshape { shape: [ 4, 4 ] } } ]
        """);
    Fixtures.write(repo.resolve("rs/1/model.fake"), "ok");
    start(4);
    var req =
        new InferenceRequest(
            "rs",
            OptionalLong.empty(),
            "",
            List.of(new NamedTensor("x", int32(Shape.of(1, 16), new int[16]))),
            List.of(),
            Map.of());
    InferenceResponse r = service.infer(req).join();
    assertThat(backend.calls.get(0).get(0).tensor().shape()).isEqualTo(Shape.of(1, 4, 4));
    assertThat(r.outputs().get(0).tensor().shape()).isEqualTo(Shape.of(1, 16));
  }
}
