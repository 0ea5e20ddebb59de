package io.caracal.it;

import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.caracal.api.DataType;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.InferTensorContents;
import io.caracal.proto.inference.ModelConfigRequest;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.caracal.proto.inference.ModelMetadataRequest;
import io.caracal.proto.inference.ModelMetadataResponse;
import io.caracal.proto.inference.ModelReadyRequest;
import io.caracal.proto.inference.ModelStatisticsRequest;
import io.caracal.proto.inference.ModelStreamInferResponse;
import io.caracal.proto.inference.RepositoryIndexRequest;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.proto.inference.ServerMetadataRequest;
import io.caracal.proto.inference.ServerReadyRequest;
import io.caracal.testing.models.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The gRPC endpoint over a real socket with real models: every datatype raw and typed, byte parity
 * with REST (binary and JSON), streaming, metadata, health and the extensions core serves.
 */
class GrpcIT {
  static final int COLS = 5;

  @TempDir static Path repo;
  static ItServer server;
  static ManagedChannel channel;
  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    for (DataType t : DataType.values()) {
      TestModels.identity(repo, DatatypesIT.idModel(t), t, 8);
    }
    TestModels.addSub(repo, "simple", DataType.INT32, 8);
    TestModels.strings(repo, "strings", 8);
    server = ItServer.start(repo);
    channel = channel(server);
    stub =
        GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  static ManagedChannel channel(ItServer s) {
    return NettyChannelBuilder.forAddress("127.0.0.1", s.server.grpcAddress().getPort())
        .usePlaintext()
        .maxInboundMessageSize(Integer.MAX_VALUE)
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  static ModelInferRequest.InferInputTensor.Builder input(String name, DataType t, long... shape) {
    ModelInferRequest.InferInputTensor.Builder b =
        ModelInferRequest.InferInputTensor.newBuilder().setName(name).setDatatype(t.wireName());
    for (long d : shape) {
      b.addShape(d);
    }
    return b;
  }

  static ModelInferRequest raw(String model, DataType t, byte[] bytes, long... shape) {
    return ModelInferRequest.newBuilder()
        .setModelName(model)
        .addInputs(input("INPUT0", t, shape))
        .addRawInputContents(ByteString.copyFrom(bytes))
        .build();
  }

  /** The typed contents holding the V2 binary encoding {@code bytes} of {@code n} elements. */
  static InferTensorContents typed(DataType t, byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    while (b.hasRemaining()) {
      switch (t) {
        case BOOL -> c.addBoolContents(b.get() != 0);
        case INT8 -> c.addIntContents(b.get());
        case INT16 -> c.addIntContents(b.getShort());
        case INT32 -> c.addIntContents(b.getInt());
        case INT64 -> c.addInt64Contents(b.getLong());
        case UINT8 -> c.addUintContents(Byte.toUnsignedInt(b.get()));
        case UINT16 -> c.addUintContents(Short.toUnsignedInt(b.getShort()));
        case UINT32 -> c.addUintContents(b.getInt());
        case UINT64 -> c.addUint64Contents(b.getLong());
        case FP32 -> c.addFp32Contents(b.getFloat());
        case FP64 -> c.addFp64Contents(b.getDouble());
        case BYTES -> {
          byte[] e = new byte[b.getInt()];
          b.get(e);
          c.addBytesContents(ByteString.copyFrom(e));
        }
        case FP16, BF16 -> throw new IllegalArgumentException("raw only: " + t);
      }
    }
    return c.build();
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void everyDatatypeRoundTripsRawAndMatchesRestBinary(DataType t) {
    for (int batch = 1; batch <= 3; batch++) {
      byte[] bytes = DatatypesIT.binaryValues(t, batch * COLS, batch);
      ModelInferResponse r = stub.modelInfer(raw(DatatypesIT.idModel(t), t, bytes, batch, COLS));
      assertThat(r.getOutputs(0).getName()).isEqualTo("OUTPUT0");
      assertThat(r.getOutputs(0).getDatatype()).isEqualTo(t.wireName());
      assertThat(r.getOutputs(0).getShapeList()).containsExactly((long) batch, (long) COLS);
      assertThat(r.getRawOutputContentsCount()).isEqualTo(1);
      assertThat(r.getRawOutputContents(0).toByteArray())
          .as("%s batch %d", t, batch)
          .isEqualTo(bytes);

      ObjectNode req =
          withOutputs(
              withInputs(
                  request(), binaryInput("INPUT0", t.wireName(), shape(batch, COLS), bytes.length)),
              true,
              "OUTPUT0");
      V2Client.Response rest = server.client.inferBinary(DatatypesIT.idModel(t), req, bytes);
      assertThat(rest.status()).isEqualTo(200);
      assertThat(rest.binary("OUTPUT0"))
          .as("REST/gRPC parity %s", t)
          .isEqualTo(r.getRawOutputContents(0).toByteArray());
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"FP16", "BF16"},
      mode = EnumSource.Mode.EXCLUDE)
  void everyDatatypeTypedMatchesRestJson(DataType t) {
    ArrayNode data = DatatypesIT.jsonValues(t, 2 * COLS);
    byte[] bytes = DatatypesIT.encode(t, data);
    ModelInferRequest g =
        ModelInferRequest.newBuilder()
            .setModelName(DatatypesIT.idModel(t))
            .addInputs(input("INPUT0", t, 2, COLS).setContents(typed(t, bytes)))
            .build();
    ModelInferResponse r = stub.modelInfer(g);
    assertThat(r.getRawOutputContents(0).toByteArray()).as("typed %s", t).isEqualTo(bytes);

    ObjectNode req = withInputs(request(), jsonInput("INPUT0", t.wireName(), shape(2, COLS), data));
    req.putObject("parameters").put("binary_data_output", true);
    V2Client.Response rest = server.client.infer(DatatypesIT.idModel(t), req);
    assertThat(rest.status()).isEqualTo(200);
    assertThat(rest.binary("OUTPUT0"))
        .as("REST JSON/gRPC typed parity %s", t)
        .isEqualTo(r.getRawOutputContents(0).toByteArray());
  }

  @Test
  void addSubAndStringsComputeOverGrpc() {
    ByteBuffer a = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 16; i++) {
      a.putInt(i + 1);
      b.putInt(1);
    }
    ModelInferResponse r =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("simple")
                .setId("42")
                .addInputs(input("INPUT0", DataType.INT32, 1, 16))
                .addInputs(input("INPUT1", DataType.INT32, 1, 16))
                .addRawInputContents(ByteString.copyFrom(a.array()))
                .addRawInputContents(ByteString.copyFrom(b.array()))
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT1"))
                .build());
    assertThat(r.getId()).isEqualTo("42");
    assertThat(r.getModelVersion()).isEqualTo("1");
    assertThat(r.getOutputsList())
        .extracting(ModelInferResponse.InferOutputTensor::getName)
        .containsExactly("OUTPUT1");
    ByteBuffer out =
        r.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 16; i++) {
      assertThat(out.getInt()).isEqualTo(i);
    }
    ModelInferResponse s =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("strings")
                .addInputs(
                    input("INPUT0", DataType.BYTES, 1, 2)
                        .setContents(
                            InferTensorContents.newBuilder()
                                .addBytesContents(ByteString.copyFromUtf8("Hello, "))
                                .addBytesContents(ByteString.copyFromUtf8("Caracal "))))
                .addInputs(
                    input("INPUT1", DataType.BYTES, 1, 2)
                        .setContents(
                            InferTensorContents.newBuilder()
                                .addBytesContents(ByteString.copyFromUtf8("world"))
                                .addBytesContents(ByteString.copyFromUtf8("serves"))))
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("OUTPUT0"))
                .build());
    assertThat(s.getRawOutputContents(0).toByteArray())
        .isEqualTo(Le.strings("Hello, world", "Caracal serves"));
  }

  @Test
  void classificationOverGrpcMatchesRest() {
    ByteBuffer b = ByteBuffer.allocate(4 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : new float[] {0.1f, 0.7f, 0.2f, 0.5f}) {
      b.putFloat(f);
    }
    String model = DatatypesIT.idModel(DataType.FP32);
    ModelInferResponse r =
        stub.modelInfer(
            raw(model, DataType.FP32, b.array(), 1, 4).toBuilder()
                .addOutputs(
                    ModelInferRequest.InferRequestedOutputTensor.newBuilder()
                        .setName("OUTPUT0")
                        .putParameters(
                            "classification",
                            io.caracal.proto.inference.InferParameter.newBuilder()
                                .setInt64Param(2)
                                .build()))
                .build());
    assertThat(r.getOutputs(0).getDatatype()).isEqualTo("BYTES");
    assertThat(r.getOutputs(0).getShapeList()).containsExactly(1L, 2L);
    assertThat(r.getRawOutputContents(0).toByteArray())
        .isEqualTo(Le.strings("0.700000:1", "0.500000:3"));

    ObjectNode req = withInputs(request(), binaryInput("INPUT0", "FP32", shape(1, 4), 16));
    ObjectNode out = req.putArray("outputs").addObject();
    out.put("name", "OUTPUT0");
    out.putObject("parameters").put("classification", 2).put("binary_data", true);
    V2Client.Response rest = server.client.inferBinary(model, req, b.array());
    assertThat(rest.status()).isEqualTo(200);
    assertThat(rest.binary("OUTPUT0")).isEqualTo(r.getRawOutputContents(0).toByteArray());
  }

  @Test
  void errorsMatchRestInMessageAndCode() {
    String model = DatatypesIT.idModel(DataType.FP32);
    record Bad(String name, String datatype, long[] shape, int bytes, String restField) {}
    List<Bad> cases =
        List.of(
            new Bad("INPUT0", "FP32", new long[] {1, 4}, 12, "size mismatch"),
            new Bad("NOPE", "FP32", new long[] {1, 4}, 16, "unknown input"),
            new Bad("INPUT0", "INT32", new long[] {1, 4}, 16, "wrong datatype"),
            new Bad("INPUT0", "FP32", new long[] {9, 1}, 36, "batch too large"));
    for (Bad c : cases) {
      V2Client.Response rest =
          server.client.inferBinary(
              model,
              withInputs(request(), binaryInput(c.name, c.datatype, c.shape, c.bytes)),
              new byte[c.bytes]);
      assertThat(rest.status()).as(c.restField).isEqualTo(400);
      String restMessage =
          V2Client.parse(new String(rest.body(), java.nio.charset.StandardCharsets.UTF_8))
              .path("error")
              .asText();
      ModelInferRequest g =
          ModelInferRequest.newBuilder()
              .setModelName(model)
              .addInputs(
                  ModelInferRequest.InferInputTensor.newBuilder()
                      .setName(c.name)
                      .setDatatype(c.datatype)
                      .addAllShape(java.util.Arrays.stream(c.shape).boxed().toList()))
              .addRawInputContents(ByteString.copyFrom(new byte[c.bytes]))
              .build();
      io.grpc.StatusRuntimeException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              io.grpc.StatusRuntimeException.class, () -> stub.modelInfer(g));
      assertThat(e.getStatus().getCode())
          .as(c.restField)
          .isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).as(c.restField).isEqualTo(restMessage);
    }
  }

  @Test
  void loggingSettingsAreSharedWithRest() {
    io.caracal.proto.inference.LogSettingsRequest set =
        io.caracal.proto.inference.LogSettingsRequest.newBuilder()
            .putSettings(
                "log_verbose_level",
                io.caracal.proto.inference.LogSettingsRequest.SettingValue.newBuilder()
                    .setUint32Param(1)
                    .build())
            .build();
    try {
      var after = stub.logSettings(set);
      assertThat(after.getSettingsMap().get("log_verbose_level").getUint32Param()).isEqualTo(1);
      assertThat(after.getSettingsMap().get("log_file").getStringParam()).isEmpty();
      var rest =
          V2Client.parse(
              new String(
                  server.client.get("/v2/logging").body(),
                  java.nio.charset.StandardCharsets.UTF_8));
      assertThat(rest.path("log_verbose_level").asInt()).isEqualTo(1);
      io.grpc.StatusRuntimeException e =
          org.assertj.core.api.Assertions.catchThrowableOfType(
              io.grpc.StatusRuntimeException.class,
              () ->
                  stub.logSettings(
                      io.caracal.proto.inference.LogSettingsRequest.newBuilder()
                          .putSettings(
                              "log_file",
                              io.caracal.proto.inference.LogSettingsRequest.SettingValue
                                  .newBuilder()
                                  .setStringParam("/tmp/x.log")
                                  .build())
                          .build()));
      assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
    } finally {
      stub.logSettings(
          io.caracal.proto.inference.LogSettingsRequest.newBuilder()
              .putSettings(
                  "log_verbose_level",
                  io.caracal.proto.inference.LogSettingsRequest.SettingValue.newBuilder()
                      .setUint32Param(0)
                      .build())
              .build());
    }
  }

  @Test
  void streamingAnswersEveryRequestAndKeepsGoingAfterAnError() throws Exception {
    GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async =
        GRPCInferenceServiceGrpc.newStub(channel);
    List<ModelStreamInferResponse> got = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    StreamObserver<ModelInferRequest> in =
        async.modelStreamInfer(
            new StreamObserver<>() {
              @Override
              public void onNext(ModelStreamInferResponse v) {
                got.add(v);
              }

              @Override
              public void onError(Throwable t) {
                failures.add(t);
                done.countDown();
              }

              @Override
              public void onCompleted() {
                done.countDown();
              }
            });
    byte[] bytes = DatatypesIT.binaryValues(DataType.FP32, 2 * COLS, 1);
    ModelInferRequest ok = raw(DatatypesIT.idModel(DataType.FP32), DataType.FP32, bytes, 2, COLS);
    for (int i = 0; i < 6; i++) {
      ModelInferRequest r = ok.toBuilder().setId("r" + i).build();
      if (i == 2) {
        r = r.toBuilder().setModelName("nope").build();
      } else if (i == 3) {
        r = r.toBuilder().setInputs(0, r.getInputs(0).toBuilder().clearShape()).build();
      }
      in.onNext(r);
    }
    in.onCompleted();
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(failures).isEmpty();
    assertThat(got).hasSize(6);
    for (ModelStreamInferResponse r : got) {
      String id = r.getInferResponse().getId();
      switch (id) {
        case "r2" ->
            assertThat(r.getErrorMessage()).startsWith("Request for unknown model: 'nope'");
        case "r3" -> assertThat(r.getErrorMessage()).contains("INPUT0");
        default -> {
          assertThat(r.getErrorMessage()).as(id).isEmpty();
          assertThat(r.getInferResponse().getRawOutputContents(0).toByteArray()).isEqualTo(bytes);
        }
      }
    }
    assertThat(got)
        .extracting(r -> r.getInferResponse().getId())
        .containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4", "r5");
  }

  @Test
  void healthMetadataAndExtensions() {
    assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    var meta = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
    assertThat(meta.getName()).isEqualTo("caracal");
    // The same extensions as REST, less the HTTP-only binary tensor extension.
    List<String> rest = new java.util.ArrayList<>();
    V2Client.parse(
            new String(server.client.get("/v2").body(), java.nio.charset.StandardCharsets.UTF_8))
        .path("extensions")
        .forEach(e -> rest.add(e.asText()));
    rest.remove("binary_tensor_data");
    assertThat(meta.getExtensionsList()).containsExactlyInAnyOrderElementsOf(rest);
    assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("simple").build()).getReady())
        .isTrue();
    assertThat(
            stub.modelReady(
                    ModelReadyRequest.newBuilder().setName("simple").setVersion("1").build())
                .getReady())
        .isTrue();
    ModelMetadataResponse md =
        stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("simple").build());
    assertThat(md.getVersionsList()).containsExactly("1");
    assertThat(md.getInputsList())
        .extracting(ModelMetadataResponse.TensorMetadata::getName)
        .containsExactly("INPUT0", "INPUT1");
    assertThat(md.getInputs(0).getShapeList()).containsExactly(-1L, 16L);
    assertThat(md.getInputs(0).getDatatype()).isEqualTo("INT32");
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(
            stub.modelConfig(ModelConfigRequest.newBuilder().setName("simple").build())
                .getConfig()
                .getMaxBatchSize())
        .isEqualTo(8);
    assertThat(stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()).getModelsList())
        .anySatisfy(m -> {
          assertThat(m.getName()).isEqualTo("simple");
          assertThat(m.getState()).isEqualTo("READY");
        });
    stub.modelInfer(raw(DatatypesIT.idModel(DataType.INT64), DataType.INT64, new byte[8], 1, 1));
    var stats =
        stub.modelStatistics(
            ModelStatisticsRequest.newBuilder()
                .setName(DatatypesIT.idModel(DataType.INT64))
                .build());
    assertThat(stats.getModelStatsCount()).isEqualTo(1);
    assertThat(stats.getModelStats(0).getInferenceCount()).isPositive();
  }
}
