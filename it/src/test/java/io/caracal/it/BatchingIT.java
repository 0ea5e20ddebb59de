package io.caracal.it;

import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic batching on a real model: many concurrent clients of {@code cifar10-tutorial-cnn} get
 * exactly (bit for bit) what the same model answers one request at a time, and fewer backend
 * executions than requests ran.
 */
class BatchingIT {
  @TempDir Path repo;

  @Test
  void concurrentClientsGetTheUnbatchedOutputsExactly() throws Exception {
    Assumptions.assumeTrue(
        SharedData.root().isPresent(), "needs ../shared (the team's shared data)");
    Path model = SharedData.requireModel("cifar10-tutorial-cnn").resolve("model.onnx");
    for (String name : List.of("batched", "single")) {
      Files.createDirectories(repo.resolve(name + "/1"));
      Files.copy(model, repo.resolve(name + "/1/model.onnx"));
    }
    Files.writeString(
        repo.resolve("batched/config.pbtxt"),
        "max_batch_size: 8\ndynamic_batching { max_queue_delay_microseconds: 50000 }\ninstance_group { count: 2 }\n");
    Files.writeString(repo.resolve("single/config.pbtxt"), "max_batch_size: 8\n");
    int n = 24;
    Random rnd = new Random(7);
    List<ObjectNode> requests = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int rows = 1 + i % 2;
      float[] x = new float[rows * 3 * 32 * 32];
      for (int k = 0; k < x.length; k++) {
        x[k] = rnd.nextFloat() * 2 - 1;
      }
      requests.add(
          withInputs(
              request(),
              jsonInput("modelInput", "FP32", shape(rows, 3, 32, 32), V2Client.floats(x))));
    }
    try (ItServer s = ItServer.start(repo)) {
      List<JsonNode> expected = new ArrayList<>();
      for (ObjectNode r : requests) {
        V2Client.Response resp = s.client.infer("single", r);
        assertThat(resp.status()).as(resp.toString()).isEqualTo(200);
        expected.add(resp.json().path("outputs").get(0));
      }
      JsonNode[] actual =
          ConcurrentCalls.run(
              n,
              k -> {
                V2Client.Response resp = s.client.infer("batched", requests.get(k));
                return resp.status() == 200 ? resp.json().path("outputs").get(0) : resp.json();
              });
      for (int i = 0; i < n; i++) {
        assertThat(actual[i]).as("request %d", i).isEqualTo(expected.get(i));
      }
      JsonNode stats = s.client.get("/v2/models/batched/stats").json().path("model_stats").get(0);
      assertThat(stats.path("inference_stats").path("success").path("count").asLong()).isEqualTo(n);
      assertThat(stats.path("inference_count").asLong()).isEqualTo(n / 2 * 3);
      assertThat(stats.path("execution_count").asLong()).isLessThan(n);
    }
  }
}
