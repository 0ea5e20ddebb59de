package io.caracal.it;

import static io.caracal.it.V2Client.ints;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.caracal.api.DataType;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.RepositoryIndexRequest;
import io.caracal.proto.inference.RepositoryModelLoadRequest;
import io.caracal.proto.inference.RepositoryModelUnloadRequest;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.testing.models.TestModels;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What KServe and Seldon Core 2 need from the server (deploy/, ../shared/docs/kubernetes.md 2.7 and
 * 3.4): one model's folder as the repository served under {@code --model-name}, in both layouts
 * KServe storage URIs hold; a repository that Seldon's agent fills ({@code <model>_<n>/1/...} with
 * a config rewritten by Go's prototext, name only) and drives over gRPC; and nothing ever written
 * under the repository, which both mount read-only.
 */
class KubernetesRuntimesIT {
  @TempDir Path dir;

  private static JsonNode addSubRequest() {
    int[] a = new int[16];
    int[] b = new int[16];
    for (int i = 0; i < 16; i++) {
      a[i] = i;
      b[i] = 1;
    }
    return withInputs(
        request(),
        jsonInput("INPUT0", "INT32", shape(1, 16), ints(a)),
        jsonInput("INPUT1", "INT32", shape(1, 16), ints(b)));
  }

  private static void assertAddSubAnswers(V2Client client, String model) {
    V2Client.Response r = client.infer(model, addSubRequest());
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().path("model_name").asText()).isEqualTo(model);
    JsonNode sum = r.json().path("outputs").get(0).path("data");
    assertThat(sum.get(0).asInt()).isEqualTo(1);
    assertThat(sum.get(15).asInt()).isEqualTo(16);
  }

  @Test
  void oneModelsFolder_isServedUnderModelName_whateverItsConfigCallsIt() throws Exception {
    // KServe: storageUri gs://.../models/simple lands as /mnt/models = simple/ itself
    Path folder = TestModels.addSub(dir, "simple", DataType.INT32, 8);
    Map<Path, String> before = snapshot(folder);
    try (ItServer s = ItServer.start(folder, b -> b.modelName("mnist-isvc"))) {
      assertThat(s.client.get("/v2/models/mnist-isvc/ready").status()).isEqualTo(200);
      assertThat(s.client.get("/v2/health/ready").status()).isEqualTo(200);
      assertAddSubAnswers(s.client, "mnist-isvc");
      assertThat(s.client.get("/v2/models/simple/ready").status()).isNotEqualTo(200);
      JsonNode config = s.client.get("/v2/models/mnist-isvc/config").json();
      assertThat(config.path("name").asText()).isEqualTo("mnist-isvc");
    }
    assertThat(snapshot(folder)).as("nothing written under the repository").isEqualTo(before);
  }

  @Test
  void aFolderHoldingOnlyTheModelFile_isVersionOne() throws Exception {
    // KServe examples point at a folder with a bare model file (any *.onnx name)
    Path built = TestModels.addSub(dir.resolve("build"), "simple", DataType.INT32, 0);
    Path folder = Files.createDirectories(dir.resolve("flat"));
    Files.copy(built.resolve("1").resolve(TestModels.MODEL_FILE), folder.resolve("add_sub.onnx"));
    Map<Path, String> before = snapshot(folder);
    try (ItServer s = ItServer.start(folder, b -> b.modelName("flat"))) {
      JsonNode meta = s.client.get("/v2/models/flat").json();
      assertThat(meta.path("versions").toString()).isEqualTo("[\"1\"]");
      assertAddSubAnswers(s.client, "flat");
    }
    assertThat(snapshot(folder)).isEqualTo(before);
  }

  @Test
  void aRepositoryOfModels_staysOne_whenModelNameIsGiven() throws Exception {
    // the runtime always passes --model-name={{.Name}}; a repository URI must still serve all
    TestModels.addSub(dir, "a", DataType.INT32, 8);
    TestModels.addSub(dir, "b", DataType.INT32, 8);
    try (ItServer s = ItServer.start(dir, b -> b.modelName("isvc"))) {
      assertAddSubAnswers(s.client, "a");
      assertAddSubAnswers(s.client, "b");
    }
  }

  @Test
  void seldonAgent_goPrototextNameOnlyConfig_loadInferIndexUnloadOverGrpc() throws Exception {
    Path repo = Files.createDirectories(dir.resolve("agent-models"));
    try (ItServer s =
        ItServer.start(
            repo, b -> b.modelControlMode(ModelControlMode.EXPLICIT).strictReadiness(false))) {
      ManagedChannel channel = GrpcIT.channel(s);
      try {
        var stub =
            GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        // what the agent does: copy the artifact's version folder as <model>_<n>/1/, and write
        // the config re-serialised by Go's prototext: here only the name, with Go's unstable
        // spacing (two spaces after the colon)
        Path built = TestModels.addSub(dir.resolve("artifact"), "mnist", DataType.INT32, 8);
        Path model = Files.createDirectories(repo.resolve("mnist_1").resolve("1"));
        Files.copy(built.resolve("1").resolve(TestModels.MODEL_FILE), model.resolve("model.onnx"));
        Files.writeString(repo.resolve("mnist_1").resolve("config.pbtxt"), "name:  \"mnist_1\"\n");
        // and a full config in Go's spacing for a second version of the model
        Path model2 = Files.createDirectories(repo.resolve("mnist_2").resolve("1"));
        Files.copy(built.resolve("1").resolve(TestModels.MODEL_FILE), model2.resolve("model.onnx"));
        Files.writeString(
            repo.resolve("mnist_2").resolve("config.pbtxt"),
            "name:  \"mnist_2\"\nmax_batch_size:  8\ninput:  {\n  name:  \"INPUT0\"\n"
                + "  data_type:  TYPE_INT32\n  dims:  16\n}\ninput:  {\n  name:  \"INPUT1\"\n"
                + "  data_type:  TYPE_INT32\n  dims:  16\n}\noutput:  {\n  name:  \"OUTPUT0\"\n"
                + "  data_type:  TYPE_INT32\n  dims:  16\n}\noutput:  {\n  name:  \"OUTPUT1\"\n"
                + "  data_type:  TYPE_INT32\n  dims:  16\n}\n");
        Map<Path, String> before = snapshot(repo);
        for (String m : new String[] {"mnist_1", "mnist_2"}) {
          stub.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName(m).build());
          assertAddSubAnswers(s.client, m);
          assertThat(
                  stub.modelInfer(
                          ModelInferRequest.newBuilder()
                              .setModelName(m)
                              .addInputs(grpcInts("INPUT0"))
                              .addInputs(grpcInts("INPUT1"))
                              .build())
                      .getOutputsCount())
              .isEqualTo(2);
        }
        assertThat(
                stub.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build())
                    .getModelsList())
            .extracting(i -> i.getName())
            .containsExactlyInAnyOrder("mnist_1", "mnist_2");
        stub.repositoryModelUnload(
            RepositoryModelUnloadRequest.newBuilder().setModelName("mnist_1").build());
        assertThat(s.client.get("/v2/models/mnist_1/ready").status()).isNotEqualTo(200);
        assertThat(s.client.get("/v2/health/ready").status())
            .as("--strict-readiness=false: the pod stays in the endpoints")
            .isEqualTo(200);
        assertThat(snapshot(repo)).as("nothing written under the repository").isEqualTo(before);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static ModelInferRequest.InferInputTensor grpcInts(String name) {
    var contents = io.caracal.proto.inference.InferTensorContents.newBuilder();
    for (int i = 0; i < 16; i++) {
      contents.addIntContents(i);
    }
    return ModelInferRequest.InferInputTensor.newBuilder()
        .setName(name)
        .setDatatype("INT32")
        .addShape(1)
        .addShape(16)
        .setContents(contents)
        .build();
  }

  /** Every path under {@code root} with its size and modification time. */
  private static Map<Path, String> snapshot(Path root) throws IOException {
    Map<Path, String> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        out.put(root.relativize(p), a.size() + " " + a.lastModifiedTime().toMillis());
      }
    }
    return out;
  }
}
