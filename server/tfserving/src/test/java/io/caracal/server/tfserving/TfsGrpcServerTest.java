package io.caracal.server.tfserving;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import io.caracal.proto.tensorflow.DataType;
import io.caracal.proto.tensorflow.SignatureDef;
import io.caracal.proto.tensorflow.TensorProto;
import io.caracal.proto.tensorflow.TensorShapeProto;
import io.caracal.proto.tfserving.ErrorCode;
import io.caracal.proto.tfserving.GetModelMetadataRequest;
import io.caracal.proto.tfserving.GetModelMetadataResponse;
import io.caracal.proto.tfserving.GetModelStatusRequest;
import io.caracal.proto.tfserving.GetModelStatusResponse;
import io.caracal.proto.tfserving.ModelServiceGrpc;
import io.caracal.proto.tfserving.ModelSpec;
import io.caracal.proto.tfserving.ModelVersionStatus;
import io.caracal.proto.tfserving.PredictRequest;
import io.caracal.proto.tfserving.PredictResponse;
import io.caracal.proto.tfserving.PredictionServiceGrpc;
import io.caracal.proto.tfserving.SignatureDefMap;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** TF Serving's gRPC API over a real socket, with stubs generated from Caracal's own protos. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TfsGrpcServerTest {
  final HalfPlusTwoService service = new HalfPlusTwoService();
  TfsGrpcServer server;
  ManagedChannel channel;
  PredictionServiceGrpc.PredictionServiceBlockingStub predict;
  ModelServiceGrpc.ModelServiceBlockingStub models;

  @BeforeAll
  void start() {
    server = TfsGrpcServer.builder().service(service).port(0).build();
    int port = server.start().getPort();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    predict = PredictionServiceGrpc.newBlockingStub(channel);
    models = ModelServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  private static ModelSpec spec(String name) {
    return ModelSpec.newBuilder().setName(name).build();
  }

  private static TensorProto floats(long[] dims, float... v) {
    TensorProto.Builder b = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT);
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    b.setTensorShape(s);
    for (float f : v) {
      b.addFloatVal(f);
    }
    return b.build();
  }

  private static Status.Code code(Runnable r) {
    try {
      r.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    throw new AssertionError("no error");
  }

  private static String message(Runnable r) {
    try {
      r.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + " " + e.getStatus().getDescription();
    }
    throw new AssertionError("no error");
  }

  @Test
  void predict_typedValues_golden() {
    PredictResponse r =
        predict.predict(
            PredictRequest.newBuilder()
                .setModelSpec(spec("half_plus_two"))
                .putInputs("x", floats(new long[] {1}, 2.0f))
                .addOutputFilter("y")
                .build());
    assertThat(r.getOutputsOrThrow("y").getFloatVal(0)).isEqualTo(3.0f);
    assertThat(r.getOutputsOrThrow("y").getDtype()).isEqualTo(DataType.DT_FLOAT);
    assertThat(r.getOutputsOrThrow("y").getTensorShape().getDim(0).getSize()).isEqualTo(1);
    assertThat(r.getModelSpec().getName()).isEqualTo("half_plus_two");
    assertThat(r.getModelSpec().getVersion().getValue()).isEqualTo(123);
    assertThat(r.getModelSpec().getSignatureName()).isEqualTo("serving_default");
  }

  @Test
  void predict_tensorContent_andLastValueFill() {
    ByteBuffer raw = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    raw.putFloat(1f).putFloat(2f).putFloat(5f).flip();
    TensorProto content =
        floats(new long[] {3}).toBuilder().setTensorContent(ByteString.copyFrom(raw)).build();
    PredictResponse r =
        predict.predict(
            PredictRequest.newBuilder()
                .setModelSpec(spec("half_plus_two"))
                .putInputs("x", content)
                .build());
    assertThat(r.getOutputsOrThrow("y").getFloatValList()).containsExactly(2.5f, 3f, 4.5f);
    PredictResponse filled =
        predict.predict(
            PredictRequest.newBuilder()
                .setModelSpec(spec("half_plus_two"))
                .putInputs("x", floats(new long[] {3}, 4f))
                .build());
    assertThat(filled.getOutputsOrThrow("y").getFloatValList()).containsExactly(4f, 4f, 4f);
  }

  @Test
  void predict_errors() {
    assertThat(
            message(() ->
                predict.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(spec("half"))
                        .putInputs("x", floats(new long[] {1}, 1f))
                        .build())))
        .isEqualTo("NOT_FOUND Servable not found for request: Latest(half)");
    assertThat(
            message(() ->
                predict.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(
                            spec("half_plus_two").toBuilder().setVersion(Int64Value.of(7)))
                        .putInputs("x", floats(new long[] {1}, 1f))
                        .build())))
        .isEqualTo("NOT_FOUND Servable not found for request: Specific(half_plus_two, 7)");
    assertThat(message(() -> predict.predict(PredictRequest.getDefaultInstance())))
        .isEqualTo("INVALID_ARGUMENT ModelSpec has no name specified.");
    assertThat(
            message(() ->
                predict.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(spec("half_plus_two").toBuilder().setSignatureName("s"))
                        .putInputs("x", floats(new long[] {1}, 1f))
                        .build())))
        .isEqualTo("FAILED_PRECONDITION Serving signature key \"s\" not found.");
    assertThat(
            message(() ->
                predict.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(spec("half_plus_two"))
                        .putInputs("z", floats(new long[] {1}, 1f))
                        .build())))
        .isEqualTo(
            "INVALID_ARGUMENT input tensor alias not found in signature: z. Inputs expected to be"
                + " in the set {x}.");
    assertThat(
            message(() ->
                predict.predict(
                    PredictRequest.newBuilder().setModelSpec(spec("half_plus_two")).build())))
        .isEqualTo(
            "INVALID_ARGUMENT input size does not match signature: 0!=1 len({}) != len({x})."
                + " Sent extra: {}. Missing but required: {x}.");
    assertThat(
            message(() ->
                predict.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(spec("half_plus_two"))
                        .putInputs("x", floats(new long[] {1}, 1f))
                        .addOutputFilter("w")
                        .build())))
        .isEqualTo(
            "INVALID_ARGUMENT output tensor alias not found in signature: w Outputs expected to"
                + " be in the set {y}.");
    assertThat(
            message(() ->
                predict.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(spec("half_plus_two"))
                        .putInputs("x", floats(new long[] {1}, 1f))
                        .addOutputFilter("y")
                        .addOutputFilter("y")
                        .build())))
        .isEqualTo("INVALID_ARGUMENT duplicate output tensor alias: y");
    TensorProto bad =
        floats(new long[] {3}).toBuilder()
            .setTensorContent(ByteString.copyFrom(new byte[5]))
            .build();
    assertThat(
            message(() ->
                predict.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(spec("half_plus_two"))
                        .putInputs("x", bad)
                        .build())))
        .isEqualTo("INVALID_ARGUMENT tensor parsing error: x");
    assertThat(
            message(() ->
                predict.predict(
                    PredictRequest.newBuilder()
                        .setModelSpec(spec("half_plus_two").toBuilder().setVersionLabel("stable"))
                        .putInputs("x", floats(new long[] {1}, 1f))
                        .build())))
        .isEqualTo("INVALID_ARGUMENT Unrecognized servable version label: stable");
  }

  @Test
  void metadata_signatureDefInAny() throws Exception {
    GetModelMetadataResponse r =
        predict.getModelMetadata(
            GetModelMetadataRequest.newBuilder()
                .setModelSpec(spec("half_plus_two"))
                .addMetadataField("signature_def")
                .build());
    assertThat(r.getModelSpec().getVersion().getValue()).isEqualTo(123);
    assertThat(r.getMetadataOrThrow("signature_def").getTypeUrl())
        .isEqualTo("type.googleapis.com/tensorflow.serving.SignatureDefMap");
    SignatureDef sig =
        r.getMetadataOrThrow("signature_def")
            .unpack(SignatureDefMap.class)
            .getSignatureDefOrThrow("serving_default");
    assertThat(sig.getMethodName()).isEqualTo("tensorflow/serving/predict");
    assertThat(sig.getInputsOrThrow("x").getDtype()).isEqualTo(DataType.DT_FLOAT);
    assertThat(sig.getOutputsOrThrow("y").getTensorShape().getDim(0).getSize()).isEqualTo(-1);
    assertThat(
            message(() -> predict.getModelMetadata(GetModelMetadataRequest.getDefaultInstance())))
        .isEqualTo("INVALID_ARGUMENT Missing ModelSpec");
    assertThat(
            message(() ->
                predict.getModelMetadata(
                    GetModelMetadataRequest.newBuilder()
                        .setModelSpec(spec("half_plus_two"))
                        .build())))
        .isEqualTo(
            "INVALID_ARGUMENT GetModelMetadataRequest must specify at least one metadata_field");
    assertThat(
            message(() ->
                predict.getModelMetadata(
                    GetModelMetadataRequest.newBuilder()
                        .setModelSpec(spec("half_plus_two"))
                        .addMetadataField("other")
                        .build())))
        .isEqualTo("INVALID_ARGUMENT Metadata field other is not supported");
  }

  @Test
  void status_newestFirst_andErrors() {
    GetModelStatusResponse r =
        models.getModelStatus(
            GetModelStatusRequest.newBuilder().setModelSpec(spec("half_plus_two")).build());
    assertThat(r.getModelVersionStatusList())
        .extracting(ModelVersionStatus::getVersion)
        .containsExactly(124L, 123L);
    assertThat(r.getModelVersionStatus(1).getState()).isEqualTo(ModelVersionStatus.State.AVAILABLE);
    assertThat(r.getModelVersionStatus(1).getStatus().getErrorCode()).isEqualTo(ErrorCode.OK);
    assertThat(r.getModelVersionStatus(0).getState()).isEqualTo(ModelVersionStatus.State.END);
    assertThat(message(() -> models.getModelStatus(GetModelStatusRequest.getDefaultInstance())))
        .isEqualTo("INVALID_ARGUMENT Missing ModelSpec");
    assertThat(
            message(() ->
                models.getModelStatus(
                    GetModelStatusRequest.newBuilder().setModelSpec(spec("nomodel")).build())))
        .isEqualTo("NOT_FOUND Could not find any versions of model nomodel");
  }

  @Test
  void regressAndClassify() {
    io.caracal.proto.tfserving.Input input = oneExample(2f);
    io.caracal.proto.tfserving.RegressionResponse r =
        predict.regress(
            io.caracal.proto.tfserving.RegressionRequest.newBuilder()
                .setModelSpec(spec("half_plus_two"))
                .setInput(input)
                .build());
    assertThat(r.getResult().getRegressions(0).getValue()).isEqualTo(3f);
    assertThat(r.getModelSpec().getSignatureName()).isEqualTo("serving_default");
    assertThat(
            message(() ->
                predict.classify(
                    io.caracal.proto.tfserving.ClassificationRequest.newBuilder()
                        .setModelSpec(spec("half_plus_two"))
                        .setInput(input)
                        .build())))
        .isEqualTo("INVALID_ARGUMENT Expected Tensor shape: [batch_size num_classes] but got [1]");
    assertThat(
            message(() ->
                predict.regress(
                    io.caracal.proto.tfserving.RegressionRequest.newBuilder()
                        .setModelSpec(spec("half_plus_two"))
                        .build())))
        .isEqualTo("INVALID_ARGUMENT Input is empty.");
  }

  private static io.caracal.proto.tfserving.Input oneExample(float x) {
    io.caracal.proto.tensorflow.Example ex =
        io.caracal.proto.tensorflow.Example.newBuilder()
            .setFeatures(
                io.caracal.proto.tensorflow.Features.newBuilder()
                    .putFeature(
                        "x",
                        io.caracal.proto.tensorflow.Feature.newBuilder()
                            .setFloatList(
                                io.caracal.proto.tensorflow.FloatList.newBuilder().addValue(x))
                            .build()))
            .build();
    return io.caracal.proto.tfserving.Input.newBuilder()
        .setExampleList(io.caracal.proto.tfserving.ExampleList.newBuilder().addExamples(ex))
        .build();
  }

  private static io.caracal.proto.tfserving.InferenceTask task(String model, String method) {
    return io.caracal.proto.tfserving.InferenceTask.newBuilder()
        .setModelSpec(spec(model))
        .setMethodName(method)
        .build();
  }

  @Test
  void multiInference_runsTheTasksInOrder_onOneAnswer() {
    io.caracal.proto.tfserving.MultiInferenceResponse r =
        predict.multiInference(
            io.caracal.proto.tfserving.MultiInferenceRequest.newBuilder()
                .addTasks(task("half_plus_two", "tensorflow/serving/regress"))
                .setInput(oneExample(4f))
                .build());
    assertThat(r.getResultsCount()).isEqualTo(1);
    assertThat(r.getResults(0).getRegressionResult().getRegressions(0).getValue()).isEqualTo(4f);
    assertThat(r.getResults(0).getModelSpec().getName()).isEqualTo("half_plus_two");
    assertThat(r.getResults(0).getModelSpec().getVersion().getValue()).isEqualTo(123);
    assertThat(r.getResults(0).getModelSpec().getSignatureName()).isEqualTo("serving_default");
  }

  @Test
  void multiInference_rules_withTfMessages() {
    var input = oneExample(1f);
    java.util.function.Function<java.util.List<io.caracal.proto.tfserving.InferenceTask>, String>
        call =
            tasks ->
                message(() ->
                    predict.multiInference(
                        io.caracal.proto.tfserving.MultiInferenceRequest.newBuilder()
                            .addAllTasks(tasks)
                            .setInput(input)
                            .build()));
    assertThat(call.apply(java.util.List.of())).isEqualTo("INVALID_ARGUMENT Tasks cannot be empty");
    assertThat(call.apply(java.util.List.of(task("", "tensorflow/serving/regress"))))
        .isEqualTo("INVALID_ARGUMENT Found ModelSpec with an empty model name.");
    assertThat(
            call.apply(
                java.util.List.of(
                    task("half_plus_two", "tensorflow/serving/regress"),
                    task("other", "tensorflow/serving/classify"))))
        .isEqualTo(
            "INVALID_ARGUMENT All ModelSpecs in a MultiInferenceRequest must access the same model"
                + " name.");
    assertThat(
            call.apply(
                java.util.List.of(
                    task("half_plus_two", "tensorflow/serving/regress"),
                    task("half_plus_two", "tensorflow/serving/regress"))))
        .isEqualTo("INVALID_ARGUMENT Duplicate evaluation of signature: serving_default");
    assertThat(call.apply(java.util.List.of(task("half_plus_two", "tensorflow/serving/predict"))))
        .isEqualTo("UNIMPLEMENTED Unsupported signature method_name: tensorflow/serving/predict");
    var named =
        io.caracal.proto.tfserving.InferenceTask.newBuilder()
            .setModelSpec(spec("half_plus_two").toBuilder().setSignatureName("other"))
            .setMethodName("tensorflow/serving/regress")
            .build();
    assertThat(call.apply(java.util.List.of(named)))
        .isEqualTo("INVALID_ARGUMENT Requested signature not found in model graph: other");
    // a task the model cannot answer fails the call (half_plus_two has no [N,C] scores)
    assertThat(
            call.apply(
                java.util.List.of(
                    task("half_plus_two", "tensorflow/serving/regress"),
                    task("half_plus_two", "tensorflow/serving/classify"))))
        .isEqualTo("INVALID_ARGUMENT Expected Tensor shape: [batch_size num_classes] but got [1]");
  }

  private static io.caracal.proto.tfserving.ReloadConfigRequest reloadRequest(String name) {
    return io.caracal.proto.tfserving.ReloadConfigRequest.newBuilder()
        .setConfig(
            io.caracal.proto.tfserving.ModelServerConfig.newBuilder()
                .setModelConfigList(
                    io.caracal.proto.tfserving.ModelConfigList.newBuilder()
                        .addConfig(
                            io.caracal.proto.tfserving.ModelConfig.newBuilder()
                                .setName(name)
                                .setBasePath("/models/" + name)
                                .setModelPlatform("onnx"))))
        .addMetricNames("load_count")
        .build();
  }

  @Test
  void reloadConfig_isRefused_unlessTheServerAllowsIt() {
    assertThat(message(() -> models.handleReloadConfigRequest(reloadRequest("m"))))
        .isEqualTo(
            "FAILED_PRECONDITION HandleReloadConfigRequest needs --model-control-mode explicit"
                + " and the models listed by --model-config-file");
    assertThat(
            message(() ->
                models.handleReloadConfigRequest(
                    io.caracal.proto.tfserving.ReloadConfigRequest.getDefaultInstance())))
        .isEqualTo(
            "INVALID_ARGUMENT ServerModelConfig type not supported by HandleReloadConfigRequest."
                + " Only ModelConfigList is currently supported");
  }

  @Test
  void reloadConfig_appliesTheList_andAnswersTfsShape() {
    java.util.List<io.caracal.proto.tfserving.ModelServerConfig> applied =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    TfsGrpcServer s =
        TfsGrpcServer.builder()
            .service(service)
            .port(0)
            .configReloads(c -> {
              ModelConfigFile.of(c); // TF's rules first, as the server's watcher does
              applied.add(c);
            })
            .build();
    int port = s.start().getPort();
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      var stub = ModelServiceGrpc.newBlockingStub(ch);
      io.caracal.proto.tfserving.ReloadConfigResponse r =
          stub.handleReloadConfigRequest(reloadRequest("m"));
      assertThat(r.getStatus().getErrorCode()).isEqualTo(ErrorCode.OK);
      assertThat(r.getMetricList())
          .singleElement()
          .satisfies(m -> {
            assertThat(m.getName()).isEqualTo("load_count");
            assertThat(m.getInt64ValueIncrease()).isZero();
          });
      assertThat(applied).singleElement().isEqualTo(reloadRequest("m").getConfig());
      var twice =
          reloadRequest("m").toBuilder()
              .setConfig(
                  reloadRequest("m").getConfig().toBuilder()
                      .setModelConfigList(
                          reloadRequest("m").getConfig().getModelConfigList().toBuilder()
                              .addConfig(
                                  reloadRequest("m")
                                      .getConfig()
                                      .getModelConfigList()
                                      .getConfig(0))))
              .build();
      assertThat(message(() -> stub.handleReloadConfigRequest(twice)))
          .isEqualTo("INVALID_ARGUMENT Illegal to list model m multiple times in config list");
      assertThat(applied).hasSize(1);
    } finally {
      ch.shutdownNow();
      s.close();
    }
  }
}
