package io.caracal.it;

import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One network in three formats, one Triton repository, one server: the cross-backend model of the
 * backends' generators (input {@code x} float32 [-1,4], Linear(4,3) with W[i][j] = (i+1)/10 - j/20
 * and b[i] = (i+1)/100, ReLU, Linear(3,2) with V[i][j] = (i+1)/5 - j/10 and c = [0.5, -0.5], output
 * {@code y} float32 [-1,2]) exported to ONNX ({@code onnxruntime_onnx}), a SavedModel ({@code
 * tensorflow_savedmodel}) and TorchScript ({@code pytorch_libtorch}), each served without knowing
 * about the others. The same V2 request must get the same answer from all three within 1e-5, and
 * the answer computed here from the spec. Runs only in the {@code all-backends} profile
 * (it/pom.xml), which builds both optional backends.
 */
class CrossBackendIT {
  static final Path TF = Path.of("../backends/tensorflow/src/test/models/cross");
  static final Path PT = Path.of("../backends/pytorch/src/test/models/cross");
  static final List<String> MODELS = List.of("cross_onnx", "cross_tf", "cross_pt");

  @TempDir static Path repo;
  static ItServer server;

  @BeforeAll
  static void start() throws Exception {
    copyTree(TF.resolve("cross_onnx"), repo.resolve("cross_onnx"));
    copyTree(TF.resolve("cross_tf"), repo.resolve("cross_tf"));
    copyTree(PT, repo.resolve("cross_pt"));
    Files.deleteIfExists(repo.resolve("cross_pt/expected.txt"));
    server = ItServer.start(repo);
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theThreeFormatsAreServedAndReadyUnderTheirPlatforms() {
    assertThat(server.client.metadata("cross_onnx").path("platform").asText())
        .isEqualTo("onnxruntime_onnx");
    assertThat(server.client.metadata("cross_tf").path("platform").asText())
        .isEqualTo("tensorflow_savedmodel");
    assertThat(server.client.metadata("cross_pt").path("platform").asText())
        .isEqualTo("pytorch_libtorch");
    JsonNode backends = server.client.get("/v2").json().path("backends");
    assertThat(backends.toString()).contains("onnxruntime", "tensorflow", "pytorch");
  }

  @Test
  void theSameRequestGetsTheSameAnswerFromEachBackendWithin1e5() throws Exception {
    Random random = new Random(42);
    int rows = 4; // the auto-completed max_batch_size of the ONNX and SavedModel copies (no config)
    float[] x = new float[rows * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (random.nextGaussian() * 2);
    }
    double[] want = io.caracal.testing.models.CrossNetwork.expected(x, rows);
    float[][] got = new float[MODELS.size()][];
    for (int m = 0; m < MODELS.size(); m++) {
      V2Client.Response r =
          server.client.inferBinary(
              MODELS.get(m),
              withOutputs(
                  withInputs(request(), binaryInput("x", "FP32", shape(rows, 4), x.length * 4)),
                  true,
                  "y"),
              Le.fp32(x));
      assertThat(r.status()).as("%s: %s", MODELS.get(m), r).isEqualTo(200);
      assertThat(r.shapeOf("y")).containsExactly(rows, 2);
      got[m] = Le.toFp32(r.binary("y"));
      for (int i = 0; i < want.length; i++) {
        assertThat((double) got[m][i])
            .as("%s y[%d]", MODELS.get(m), i)
            .isCloseTo(want[i], within(1e-5));
      }
    }
    for (int m = 1; m < MODELS.size(); m++) {
      for (int i = 0; i < want.length; i++) {
        assertThat(got[m][i])
            .as("%s vs %s y[%d]", MODELS.get(m), MODELS.get(0), i)
            .isCloseTo(got[0][i], within(1e-5f));
      }
    }
  }
}
