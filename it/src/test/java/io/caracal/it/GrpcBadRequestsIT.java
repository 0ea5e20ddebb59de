package io.caracal.it;

import static io.caracal.it.GrpcIT.input;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.caracal.api.DataType;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.InferParameter;
import io.caracal.proto.inference.InferTensorContents;
import io.caracal.proto.inference.ModelConfigRequest;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.caracal.proto.inference.ModelMetadataRequest;
import io.caracal.proto.inference.ModelReadyRequest;
import io.caracal.proto.inference.ModelStatisticsRequest;
import io.caracal.proto.inference.RepositoryModelLoadRequest;
import io.caracal.proto.inference.RepositoryModelUnloadRequest;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.proto.inference.ServerReadyRequest;
import io.caracal.testing.Await;
import io.caracal.testing.models.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad inputs of the reliability checklist (§4a rows 5-14, 17, 18, 22-25, 31, 32) over gRPC:
 * each answers with its status code, a clean message, and the server stays healthy.
 */
class GrpcBadRequestsIT {
  static final int MAX_MESSAGE = 1 << 20;
  static final int MAX_BYTES_ELEMENT = 64 * 1024;

  @TempDir static Path repo;
  static ItServer server;
  static ManagedChannel channel;
  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;
  static final List<String> messages = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    TestModels.addSub(repo, "simple", DataType.INT32, 8);
    TestModels.identity(repo, "id_fp32", DataType.FP32, 8);
    TestModels.identity(repo, "id_flood", DataType.FP32, 8);
    TestModels.identity(repo, "id_int8", DataType.INT8, 8);
    TestModels.identity(repo, "id_bytes", DataType.BYTES, 8);
    TestModels.slow(repo, "slow", 0);
    // one instance, so that a call occupies the model and the next ones queue (row 31)
    ItServer.writeConfig(repo, "slow", "instance_group [ { count: 1 kind: KIND_CPU } ]\n");
    server =
        ItServer.start(
            repo,
            b ->
                b.maxRequestBytes(MAX_MESSAGE).maxBytesElement(MAX_BYTES_ELEMENT).queueCapacity(4));
    channel = GrpcIT.channel(server);
    stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() throws Exception {
    // §4a row 32: no message carries a path, a class name or a stack trace.
    for (String m : messages) {
      assertThat(m)
          .as(m)
          .doesNotContain("Exception")
          .doesNotContain("java.")
          .doesNotContain("\tat ");
      assertThat(m).as(m).doesNotContainPattern("(^|\\s|')/(tmp|etc|home|root|work|usr|var)/");
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  @AfterEach
  void stillHealthy() {
    assertThat(
            stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                .serverLive(ServerLiveRequest.getDefaultInstance())
                .getLive())
        .isTrue();
    assertThat(
            stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                .serverReady(ServerReadyRequest.getDefaultInstance())
                .getReady())
        .isTrue();
    assertThat(server.client.serverLive()).isTrue();
    // No test queues work on id_fp32 (the flood has a model of its own), so it answers at once.
    ModelInferResponse ok =
        stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(fp32(new byte[8], 1, 2));
    assertThat(ok.getRawOutputContents(0).size()).isEqualTo(8);
  }

  static ModelInferRequest fp32(byte[] raw, long... shape) {
    return ModelInferRequest.newBuilder()
        .setModelName("id_fp32")
        .addInputs(input("INPUT0", DataType.FP32, shape))
        .addRawInputContents(ByteString.copyFrom(raw))
        .build();
  }

  static Status.Code code(Supplier<?> call) {
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::get);
    assertThat(e).as("expected an error status").isNotNull();
    String d = e.getStatus().getDescription();
    assertThat(d).as("every error has a message").isNotBlank();
    synchronized (messages) {
      messages.add(d);
    }
    return e.getStatus().getCode();
  }

  static Status.Code infer(ModelInferRequest r) {
    return code(() -> stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(r));
  }

  @Test
  void row5to7_hugeOverflowingAndNegativeShapes() {
    assertThat(infer(fp32(new byte[16], 2147483647L, 2147483647L)))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(infer(fp32(new byte[16], 3037000500L, 3037000500L)))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(infer(fp32(new byte[0], 1L << 32, 1L << 32)))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    long[] dims64 = new long[64];
    java.util.Arrays.fill(dims64, 2);
    assertThat(infer(fp32(new byte[16], dims64))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(infer(fp32(new byte[16], -1, 4))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(infer(fp32(new byte[16], -2))).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void row8_zeroSizeDimsAreServedOrRefusedCleanly() {
    for (long[] s : new long[][] {{1, 0}, {0, 4}}) {
      try {
        ModelInferResponse r =
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).modelInfer(fp32(new byte[0], s));
        assertThat(r.getRawOutputContents(0).size()).isZero();
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      }
    }
  }

  @Test
  void row9_dataThatDoesNotFitTheShape() {
    assertThat(infer(fp32(new byte[12], 1, 4))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> stub.modelInfer(fp32(new byte[12], 1, 4)));
    assertThat(e.getStatus().getDescription())
        .isEqualTo(
            "input byte size mismatch for input 'INPUT0' for model 'id_fp32'. Expected 16, got 12");
    assertThat(
            infer(
                ModelInferRequest.newBuilder()
                    .setModelName("id_bytes")
                    .addInputs(input("INPUT0", DataType.BYTES, 1, 2))
                    .addRawInputContents(ByteString.copyFrom(Le.strings("only one")))
                    .build()))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            infer(
                ModelInferRequest.newBuilder()
                    .setModelName("id_fp32")
                    .addInputs(
                        input("INPUT0", DataType.FP32, 1, 2)
                            .setContents(InferTensorContents.newBuilder().addFp32Contents(1)))
                    .build()))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void row10_wrongOrUnknownDatatypes() {
    ModelInferRequest good = fp32(new byte[8], 1, 2);
    for (String dt : List.of("INT64", "FP128", "fp32", "")) {
      ModelInferRequest r =
          good.toBuilder().setInputs(0, good.getInputs(0).toBuilder().setDatatype(dt)).build();
      assertThat(infer(r)).as(dt).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
  }

  @Test
  void row11_outOfRangeValues() {
    assertThat(
            infer(
                ModelInferRequest.newBuilder()
                    .setModelName("id_int8")
                    .addInputs(
                        input("INPUT0", DataType.INT8, 1, 1)
                            .setContents(InferTensorContents.newBuilder().addIntContents(300)))
                    .build()))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            infer(
                ModelInferRequest.newBuilder()
                    .setModelName("id_fp32")
                    .addInputs(
                        input("INPUT0", DataType.FP16, 1, 1)
                            .setContents(InferTensorContents.newBuilder().addFp32Contents(1)))
                    .build()))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void row12_rankAndBatchViolations() {
    assertThat(infer(fp32(new byte[8], 1, 1, 2))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(infer(fp32(new byte[9 * 4], 9, 1))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    ModelInferRequest simple17 =
        ModelInferRequest.newBuilder()
            .setModelName("simple")
            .addInputs(input("INPUT0", DataType.INT32, 1, 17))
            .addInputs(input("INPUT1", DataType.INT32, 1, 17))
            .addRawInputContents(ByteString.copyFrom(new byte[68]))
            .addRawInputContents(ByteString.copyFrom(new byte[68]))
            .build();
    assertThat(infer(simple17)).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void row13_inputSetErrors() {
    ModelInferRequest.Builder base =
        ModelInferRequest.newBuilder()
            .setModelName("simple")
            .addInputs(input("INPUT0", DataType.INT32, 1, 16))
            .addRawInputContents(ByteString.copyFrom(new byte[64]));
    assertThat(infer(base.build())).as("missing INPUT1").isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            infer(
                base.clone()
                    .addInputs(input("INPUT1", DataType.INT32, 1, 16))
                    .addInputs(input("EXTRA", DataType.INT32, 1, 16))
                    .addRawInputContents(ByteString.copyFrom(new byte[64]))
                    .addRawInputContents(ByteString.copyFrom(new byte[64]))
                    .build()))
        .as("unknown input")
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            infer(
                base.clone()
                    .addInputs(input("INPUT0", DataType.INT32, 1, 16))
                    .addRawInputContents(ByteString.copyFrom(new byte[64]))
                    .build()))
        .as("duplicate input")
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            infer(
                base.clone()
                    .addInputs(input("input1", DataType.INT32, 1, 16))
                    .addRawInputContents(ByteString.copyFrom(new byte[64]))
                    .build()))
        .as("name differing in case (row 23)")
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            infer(
                base.clone()
                    .addInputs(input("INPUT1", DataType.INT32, 1, 16))
                    .addRawInputContents(ByteString.copyFrom(new byte[64]))
                    .addOutputs(
                        ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("NOPE"))
                    .build()))
        .as("unknown output")
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void row14_oversizedBytesElements() {
    ByteBuffer lie =
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(Integer.MAX_VALUE).putInt(0);
    assertThat(
            infer(
                ModelInferRequest.newBuilder()
                    .setModelName("id_bytes")
                    .addInputs(input("INPUT0", DataType.BYTES, 1, 1))
                    .addRawInputContents(ByteString.copyFrom(lie.array()))
                    .build()))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    byte[] big = new byte[MAX_BYTES_ELEMENT + 1];
    assertThat(
            infer(
                ModelInferRequest.newBuilder()
                    .setModelName("id_bytes")
                    .addInputs(
                        input("INPUT0", DataType.BYTES, 1, 1)
                            .setContents(
                                InferTensorContents.newBuilder()
                                    .addBytesContents(ByteString.copyFrom(big))))
                    .build()))
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
  }

  @Test
  void row17_rawAndTypedContentsTogether() {
    ModelInferRequest r = fp32(new byte[8], 1, 2);
    r =
        r.toBuilder()
            .setInputs(
                0,
                r.getInputs(0).toBuilder()
                    .setContents(
                        InferTensorContents.newBuilder().addFp32Contents(1).addFp32Contents(2)))
            .build();
    assertThat(infer(r)).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void row18_messageLargerThanTheLimit() {
    int n = MAX_MESSAGE / 4 + 16;
    assertThat(infer(fp32(new byte[n * 4], 1, n))).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
  }

  @Test
  void row22_manyConcurrentCallsAndRapidCancels() throws Exception {
    // A connection of its own: the server may answer the flood of RST_STREAMs with GOAWAY
    // (too_many_rststreams, Rapid-Reset protection); other connections are unaffected.
    ManagedChannel flood = GrpcIT.channel(server);
    GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async =
        GRPCInferenceServiceGrpc.newStub(flood);
    CountDownLatch finished = new CountDownLatch(1000);
    List<io.grpc.Context.CancellableContext> contexts = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
      contexts.add(ctx);
      ctx.run(() ->
          async.modelInfer(
              fp32(new byte[8], 1, 2).toBuilder().setModelName("id_flood").build(),
              new StreamObserver<>() {
                @Override
                public void onNext(ModelInferResponse v) {}

                @Override
                public void onError(Throwable t) {
                  finished.countDown();
                }

                @Override
                public void onCompleted() {
                  finished.countDown();
                }
              }));
    }
    for (io.grpc.Context.CancellableContext c : contexts) {
      c.cancel(null);
    }
    assertThat(finished.await(60, TimeUnit.SECONDS)).isTrue();
    flood.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void rows23to25_badNamesAndVersionsOnEveryApi() {
    List<String> bad =
        List.of(
            "../x",
            "..%2F",
            "%2e%2e",
            "..\\",
            "/etc",
            "a/../../b",
            ".",
            "..",
            "x".repeat(300),
            "a\u0000b",
            "a\u202eb",
            "\uff0e\uff0e\uff0f",
            "\ud83e\udd81",
            "");
    for (String name : bad) {
      assertThat(
              code(() ->
                  stub.modelInfer(fp32(new byte[8], 1, 2).toBuilder().setModelName(name).build())))
          .as(name)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(
              code(() ->
                  stub.modelMetadata(ModelMetadataRequest.newBuilder().setName(name).build())))
          .as(name)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(code(() -> stub.modelReady(ModelReadyRequest.newBuilder().setName(name).build())))
          .as(name)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(
              code(() -> stub.modelConfig(ModelConfigRequest.newBuilder().setName(name).build())))
          .as(name)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(
              code(() ->
                  stub.repositoryModelLoad(
                      RepositoryModelLoadRequest.newBuilder().setModelName(name).build())))
          .as(name)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(
              code(() ->
                  stub.repositoryModelUnload(
                      RepositoryModelUnloadRequest.newBuilder().setModelName(name).build())))
          .as(name)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      if (!name.isEmpty()) {
        assertThat(
                code(() ->
                    stub.modelStatistics(
                        ModelStatisticsRequest.newBuilder().setName(name).build())))
            .as(name)
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
      }
    }
    // Triton's codes: an unknown model is INVALID_ARGUMENT, an unknown version of a model NOT_FOUND
    assertThat(
            code(() ->
                stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            code(() ->
                stub.modelInfer(fp32(new byte[8], 1, 2).toBuilder().setModelName("nope").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    for (String v : List.of("0", "2", "99999999999999999999")) {
      assertThat(
              code(() ->
                  stub.modelMetadata(
                      ModelMetadataRequest.newBuilder().setName("simple").setVersion(v).build())))
          .as(v)
          .isEqualTo(Status.Code.NOT_FOUND);
    }
    for (String v : List.of("-1", "01", "1e3", "latest")) {
      assertThat(
              code(() ->
                  stub.modelMetadata(
                      ModelMetadataRequest.newBuilder().setName("simple").setVersion(v).build())))
          .as(v)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    assertThat(
            code(() ->
                stub.modelInfer(
                    fp32(new byte[8], 1, 2).toBuilder()
                        .putParameters(
                            "triton_x", InferParameter.newBuilder().setBoolParam(true).build())
                        .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  static ModelInferRequest slow(long iterations) {
    ByteBuffer it = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(iterations);
    return ModelInferRequest.newBuilder()
        .setModelName("slow")
        .addInputs(input("INPUT0", DataType.FP32, 1, 16))
        .addInputs(input("ITERATIONS", DataType.INT64, 1, 1))
        .addRawInputContents(ByteString.copyFrom(new byte[64]))
        .addRawInputContents(ByteString.copyFrom(it.array()))
        .build();
  }

  /** A short call of the slow model answers (the instance is free). */
  static void assertSlowAnswers() {
    assertThat(
            stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                .modelInfer(slow(1))
                .getRawOutputContentsCount())
        .isEqualTo(1);
  }

  /** Returns how many requests of model {@code slow} left its queue for an instance. */
  static long slowDispatched() {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS)
        .modelStatistics(ModelStatisticsRequest.newBuilder().setName("slow").build())
        .getModelStats(0)
        .getInferenceStats()
        .getQueue()
        .getCount();
  }

  /**
   * A deadline that passes while ONNX Runtime runs the call: DEADLINE_EXCEEDED, the server stops
   * the run (its loop would never end otherwise), and the model's one instance serves the next
   * call.
   */
  @Test
  void row31_aDeadlineThatPassesWhileTheCallRunsStopsIt() throws Exception {
    assertSlowAnswers();
    long dispatched = slowDispatched();
    assertThat(
            code(() ->
                stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS).modelInfer(slow(1L << 40))))
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    Await.until(
        "the endless call to have reached the instance",
        Duration.ofSeconds(30),
        () -> slowDispatched() == dispatched + 1);
    assertSlowAnswers();
  }

  @Test
  void row31_deadlinesAndCancelsWhileQueued() throws Exception {
    assertSlowAnswers();
    long dispatched = slowDispatched();
    GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async =
        GRPCInferenceServiceGrpc.newStub(channel);
    CountDownLatch busyDone = new CountDownLatch(1);
    // Occupy the model's one instance, then queue requests behind it that are cancelled or time
    // out.
    async
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .modelInfer(
            slow(5000),
            new StreamObserver<>() {
              @Override
              public void onNext(ModelInferResponse v) {}

              @Override
              public void onError(Throwable t) {
                busyDone.countDown();
              }

              @Override
              public void onCompleted() {
                busyDone.countDown();
              }
            });
    Await.until(
        "the long call to occupy the instance",
        Duration.ofSeconds(30),
        () -> slowDispatched() == dispatched + 1);
    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    CountDownLatch cancelled = new CountDownLatch(1);
    ctx.run(() ->
        async.modelInfer(
            slow(1),
            new StreamObserver<>() {
              @Override
              public void onNext(ModelInferResponse v) {}

              @Override
              public void onError(Throwable t) {
                if (Status.fromThrowable(t).getCode() == Status.Code.CANCELLED) {
                  cancelled.countDown();
                }
              }

              @Override
              public void onCompleted() {}
            }));
    // Sent after the cancellable call on the same connection, this one queues behind it and times
    // out.
    assertThat(code(() -> stub.withDeadlineAfter(100, TimeUnit.MILLISECONDS).modelInfer(slow(1))))
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    ctx.cancel(null);
    ctx.cancel(null); // twice: harmless
    assertThat(cancelled.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(busyDone.await(60, TimeUnit.SECONDS)).isTrue();
    // The queue slots came back: the model serves again.
    assertSlowAnswers();
  }
}
