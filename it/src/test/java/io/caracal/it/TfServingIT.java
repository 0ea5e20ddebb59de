package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.caracal.proto.tensorflow.DataType;
import io.caracal.proto.tensorflow.TensorProto;
import io.caracal.proto.tensorflow.TensorShapeProto;
import io.caracal.proto.tfserving.ModelSpec;
import io.caracal.proto.tfserving.PredictRequest;
import io.caracal.proto.tfserving.PredictResponse;
import io.caracal.proto.tfserving.PredictionServiceGrpc;
import io.caracal.testing.http.RawHttp;
import io.caracal.testing.models.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * TF Serving REST and gRPC (their own listeners) and KServe V1 (the main port) over a real ONNX
 * {@code half_plus_two}: TF's goldens, and the same numbers as V2 gives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TfServingIT {
  @TempDir static Path repo;
  @TempDir static Path configDir; // beside the repository, not in the shared temp folder
  ItServer server;
  int tfsPort;
  ManagedChannel channel;

  @BeforeAll
  void start() throws IOException {
    TestModels.halfPlusTwo(repo, "half_plus_two", 123);
    Path config = configDir.resolve("tfs-models.config");
    java.nio.file.Files.writeString(
        config,
        "model_config_list { config { name: 'half_plus_two' base_path: '"
            + repo.resolve("half_plus_two")
            + "' model_platform: 'onnx' version_labels { key: 'stable' value: 123 } } }");
    server =
        ItServer.start(
            repo, b -> b.tfsRestPort(0).tfsGrpcPort(0).modelConfigFile(config.toString()));
    tfsPort = server.server.tfsRestAddress().orElseThrow().getPort();
    channel =
        NettyChannelBuilder.forAddress(
                "127.0.0.1", server.server.tfsGrpcAddress().orElseThrow().getPort())
            .usePlaintext()
            .build();
  }

  @AfterAll
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  private static RawHttp.Resp post(int port, String path, String body) throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      return c.post(path, body);
    }
  }

  private static RawHttp.Resp get(int port, String path) throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      return c.get(path);
    }
  }

  @Test
  void tfRest_goldens() throws IOException {
    assertThat(
            post(tfsPort, "/v1/models/half_plus_two:predict", "{\"instances\":[1.0,2.0,5.0]}")
                .text())
        .isEqualTo("{\"predictions\":[2.5,3.0,4.5]}");
    assertThat(
            post(tfsPort, "/v1/models/half_plus_two:predict", "{\"inputs\":[2.0,3.0,4.0]}").text())
        .isEqualTo("{\"outputs\":[3.0,3.5,4.0]}");
    assertThat(get(tfsPort, "/v1/models/half_plus_two").text())
        .isEqualTo(
            "{\"model_version_status\":[{\"version\":\"123\",\"state\":\"AVAILABLE\","
                + "\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}");
    assertThat(get(tfsPort, "/v1/models/half_plus_two/metadata").text())
        .contains("\"serving_default\"")
        .contains("\"x\":{\"dtype\":\"DT_FLOAT\"");
    RawHttp.Resp missing = post(tfsPort, "/v1/models/half:predict", "{\"instances\":[1.0]}");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.text())
        .isEqualTo("{\"error\":\"Servable not found for request: Latest(half)\"}");
  }

  @Test
  void sameNumbers_overV2_tfRest_tfGrpc_andKServeV1() throws IOException {
    int http = server.port();
    String v2 =
        post(
                http,
                "/v2/models/half_plus_two/infer",
                "{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[3],\"data\":[1,2,5]}]}")
            .text();
    assertThat(v2).contains("\"data\":[2.5,3.0,4.5]");
    assertThat(post(http, "/v1/models/half_plus_two:predict", "{\"instances\":[1,2,5]}").text())
        .isEqualTo("{\"predictions\":[2.5,3.0,4.5]}");
    assertThat(post(tfsPort, "/v1/models/half_plus_two:predict", "{\"instances\":[1,2,5]}").text())
        .isEqualTo("{\"predictions\":[2.5,3.0,4.5]}");
    assertThat(get(http, "/v1/models/half_plus_two").text())
        .isEqualTo("{\"name\":\"half_plus_two\",\"ready\":true}");
    TensorProto.Builder x =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(
                TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(3)));
    PredictionServiceGrpc.PredictionServiceBlockingStub tf =
        PredictionServiceGrpc.newBlockingStub(channel);
    PredictResponse typed =
        tf.predict(
            PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("half_plus_two"))
                .putInputs("x", x.clone().addFloatVal(1).addFloatVal(2).addFloatVal(5).build())
                .build());
    assertThat(typed.getOutputsOrThrow("y").getFloatValList()).containsExactly(2.5f, 3f, 4.5f);
    assertThat(typed.getModelSpec().getVersion().getValue()).isEqualTo(123);
    ByteBuffer raw = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    raw.putFloat(1).putFloat(2).putFloat(5).flip();
    PredictResponse content =
        tf.predict(
            PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("half_plus_two"))
                .putInputs("x", x.clone().setTensorContent(ByteString.copyFrom(raw)).build())
                .build());
    assertThat(content.getOutputsOrThrow("y").getFloatValList()).containsExactly(2.5f, 3f, 4.5f);
  }

  @Test
  void versionLabels_fromTheModelConfigFile() throws IOException {
    assertThat(
            post(tfsPort, "/v1/models/half_plus_two/labels/stable:predict", "{\"instances\":[1]}")
                .text())
        .isEqualTo("{\"predictions\":[2.5]}");
    RawHttp.Resp unknown =
        post(tfsPort, "/v1/models/half_plus_two/labels/canary:predict", "{\"instances\":[1]}");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.text())
        .isEqualTo("{\"error\":\"Unrecognized servable version label: canary\"}");
    PredictResponse r =
        PredictionServiceGrpc.newBlockingStub(channel)
            .predict(
                PredictRequest.newBuilder()
                    .setModelSpec(
                        ModelSpec.newBuilder().setName("half_plus_two").setVersionLabel("stable"))
                    .putInputs(
                        "x",
                        TensorProto.newBuilder()
                            .setDtype(DataType.DT_FLOAT)
                            .setTensorShape(
                                TensorShapeProto.newBuilder()
                                    .addDim(TensorShapeProto.Dim.newBuilder().setSize(1)))
                            .addFloatVal(2)
                            .build())
                    .build());
    assertThat(r.getOutputsOrThrow("y").getFloatVal(0)).isEqualTo(3f);
    assertThat(r.getModelSpec().getVersion().getValue()).isEqualTo(123);
  }

  @Test
  void badInput_is4xxNever5xx() throws IOException {
    String p = "/v1/models/half_plus_two:predict";
    for (String body :
        new String[] {
          "{\"instances\":[[1,2],[3]]}",
          "{\"instances\":[true]}",
          "{\"inputs\":[\"x\"]}",
          "{\"inputs\":" + "[".repeat(2000) + "]".repeat(2000) + "}",
          "{\"inputs\":[[1.0,2.0]]}",
          "{\"instances\":[{\"b64\":\"" + "A".repeat(1 << 20) + "\"}]}",
        }) {
      assertThat(post(tfsPort, p, body).status())
          .as(body.substring(0, Math.min(60, body.length())))
          .isBetween(400, 499);
      assertThat(post(server.port(), p, body).status()).isBetween(400, 499);
    }
  }
}
