package io.caracal.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.caracal.api.DataType;
import io.caracal.api.ParameterValue;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.InferParameter;
import io.caracal.proto.inference.InferTensorContents;
import io.caracal.proto.inference.LogSettingsRequest;
import io.caracal.proto.inference.ModelConfigRequest;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.caracal.proto.inference.ModelMetadataRequest;
import io.caracal.proto.inference.ModelMetadataResponse;
import io.caracal.proto.inference.ModelReadyRequest;
import io.caracal.proto.inference.ModelStatisticsRequest;
import io.caracal.proto.inference.ModelStreamInferResponse;
import io.caracal.proto.inference.RepositoryIndexRequest;
import io.caracal.proto.inference.RepositoryIndexResponse;
import io.caracal.proto.inference.RepositoryModelLoadRequest;
import io.caracal.proto.inference.RepositoryModelUnloadRequest;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.proto.inference.ServerMetadataRequest;
import io.caracal.proto.inference.ServerMetadataResponse;
import io.caracal.proto.inference.ServerReadyRequest;
import io.caracal.server.testing.FakeInferenceService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every RPC in process, over a fake core. */
class InferenceGrpcServiceTest {
  FakeInferenceService core;
  Server server;
  ManagedChannel channel;
  GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

  @BeforeEach
  void start() throws Exception {
    core = new FakeInferenceService();
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new InferenceGrpcService(
                    core, "caracal", "9.9", List.of("model_configuration", "statistics")))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  static ModelInferRequest.InferInputTensor.Builder input(String name, String dt, long... shape) {
    ModelInferRequest.InferInputTensor.Builder b =
        ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(dt);
    for (long d : shape) {
      b.addShape(d);
    }
    return b;
  }

  static byte[] le(int... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : v) {
      b.putInt(x);
    }
    return b.array();
  }

  Status.Code code(Runnable r) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, r::run);
    assertThat(e).as("expected a failed call").isNotNull();
    return e.getStatus().getCode();
  }

  String message(Runnable r) {
    return catchThrowableOfType(StatusRuntimeException.class, r::run).getStatus().getDescription();
  }

  @Test
  void healthAndMetadata() {
    assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    core.setReady(false);
    assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isFalse();
    assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("echo").build()).getReady())
        .isTrue();
    assertThat(
            stub.modelReady(ModelReadyRequest.newBuilder().setName("notready").build()).getReady())
        .isFalse();
    assertThat(code(() -> stub.modelReady(ModelReadyRequest.newBuilder().setName("nope").build())))
        .as("an unknown model is INVALID_ARGUMENT, as Triton answers it")
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    ServerMetadataResponse md = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
    assertThat(md.getName()).isEqualTo("caracal");
    assertThat(md.getVersion()).isEqualTo("9.9");
    assertThat(md.getExtensionsList()).containsExactly("model_configuration", "statistics");
    ModelMetadataResponse mm =
        stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("echo").build());
    assertThat(mm.getPlatform()).isEqualTo("onnxruntime_onnx");
    assertThat(mm.getInputs(0).getShapeList()).containsExactly(-1L, 4L);
    assertThat(mm.getInputs(0).getDatatype()).isEqualTo("FP32");
    assertThat(mm.getVersionsList()).containsExactly("1");
    assertThat(
            message(() ->
                stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build())))
        .startsWith("Request for unknown model: 'nope'");
  }

  @Test
  void namesAndVersionsAreChecked() {
    for (String bad :
        List.of(
            "../x", "..", ".", "a/../../b", "/etc", "a\u0000b", "x".repeat(300), "", "%2e%2e")) {
      assertThat(
              code(
                  () -> stub.modelMetadata(ModelMetadataRequest.newBuilder().setName(bad).build())))
          .as(bad)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(
              code(() -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName(bad).build())))
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    for (String v : List.of("0", "99999999999999999999")) {
      assertThat(
              code(() ->
                  stub.modelReady(
                      ModelReadyRequest.newBuilder().setName("echo").setVersion(v).build())))
          .as(v)
          .isEqualTo(Status.Code.NOT_FOUND);
    }
    for (String v : List.of("-1", "01", "1e3", "latest", " 1")) {
      assertThat(
              code(() ->
                  stub.modelReady(
                      ModelReadyRequest.newBuilder().setName("echo").setVersion(v).build())))
          .as(v)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
  }

  @Test
  void rawInputsComeBackRaw() {
    ModelInferRequest req =
        ModelInferRequest.newBuilder()
            .setModelName("echo")
            .setId("r1")
            .addInputs(input("INPUT0", "INT32", 1, 3))
            .addInputs(input("INPUT1", "BYTES", 2))
            .addRawInputContents(ByteString.copyFrom(le(1, -2, 3)))
            .addRawInputContents(ByteString.copyFrom(new byte[] {2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0}))
            .putParameters("priority", InferParameter.newBuilder().setUint64Param(3).build())
            .build();
    ModelInferResponse resp = stub.modelInfer(req);
    assertThat(resp.getId()).isEqualTo("r1");
    assertThat(resp.getModelName()).isEqualTo("echo");
    assertThat(resp.getModelVersion()).isEqualTo("1");
    assertThat(resp.getOutputs(0).getName()).isEqualTo("OUTPUT0");
    assertThat(resp.getOutputs(0).getShapeList()).containsExactly(1L, 3L);
    assertThat(resp.getRawOutputContents(0).toByteArray()).isEqualTo(le(1, -2, 3));
    assertThat(resp.getRawOutputContents(1).toByteArray())
        .isEqualTo(new byte[] {2, 0, 0, 0, 'h', 'i', 0, 0, 0, 0});
    assertThat(core.lastRequest().parameters())
        .containsEntry("priority", new ParameterValue.Int(3));
  }

  @Test
  void typedInputsOfEveryTypeBecomeTheBinaryEncoding() {
    record Case(String dt, InferTensorContents contents, byte[] expected) {}
    List<Case> cases =
        List.of(
            new Case(
                "BOOL",
                InferTensorContents.newBuilder()
                    .addBoolContents(true)
                    .addBoolContents(false)
                    .build(),
                new byte[] {1, 0}),
            new Case(
                "INT8",
                InferTensorContents.newBuilder().addIntContents(-128).addIntContents(127).build(),
                new byte[] {-128, 127}),
            new Case(
                "INT16",
                InferTensorContents.newBuilder().addIntContents(-2).addIntContents(258).build(),
                new byte[] {-2, -1, 2, 1}),
            new Case(
                "INT32",
                InferTensorContents.newBuilder().addIntContents(1).addIntContents(-1).build(),
                le(1, -1)),
            new Case(
                "INT64",
                InferTensorContents.newBuilder().addInt64Contents(1).addInt64Contents(-1).build(),
                new byte[] {1, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1}),
            new Case(
                "UINT8",
                InferTensorContents.newBuilder().addUintContents(255).addUintContents(0).build(),
                new byte[] {-1, 0}),
            new Case(
                "UINT16",
                InferTensorContents.newBuilder().addUintContents(65535).addUintContents(1).build(),
                new byte[] {-1, -1, 1, 0}),
            new Case(
                "UINT32",
                InferTensorContents.newBuilder().addUintContents(-1).addUintContents(2).build(),
                le(-1, 2)),
            new Case(
                "UINT64",
                InferTensorContents.newBuilder()
                    .addUint64Contents(-1L)
                    .addUint64Contents(2)
                    .build(),
                new byte[] {-1, -1, -1, -1, -1, -1, -1, -1, 2, 0, 0, 0, 0, 0, 0, 0}),
            new Case(
                "FP32",
                InferTensorContents.newBuilder().addFp32Contents(1.5f).addFp32Contents(-2f).build(),
                le(Float.floatToIntBits(1.5f), Float.floatToIntBits(-2f))),
            new Case(
                "FP64",
                InferTensorContents.newBuilder().addFp64Contents(1.0).addFp64Contents(0).build(),
                new byte[] {0, 0, 0, 0, 0, 0, -16, 63, 0, 0, 0, 0, 0, 0, 0, 0}),
            new Case(
                "BYTES",
                InferTensorContents.newBuilder()
                    .addBytesContents(ByteString.copyFromUtf8("é"))
                    .addBytesContents(ByteString.EMPTY)
                    .build(),
                new byte[] {2, 0, 0, 0, (byte) 0xc3, (byte) 0xa9, 0, 0, 0, 0}));
    for (Case c : cases) {
      ModelInferRequest req =
          ModelInferRequest.newBuilder()
              .setModelName("echo")
              .addInputs(input("X", c.dt, 2).setContents(c.contents))
              .build();
      ModelInferResponse resp = stub.modelInfer(req);
      assertThat(resp.getOutputs(0).getDatatype()).isEqualTo(c.dt);
      assertThat(resp.getRawOutputContents(0).toByteArray()).as(c.dt).isEqualTo(c.expected);
      assertThat(resp.getOutputs(0).hasContents()).isFalse();
    }
    // Every fixed-size type, FP16 and BF16 included, travels raw.
    for (DataType t : DataType.values()) {
      if (!t.isFixedSize()) {
        continue;
      }
      byte[] raw = new byte[t.byteSize() * 3];
      for (int i = 0; i < raw.length; i++) {
        raw[i] = (byte) (t == DataType.BOOL ? i % 2 : i * 37);
      }
      ModelInferResponse resp =
          stub.modelInfer(
              ModelInferRequest.newBuilder()
                  .setModelName("echo")
                  .addInputs(input("X", t.wireName(), 3))
                  .addRawInputContents(ByteString.copyFrom(raw))
                  .build());
      assertThat(resp.getRawOutputContents(0).toByteArray()).as(t.name()).isEqualTo(raw);
    }
  }

  @Test
  void badInferRequestsAreInvalidArgument() {
    List<ModelInferRequest> bad =
        List.of(
            // both raw and typed
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(
                    input("A", "INT32", 1)
                        .setContents(InferTensorContents.newBuilder().addIntContents(1)))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .build(),
            // raw size mismatch
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "INT32", 2))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .build(),
            // raw count mismatch
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "INT32", 1))
                .addInputs(input("B", "INT32", 1))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .build(),
            // huge shape, overflowing shape, negative dims
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "INT32", 2147483647L, 2147483647L))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "INT32", 3037000500L, 3037000500L))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "INT32", 1L << 32, 1L << 32))
                .addRawInputContents(ByteString.EMPTY)
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "INT32", -1, 1))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .build(),
            // wrong datatype names
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "fp32", 1))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "FP128", 1))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .build(),
            // out of range typed values, wrong field, FP16 typed
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(
                    input("A", "INT8", 1)
                        .setContents(InferTensorContents.newBuilder().addIntContents(300)))
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(
                    input("A", "UINT8", 1)
                        .setContents(InferTensorContents.newBuilder().addUintContents(256)))
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(
                    input("A", "INT32", 1)
                        .setContents(InferTensorContents.newBuilder().addFp32Contents(1)))
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(
                    input("A", "FP16", 1)
                        .setContents(InferTensorContents.newBuilder().addFp32Contents(1)))
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(
                    input("A", "INT32", 2)
                        .setContents(InferTensorContents.newBuilder().addIntContents(1)))
                .build(),
            // BYTES: length past the end, wrong count
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("S", "BYTES", 1))
                .addRawInputContents(ByteString.copyFrom(new byte[] {-1, -1, -1, 127, 'x'}))
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("S", "BYTES", 2))
                .addRawInputContents(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 'x'}))
                .build(),
            // no inputs, no data, nameless input, reserved parameter
            ModelInferRequest.newBuilder().setModelName("echo").build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "INT32", 1))
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("", "INT32", 1))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "INT32", 1))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .putParameters("triton_x", InferParameter.newBuilder().setBoolParam(true).build())
                .build(),
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(
                    input("A", "INT32", 1)
                        .putParameters(
                            "shared_memory_region",
                            InferParameter.newBuilder().setStringParam("r").build()))
                .addRawInputContents(ByteString.copyFrom(le(1)))
                .build());
    for (ModelInferRequest r : bad) {
      StatusRuntimeException e =
          catchThrowableOfType(StatusRuntimeException.class, () -> stub.modelInfer(r));
      assertThat(e).as(r.toString()).isNotNull();
      assertThat(e.getStatus().getCode()).as(r.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription())
          .doesNotContain("Exception")
          .doesNotContain("/internal");
    }
    assertThat(
            message(() ->
                stub.modelInfer(
                    ModelInferRequest.newBuilder()
                        .setModelName("echo")
                        .addInputs(input("IN0", "INT32", 2))
                        .addRawInputContents(ByteString.copyFrom(le(1)))
                        .build())))
        .isEqualTo("input byte size mismatch for input 'IN0' for model 'echo'. Expected 8, got 4");
    // A zero-size tensor is fine.
    ModelInferResponse empty =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(input("A", "INT32", 1, 0))
                .addRawInputContents(ByteString.EMPTY)
                .build());
    assertThat(empty.getRawOutputContents(0).size()).isZero();
  }

  @Test
  void coreErrorsKeepTheirCodes() {
    ModelInferRequest.Builder r =
        ModelInferRequest.newBuilder()
            .addInputs(input("A", "INT32", 1))
            .addRawInputContents(ByteString.copyFrom(le(1)));
    assertThat(code(() -> stub.modelInfer(r.setModelName("nope").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(code(() -> stub.modelInfer(r.setModelName("notready").build())))
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(code(() -> stub.modelInfer(r.setModelName("throws").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> stub.modelInfer(r.setModelName("fail").build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(e.getStatus().getDescription())
        .as("no detail, a correlation id the log line repeats")
        .matches("internal error \\(correlation id [0-9a-f]{16}\\)");
  }

  @Test
  void deadlineAndCancelCancelTheCoreFuture() throws Exception {
    ModelInferRequest r =
        ModelInferRequest.newBuilder()
            .setModelName("hang")
            .addInputs(input("A", "INT32", 1))
            .addRawInputContents(ByteString.copyFrom(le(1)))
            .build();
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> stub.withDeadlineAfter(200, TimeUnit.MILLISECONDS).modelInfer(r));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    awaitCancelled(core.awaitHanging());

    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async =
        GRPCInferenceServiceGrpc.newStub(channel);
    CountDownLatch failed = new CountDownLatch(1);
    ctx.run(() ->
        async.modelInfer(
            r,
            new StreamObserver<>() {
              @Override
              public void onNext(ModelInferResponse v) {}

              @Override
              public void onError(Throwable t) {
                failed.countDown();
              }

              @Override
              public void onCompleted() {}
            }));
    CompletableFuture<?> second = core.awaitHanging();
    ctx.cancel(null);
    assertThat(failed.await(5, TimeUnit.SECONDS)).isTrue();
    awaitCancelled(second);
  }

  /**
   * Waits until the core's future is cancelled; fails if it completes otherwise or not within 10 s.
   */
  static void awaitCancelled(CompletableFuture<?> f) {
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
  }

  @Test
  void streamAnswersEachRequestAndSurvivesErrors() throws Exception {
    GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async =
        GRPCInferenceServiceGrpc.newStub(channel);
    List<ModelStreamInferResponse> got = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<ModelInferRequest> in =
        async.modelStreamInfer(
            new StreamObserver<>() {
              @Override
              public void onNext(ModelStreamInferResponse v) {
                got.add(v);
              }

              @Override
              public void onError(Throwable t) {
                done.countDown();
              }

              @Override
              public void onCompleted() {
                done.countDown();
              }
            });
    ModelInferRequest ok =
        ModelInferRequest.newBuilder()
            .setModelName("echo")
            .addInputs(input("A", "INT32", 1))
            .addRawInputContents(ByteString.copyFrom(le(7)))
            .build();
    in.onNext(ok.toBuilder().setId("1").build());
    in.onNext(ok.toBuilder().setId("2").setModelName("nope").build());
    in.onNext(ok.toBuilder().setId("3").clearRawInputContents().build());
    in.onNext(ok.toBuilder().setId("4").build());
    in.onCompleted();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(got).hasSize(4);
    assertThat(got.get(0).getErrorMessage()).isEmpty();
    assertThat(got.get(0).getInferResponse().getId()).isEqualTo("1");
    assertThat(got.get(0).getInferResponse().getRawOutputContents(0).toByteArray())
        .isEqualTo(le(7));
    assertThat(got.get(1).getErrorMessage()).startsWith("Request for unknown model: 'nope'");
    assertThat(got.get(1).getInferResponse().getId()).isEqualTo("2");
    assertThat(got.get(2).getErrorMessage()).contains("'A'");
    assertThat(got.get(2).getInferResponse().getId()).isEqualTo("3");
    assertThat(got.get(3).getErrorMessage()).isEmpty();
    assertThat(got.get(3).getInferResponse().getId()).isEqualTo("4");
  }

  @Test
  void extensionsDelegateToCore() {
    assertThat(
            stub.modelConfig(ModelConfigRequest.newBuilder().setName("echo").build())
                .getConfig()
                .getMaxBatchSize())
        .isEqualTo(8);
    assertThat(
            code(() -> stub.modelConfig(ModelConfigRequest.newBuilder().setName("nope").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    var stats = stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("echo").build());
    assertThat(stats.getModelStatsCount()).isEqualTo(1);
    assertThat(stats.getModelStats(0).getInferenceStats().getSuccess().getCount()).isEqualTo(3);
    assertThat(stats.getModelStats(0).getInferenceStats().getSuccess().getNs()).isEqualTo(300);
    assertThat(stats.getModelStats(0).getBatchStats(0).getComputeInfer().getCount()).isEqualTo(2);
    assertThat(stats.getModelStats(0).getVersion()).isEqualTo("1");
    assertThat(
            code(() ->
                stub.modelStatistics(ModelStatisticsRequest.newBuilder().setName("../x").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    RepositoryIndexResponse idx = stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance());
    assertThat(idx.getModelsList())
        .extracting(RepositoryIndexResponse.ModelIndex::getName)
        .containsExactly("echo", "notready");
    assertThat(idx.getModels(1).getState()).isEqualTo("LOADING");
    assertThat(idx.getModels(1).getReason()).isEqualTo("still loading");
    assertThat(
            stub.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build())
                .getModelsCount())
        .isEqualTo(1);
    stub.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("echo").build());
    assertThat(core.loaded()).containsExactly("echo");
    stub.repositoryModelUnload(
        RepositoryModelUnloadRequest.newBuilder().setModelName("echo").build());
    assertThat(core.unloaded()).containsExactly("echo");
    assertThat(
            code(() ->
                stub.repositoryModelUnload(
                    RepositoryModelUnloadRequest.newBuilder().setModelName("nope").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            code(() ->
                stub.repositoryModelLoad(
                    RepositoryModelLoadRequest.newBuilder().setModelName("../../etc").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    var logs = stub.logSettings(LogSettingsRequest.getDefaultInstance());
    assertThat(logs.getSettingsMap().get("log_file").getStringParam()).isEmpty();
    assertThat(logs.getSettingsMap().get("log_info").getBoolParam()).isTrue();
    var changed =
        stub.logSettings(
            LogSettingsRequest.newBuilder()
                .putSettings(
                    "log_verbose_level",
                    LogSettingsRequest.SettingValue.newBuilder().setUint32Param(1).build())
                .putSettings(
                    "log_info",
                    LogSettingsRequest.SettingValue.newBuilder().setBoolParam(false).build())
                .build());
    assertThat(changed.getSettingsMap().get("log_verbose_level").getUint32Param()).isEqualTo(1);
    assertThat(changed.getSettingsMap().get("log_info").getBoolParam()).isFalse();
    assertThat(changed.getSettingsCount()).isEqualTo(6);
    assertThat(
            code(() ->
                stub.logSettings(
                    LogSettingsRequest.newBuilder()
                        .putSettings(
                            "log_file",
                            LogSettingsRequest.SettingValue.newBuilder()
                                .setStringParam("/etc/passwd")
                                .build())
                        .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            stub.logSettings(LogSettingsRequest.getDefaultInstance())
                .getSettingsMap()
                .get("log_file")
                .getStringParam())
        .isEmpty();
    assertThat(
            stub.traceSetting(io.caracal.proto.inference.TraceSettingRequest.getDefaultInstance())
                .getSettingsMap()
                .get("trace_level")
                .getValueList())
        .containsExactly("OFF");
    assertThat(
            code(() ->
                stub.traceSetting(
                    io.caracal.proto.inference.TraceSettingRequest.newBuilder()
                        .putSettings(
                            "trace_file",
                            io.caracal.proto.inference.TraceSettingRequest.SettingValue
                                .getDefaultInstance())
                        .build())))
        .isEqualTo(Status.Code.UNIMPLEMENTED);
  }

  @Test
  void unsupportedCoreFeaturesAreUnimplemented() throws Exception {
    stop();
    String name = InProcessServerBuilder.generateName();
    io.caracal.core.InferenceService minimal =
        new io.caracal.core.InferenceService() {
          @Override
          public CompletableFuture<io.caracal.api.InferenceResponse> infer(
              io.caracal.api.InferenceRequest request) {
            return core.infer(request);
          }

          @Override
          public io.caracal.api.ModelMetadata metadata(
              String model, java.util.OptionalLong version) {
            return core.metadata(model, version);
          }

          @Override
          public boolean isModelReady(String model, java.util.OptionalLong version) {
            return core.isModelReady(model, version);
          }

          @Override
          public boolean isLive() {
            return true;
          }

          @Override
          public boolean isReady() {
            return true;
          }

          @Override
          public List<io.caracal.api.ModelStatus> index() {
            return List.of();
          }
        };
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new InferenceGrpcService(minimal, "caracal", "1", List.of()))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    assertThat(
            code(() -> stub.modelConfig(ModelConfigRequest.newBuilder().setName("echo").build())))
        .isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(code(() -> stub.modelStatistics(ModelStatisticsRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(
            code(() ->
                stub.repositoryModelLoad(
                    RepositoryModelLoadRequest.newBuilder().setModelName("echo").build())))
        .isEqualTo(Status.Code.UNIMPLEMENTED);
  }
}
