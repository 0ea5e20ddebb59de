package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.app.Caracal;
import io.caracal.app.ServerSettings;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.proto.tfserving.ErrorCode;
import io.caracal.proto.tfserving.ModelServerConfig;
import io.caracal.proto.tfserving.ModelServiceGrpc;
import io.caracal.proto.tfserving.ReloadConfigRequest;
import io.caracal.testing.http.RawHttp;
import io.caracal.testing.models.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TF Serving's {@code model_config_list} as the repository itself (no {@code --model-repository}):
 * served names that differ from folder names, folders anywhere, {@code model_version_policy},
 * labels, and {@code HandleReloadConfigRequest} realizing a new list exactly, on a real server with
 * real ONNX models.
 */
class ModelConfigListIT {
  @TempDir Path tmp;

  private static String entry(String name, Path base, String extra) {
    return "config { name: '"
        + name
        + "' base_path: '"
        + base
        + "' model_platform: 'onnx' "
        + extra
        + " }\n";
  }

  /** Version → state, for one model. */
  private static Map<Long, ModelState> states(Caracal c, String model) {
    Map<Long, ModelState> out = new TreeMap<>();
    for (ModelStatus s : c.models()) {
      if (s.name().equals(model)) {
        out.put(s.version(), s.state());
      }
    }
    return out;
  }

  private static Caracal start(Path config, ModelControlMode mode) throws IOException {
    return Caracal.start(
        ServerSettings.builder()
            .modelConfigFile(config.toString())
            .modelControlMode(mode)
            .httpPort(0)
            .grpcPort(0)
            .metricsPort(0)
            .tfsRestPort(0)
            .tfsGrpcPort(0)
            .build());
  }

  private static ReloadConfigRequest reload(String text) throws IOException {
    ModelServerConfig.Builder b = ModelServerConfig.newBuilder();
    com.google.protobuf.TextFormat.merge(text, b);
    return ReloadConfigRequest.newBuilder().setConfig(b).build();
  }

  /** A list of {@code hp} (newest version, labelled) and {@code seven}. */
  private static ReloadConfigRequest newestHp(Path hp, int stable, Path seven) throws IOException {
    return reload(
        "model_config_list {\n"
            + entry(
                "hp",
                hp,
                "model_version_policy { latest { num_versions: 1 } }"
                    + " version_labels { key: 'stable' value: "
                    + stable
                    + " }")
            + entry("seven", seven, "")
            + "}");
  }

  @Test
  void theListIsTheRepository_andAReloadRealizesANewListExactly() throws Exception {
    Path a = tmp.resolve("disk1/half-plus-two-folder");
    for (long v : new long[] {1, 2, 3}) {
      TestModels.halfPlusTwo(a.getParent(), a.getFileName().toString(), v);
    }
    Path b = TestModels.halfPlusTwo(tmp.resolve("disk2"), "b", 1);
    Path c = TestModels.halfPlusTwo(tmp.resolve("disk3"), "c", 7);
    Path config = tmp.resolve("models.config");
    Files.writeString(
        config,
        "model_config_list {\n"
            + entry(
                "hp",
                a,
                "model_version_policy { specific { versions: 1 versions: 3 } }"
                    + " version_labels { key: 'stable' value: 3 }")
            + entry("b", b, "")
            + "}\n");
    List<Path> before;
    try (Stream<Path> s = Files.walk(tmp)) {
      before = s.sorted().toList();
    }
    try (Caracal server = start(config, ModelControlMode.EXPLICIT)) {
      // the list's models load at start (explicit mode, no --load-model)
      assertThat(states(server, "hp"))
          .isEqualTo(Map.of(1L, ModelState.READY, 3L, ModelState.READY));
      assertThat(states(server, "b")).isEqualTo(Map.of(1L, ModelState.READY));
      int v2 = server.httpAddress().getPort();
      int tfs = server.tfsRestAddress().orElseThrow().getPort();
      try (RawHttp h = new RawHttp(v2)) {
        RawHttp.Resp r =
            h.post(
                "/v2/models/hp/versions/1/infer",
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[2]}]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("\"data\":[3.0]");
      }
      try (RawHttp h = new RawHttp(tfs)) {
        RawHttp.Resp r = h.post("/v1/models/hp/labels/stable:predict", "{\"instances\":[4.0]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("{\"predictions\":[4.0]}");
      }

      ManagedChannel ch =
          NettyChannelBuilder.forAddress(
                  "127.0.0.1", server.tfsGrpcAddress().orElseThrow().getPort())
              .usePlaintext()
              .build();
      try {
        var models = ModelServiceGrpc.newBlockingStub(ch);
        // hp: the newest version only; b: no longer listed; c: new, under another name
        var answer = models.handleReloadConfigRequest(newestHp(a, 3, c));
        assertThat(answer.getStatus().getErrorCode()).isEqualTo(ErrorCode.OK);
        // the call returned once the models were loaded and unloaded
        assertThat(states(server, "hp")).containsEntry(3L, ModelState.READY);
        assertThat(states(server, "hp").get(1L)).isNotEqualTo(ModelState.READY);
        assertThat(states(server, "b").values()).doesNotContain(ModelState.READY);
        assertThat(states(server, "seven")).isEqualTo(Map.of(7L, ModelState.READY));

        // a label on a version that is not available: TF's FAILED_PRECONDITION, labels stay
        assertThatThrownBy(() -> models.handleReloadConfigRequest(newestHp(a, 2, c)))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                  assertThat(e.getStatus().getDescription())
                      .isEqualTo(
                          "Request to assign label to version 2 of model hp, which is not currently"
                              + " available for inference");
                });
        try (RawHttp h = new RawHttp(tfs)) {
          RawHttp.Resp r = h.post("/v1/models/hp/labels/stable:predict", "{\"instances\":[4.0]}");
          assertThat(r.status()).isEqualTo(200); // still version 3
        }
        // TF's rules are checked before anything changes
        assertThatThrownBy(() ->
                models.handleReloadConfigRequest(
                    reload("model_config_list { config { name: 'x' base_path: '/x' } }")))
            .hasMessageContaining("Illegal setting neither ModelServerConfig::model_type");
        assertThat(states(server, "seven")).isEqualTo(Map.of(7L, ModelState.READY));
      } finally {
        ch.shutdownNow();
      }
    }
    List<Path> after;
    try (Stream<Path> s = Files.walk(tmp)) {
      after = s.sorted().toList();
    }
    assertThat(after).as("nothing is written beside the models").isEqualTo(before);
  }

  @Test
  void reloadOverGrpc_isRefused_outsideExplicitMode() throws Exception {
    Path b = TestModels.halfPlusTwo(tmp.resolve("disk"), "b", 1);
    Path config = tmp.resolve("models.config");
    Files.writeString(config, "model_config_list {\n" + entry("b", b, "") + "}\n");
    try (Caracal server = start(config, ModelControlMode.NONE)) {
      assertThat(states(server, "b")).isEqualTo(Map.of(1L, ModelState.READY));
      ManagedChannel ch =
          NettyChannelBuilder.forAddress(
                  "127.0.0.1", server.tfsGrpcAddress().orElseThrow().getPort())
              .usePlaintext()
              .build();
      try {
        assertThatThrownBy(() ->
                ModelServiceGrpc.newBlockingStub(ch)
                    .handleReloadConfigRequest(reload("model_config_list { }")))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e ->
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        assertThat(states(server, "b")).isEqualTo(Map.of(1L, ModelState.READY));
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void aRereadFile_realizesTheNewList_andABrokenOneChangesNothing() throws Exception {
    Path a = TestModels.halfPlusTwo(tmp.resolve("disk1"), "a", 1);
    Path b = TestModels.halfPlusTwo(tmp.resolve("disk2"), "b", 2);
    Path config = tmp.resolve("models.config");
    Files.writeString(config, "model_config_list {\n" + entry("first", a, "") + "}\n");
    try (Caracal server = start(config, ModelControlMode.NONE)) {
      assertThat(states(server, "first")).isEqualTo(Map.of(1L, ModelState.READY));
      Files.writeString(config, "model_config_list {\n" + entry("second", b, "") + "}\n");
      server.reloadModelConfigFile();
      assertThat(states(server, "second")).isEqualTo(Map.of(2L, ModelState.READY));
      assertThat(states(server, "first").values()).doesNotContain(ModelState.READY);
      Files.writeString(config, "model_config_list { config { name: 'broken' ");
      server.reloadModelConfigFile();
      assertThat(states(server, "second")).isEqualTo(Map.of(2L, ModelState.READY));
      assertThat(states(server, "broken")).isEmpty();
    }
  }
}
