package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.testing.models.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The response cache on a real server: a dense FP32 model ({@code OUTPUT0 = scale · INPUT0}) whose
 * config enables {@code response_cache}, served with {@code --cache-size}; hits and misses are read
 * from the statistics extension.
 */
class ResponseCacheIT {
  @TempDir Path repo;

  void denseModel(float scale) throws IOException {
    Path dir = TestModels.dense(repo, "cached", 4, scale, 8);
    Files.writeString(
        dir.resolve("config.pbtxt"),
        "\nresponse_cache { enable: true }\n",
        StandardOpenOption.APPEND);
  }

  static ObjectNode request(long[] shape, float... values) {
    return V2Client.withInputs(
        V2Client.request(), V2Client.jsonInput("INPUT0", "FP32", shape, V2Client.floats(values)));
  }

  static final ObjectNode ONE_ROW = request(V2Client.shape(1, 4), 1, 2, 3, 4);

  static JsonNode infer(ItServer s, ObjectNode request) {
    V2Client.Response r = s.client.infer("cached", request);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  static JsonNode inferenceStats(ItServer s) {
    V2Client.Response r = s.client.get("/v2/models/cached/stats");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().path("model_stats").get(0).path("inference_stats");
  }

  static long hits(ItServer s) {
    return inferenceStats(s).path("cache_hit").path("count").asLong();
  }

  static long misses(ItServer s) {
    return inferenceStats(s).path("cache_miss").path("count").asLong();
  }

  @Test
  void secondIdenticalRequestIsAHit_differentRequestsMiss_andAReloadDropsTheEntries()
      throws Exception {
    denseModel(2);
    try (ItServer s =
        ItServer.start(
            repo,
            b ->
                b.cacheSize(1 << 20)
                    .modelControlMode(ModelControlMode.EXPLICIT)
                    .loadModels(java.util.List.of("cached")))) {
      JsonNode first = infer(s, ONE_ROW.deepCopy().put("id", "a"));
      JsonNode second = infer(s, ONE_ROW.deepCopy().put("id", "b"));
      assertThat(second.path("outputs")).isEqualTo(first.path("outputs"));
      assertThat(second.path("id").asText()).isEqualTo("b"); // the caller's own id
      assertThat(first.path("outputs").get(0).path("data").get(3).asDouble()).isEqualTo(8.0);
      assertThat(misses(s)).isEqualTo(1);
      assertThat(hits(s)).isEqualTo(1);
      JsonNode stats = inferenceStats(s);
      assertThat(stats.path("success").path("count").asLong()).isEqualTo(2); // hits succeed
      assertThat(
              s.client
                  .get("/v2/models/cached/stats")
                  .json()
                  .path("model_stats")
                  .get(0)
                  .path("execution_count")
                  .asLong())
          .isEqualTo(1); // but run nothing

      // different data, a different shape with the same values, a requested output, a
      // classification: each is a miss
      infer(s, request(V2Client.shape(1, 4), 1, 2, 3, 5));
      infer(s, request(V2Client.shape(2, 4), 1, 2, 3, 4, 1, 2, 3, 4));
      ObjectNode withOutput = V2Client.withOutputs(ONE_ROW.deepCopy(), false, "OUTPUT0");
      infer(s, withOutput);
      ObjectNode classified = ONE_ROW.deepCopy();
      classified
          .putArray("outputs")
          .addObject()
          .put("name", "OUTPUT0")
          .putObject("parameters")
          .put("classification", 2);
      JsonNode top2 = infer(s, classified);
      classified.withArray("outputs").get(0).withObject("parameters").put("classification", 1);
      JsonNode top1 = infer(s, classified);
      assertThat(top2.path("outputs").get(0).path("data")).hasSize(2);
      assertThat(top1.path("outputs").get(0).path("data")).hasSize(1);
      assertThat(misses(s)).isEqualTo(6);
      assertThat(hits(s)).isEqualTo(1);
      infer(s, withOutput); // and each is cached in its own right
      assertThat(hits(s)).isEqualTo(2);

      // a reload with new weights: the latest version's old answers are gone
      denseModel(3);
      assertThat(s.client.postJson("/v2/repository/models/cached/load", "").status())
          .isEqualTo(200);
      JsonNode reloaded = infer(s, ONE_ROW.deepCopy().put("id", "c"));
      assertThat(reloaded.path("outputs").get(0).path("data").get(3).asDouble()).isEqualTo(12.0);
      assertThat(misses(s)).isEqualTo(1);
      assertThat(hits(s)).isZero();
      infer(s, ONE_ROW);
      assertThat(hits(s)).isEqualTo(1);
    }
  }

  @Test
  void withoutACache_theModelLoadsAndServesUncached() throws Exception {
    denseModel(2);
    try (ItServer s = ItServer.start(repo)) {
      infer(s, ONE_ROW);
      infer(s, ONE_ROW);
      assertThat(hits(s)).isZero();
      assertThat(misses(s)).isZero();
      assertThat(inferenceStats(s).path("success").path("count").asLong()).isEqualTo(2);
    }
  }
}
