package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.caracal.api.DataType;
import io.caracal.api.ModelState;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.testing.models.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poll mode under load: while clients call two models, versions of one are swapped 20 times by
 * writing new version folders (and its config is edited), the repository being rescanned by the
 * server's poller (driven through {@code Caracal.pollRepository()} so the test does not wait for
 * the interval). No request fails, and every answer comes from a version that was ready, with that
 * version's result.
 */
class PollModeIT {
  @TempDir Path repo;

  static final String BODY =
      "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,1,1,1]}]}";

  @Test
  void versionSwapsUnderLoadLoseNoRequest() throws Exception {
    TestModels.twoVersions(repo, "swap", 8); // v1 identity, v2 x + 1; latest 1 serves v2
    TestModels.identity(repo, "other", DataType.FP32, 8);
    byte[] identity = Files.readAllBytes(repo.resolve("swap/1/model.onnx"));
    byte[] plusOne = Files.readAllBytes(repo.resolve("swap/2/model.onnx"));
    String config = Files.readString(repo.resolve("swap/config.pbtxt"));
    // version -> the value every output element must have
    Map<Long, Float> expected = new ConcurrentHashMap<>(Map.of(1L, 1f, 2L, 2f));

    try (ItServer s =
        ItServer.start(
            repo, b -> b.modelControlMode(ModelControlMode.POLL).repositoryPollSecs(1))) {
      assertThat(s.client.get("/v2/models/swap/ready").status()).isEqualTo(200);
      // Poll mode refuses the repository API, as Triton does.
      V2Client.Response refused = s.client.postJson("/v2/repository/models/swap/load", "{}");
      assertThat(refused.status()).isEqualTo(501);
      assertThat(refused.json().path("error").asText()).contains("model control mode is 'poll'");

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong ok = new AtomicLong();
      List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
      ExecutorService clients = Executors.newFixedThreadPool(6);
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < 6; c++) {
        String model = c < 4 ? "swap" : "other";
        running.add(
            clients.submit(() -> {
              while (!stop.get()) {
                V2Client.Response r = s.client.postJson("/v2/models/" + model + "/infer", BODY);
                if (r.status() != 200) {
                  problems.add(model + ": " + r);
                  continue;
                }
                JsonNode j = r.json();
                long version = j.path("model_version").asLong();
                float want = model.equals("other") ? 1f : expected.getOrDefault(version, Float.NaN);
                for (JsonNode v : j.path("outputs").get(0).path("data")) {
                  if (v.floatValue() != want) {
                    problems.add(
                        model + " version " + version + " answered " + v + ", expected " + want);
                    break;
                  }
                }
                ok.incrementAndGet();
              }
            }));
      }

      for (int i = 0; i < 20; i++) {
        long version = 3 + i;
        boolean add = i % 2 == 0;
        expected.put(version, add ? 2f : 1f);
        Path dir = repo.resolve("swap/" + version);
        Files.createDirectories(dir);
        Files.write(dir.resolve("model.onnx"), add ? plusOne : identity);
        if (i == 10) {
          Files.writeString(
              repo.resolve("swap/config.pbtxt"),
              config.replace("max_batch_size: 8", "max_batch_size: 4"));
        }
        s.server.pollRepository();
        assertThat(s.server.models())
            .filteredOn(m -> m.name().equals("swap") && m.state() == ModelState.READY)
            .singleElement()
            .satisfies(m -> assertThat(m.version()).isEqualTo(version));
        long before = ok.get();
        long until = System.nanoTime() + 10_000_000_000L;
        while (ok.get() < before + 5 && problems.isEmpty() && System.nanoTime() < until) {
          Thread.onSpinWait(); // let some requests through each version
        }
      }
      stop.set(true);
      for (Future<?> f : running) {
        f.get();
      }
      clients.shutdown();

      assertThat(problems).isEmpty();
      assertThat(ok.get()).isGreaterThan(100);
      assertThat(s.client.get("/v2/models/swap/config").json().path("max_batch_size").asInt())
          .isEqualTo(4);

      // A model removed from the repository unloads; one added loads.
      try (var files = Files.walk(repo.resolve("other"))) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
      TestModels.identity(repo, "added", DataType.FP32, 8);
      s.server.pollRepository();
      assertThat(s.client.postJson("/v2/models/other/infer", BODY).status()).isEqualTo(400);
      assertThat(s.client.postJson("/v2/models/added/infer", BODY).status()).isEqualTo(200);
    }
  }
}
