package io.caracal.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver;
import io.caracal.core.observe.CallRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AccessLineTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant T0 = Instant.parse("2026-12-03T07:00:00.123456789Z");

  static CallRecord http(String model, String userAgent) {
    CallRecord c =
        new CallRecord(
            CallRecord.Protocol.HTTP,
            "POST",
            "/v2/models/{model}/infer",
            "c1-7",
            1_000_000,
            T0,
            "127.0.0.1",
            userAgent,
            Map.of());
    c.requested(model, "");
    c.bytesIn(1234);
    return c;
  }

  @Test
  void aServedCallCarriesItsModelTimesAndSizes() throws Exception {
    CallRecord c = http("mnist", "curl/8");
    c.resolved("mnist", 3);
    c.dequeued(1_100_000, 1_600_000); // 500 us queued
    BatchExecution e =
        new BatchExecution(
            "mnist", 3, 4, "full", 0, List.of(c), 1_600_000, 1_700_000, 2_600_000, 2_700_000);
    c.executed(e);
    c.traced("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true, null);
    c.answered(200, "OK", null, 99, 3_000_000);

    JsonNode j = JSON.readTree(AccessLine.format(c));
    assertThat(j.get("ts").asText()).isEqualTo("2026-12-03T07:00:00.123456789Z");
    assertThat(j.get("event").asText()).isEqualTo("access");
    assertThat(j.get("request_id").asText()).isEqualTo("c1-7");
    assertThat(j.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(j.get("span_id").asText()).isEqualTo("00f067aa0ba902b7");
    assertThat(j.get("protocol").asText()).isEqualTo("http");
    assertThat(j.get("http.request.method").asText()).isEqualTo("POST");
    assertThat(j.get("http.route").asText()).isEqualTo("/v2/models/{model}/infer");
    assertThat(j.get("http.response.status_code").asInt()).isEqualTo(200);
    assertThat(j.get("model").asText()).isEqualTo("mnist");
    assertThat(j.get("model_version").asText()).isEqualTo("3");
    assertThat(j.get("outcome").asText()).isEqualTo("ok");
    assertThat(j.has("error.type")).isFalse();
    assertThat(j.get("batch_size").asLong()).isEqualTo(4);
    assertThat(j.get("queue_us").asLong()).isEqualTo(500);
    assertThat(j.get("compute_us").asLong()).isEqualTo(1100);
    assertThat(j.get("duration_us").asLong()).isEqualTo(2000);
    assertThat(j.get("bytes_in").asLong()).isEqualTo(1234);
    assertThat(j.get("bytes_out").asLong()).isEqualTo(99);
    assertThat(j.get("client.address").asText()).isEqualTo("127.0.0.1");
    assertThat(j.get("user_agent.original").asText()).isEqualTo("curl/8");
  }

  @Test
  void aFailedGrpcCallAndACacheHit() throws Exception {
    CallRecord g =
        new CallRecord(
            CallRecord.Protocol.GRPC,
            "ModelInfer",
            "inference.GRPCInferenceService/ModelInfer",
            "grpc-9",
            0,
            T0,
            null,
            null,
            Map.of());
    g.requested("nope", "2");
    g.answered(3, "INVALID_ARGUMENT", "ModelNotFound", 0, 5_000);
    JsonNode j = JSON.readTree(AccessLine.format(g));
    assertThat(j.get("rpc.method").asText()).isEqualTo("inference.GRPCInferenceService/ModelInfer");
    assertThat(j.get("rpc.grpc.status_code").asText()).isEqualTo("INVALID_ARGUMENT");
    assertThat(j.has("http.route")).isFalse();
    assertThat(j.get("model").asText()).isEqualTo("nope");
    assertThat(j.get("model_version").asText()).isEqualTo("2");
    assertThat(j.get("outcome").asText()).isEqualTo("error");
    assertThat(j.get("error.type").asText()).isEqualTo("ModelNotFound");

    CallRecord hit = http("m", "x");
    hit.cache(RequestObserver.CacheOutcome.HIT, 1000);
    hit.resolved("m", 1);
    hit.answered(200, "OK", null, 10, 2_000_000);
    JsonNode h = JSON.readTree(AccessLine.format(hit));
    assertThat(h.get("outcome").asText()).isEqualTo("cache_hit");
    assertThat(h.get("cache").asText()).isEqualTo("hit");
    assertThat(h.has("batch_size")).isFalse();
  }

  @Test
  void anyClientStringStaysOneLineOfValidJson() throws Exception {
    Random random = new Random(42);
    for (int i = 0; i < 2000; i++) {
      String model = garbage(random, 1 + random.nextInt(400));
      String agent = garbage(random, random.nextInt(300));
      CallRecord c = http(model, agent);
      c.answered(400, "Bad Request", "InvalidInput", 50, 2_000_000);
      String line = AccessLine.format(c);
      assertThat(line).doesNotContain("\n", "\r").matches("\\p{ASCII}*");
      JsonNode j = JSON.readTree(line);
      String logged = j.get("model").asText();
      if (model.length() <= AccessLine.MAX_CLIENT_STRING) {
        assertThat(logged).isEqualTo(model);
      } else {
        assertThat(logged).hasSize(AccessLine.MAX_CLIENT_STRING + 3).endsWith("...");
      }
    }
  }

  @Test
  void perCallStringsOfAnyLengthAreLoggedAsSentByAReusedEntry() throws Exception {
    // the request id, client address and user agent: any length, any character, absent ones
    Random random = new Random(7);
    AccessLine renderer = new AccessLine();
    AccessEntry entry = new AccessEntry();
    for (int i = 0; i < 3000; i++) {
      String id = garbage(random, random.nextInt(300));
      String client = random.nextInt(5) == 0 ? null : garbage(random, random.nextInt(120));
      String agent =
          random.nextInt(5) == 0
              ? null
              : garbage(random, random.nextInt(AccessLine.MAX_CLIENT_STRING + 100));
      CallRecord c =
          new CallRecord(
              CallRecord.Protocol.HTTP,
              "GET",
              "/v2/health/ready",
              id,
              0,
              T0,
              client,
              agent,
              Map.of());
      c.answered(200, "OK", null, 0, 1_000);
      entry.copy(c);
      AsciiJsonLine out = new AsciiJsonLine(16);
      renderer.append(out, entry);
      assertThat(out.text()).isEqualTo(AccessLine.format(c)).matches("\\p{ASCII}*");
      JsonNode j = JSON.readTree(out.text());
      assertThat(j.get("request_id").asText()).isEqualTo(id);
      if (client == null) {
        assertThat(j.has("client.address")).isFalse();
      } else {
        assertThat(j.get("client.address").asText()).isEqualTo(client);
      }
      if (agent == null) {
        assertThat(j.has("user_agent.original")).isFalse();
      } else if (agent.length() <= AccessLine.MAX_CLIENT_STRING) {
        assertThat(j.get("user_agent.original").asText()).isEqualTo(agent);
      } else {
        assertThat(j.get("user_agent.original").asText())
            .isEqualTo(agent.substring(0, AccessLine.MAX_CLIENT_STRING) + "...");
      }
    }
  }

  @Test
  void aBlockIsOneLinePerCallEachAsFormatAlone() throws Exception {
    CallRecord a = http("a", "ua");
    CallRecord b = http("b\n\"x", "ub");
    a.answered(200, "OK", null, 1, 2_000_000);
    b.answered(400, "Bad Request", "InvalidInput", 1, 2_000_000);
    String block = AccessLine.formatAll(java.util.List.of(a, b));
    assertThat(block.split("\n")).containsExactly(AccessLine.format(a), AccessLine.format(b));
  }

  @Test
  void aRendererAndAnEntryReusedForCallsOfEveryKindWriteWhatFreshOnesWrite() {
    // the writer reuses one renderer and every entry: nothing of one call may leak into the next
    AccessLine renderer = new AccessLine();
    AsciiJsonLine out = new AsciiJsonLine(64);
    AccessEntry entry = new AccessEntry();
    Random random = new Random(3);
    for (int block = 0; block < 50; block++) {
      java.util.List<CallRecord> calls = new java.util.ArrayList<>();
      out.reset(1 << 20);
      for (int i = 0; i < 1 + random.nextInt(40); i++) {
        CallRecord c = anyKind(random, i);
        calls.add(c);
        entry.copy(c);
        if (i > 0) {
          out.put('\n');
        }
        renderer.append(out, entry);
      }
      assertThat(out.text()).isEqualTo(AccessLine.formatAll(calls));
      assertThat(out.text().split("\n"))
          .containsExactly(calls.stream().map(AccessLine::format).toArray(String[]::new));
    }
  }

  /**
   * A call of one of four kinds: served in a batch and traced, failed gRPC, cache hit, unresolved.
   */
  static CallRecord anyKind(Random random, int i) {
    switch (random.nextInt(4)) {
      case 0 -> {
        CallRecord c = http(garbage(random, 1 + random.nextInt(30)), garbage(random, 600));
        c.resolved("m" + i, 1 + random.nextInt(5));
        c.dequeued(1_100_000, 1_100_000 + random.nextInt(1_000_000));
        c.executed(
            new BatchExecution(
                "m", 1, 1 + i, "full", 0, List.of(c), 2_200_000, 2_300_000, 2_900_000, 3_000_000));
        c.traced("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b" + (i % 10), true, null);
        c.answered(200, "OK", null, i, 3_000_000 + random.nextInt(1_000_000));
        return c;
      }
      case 1 -> {
        CallRecord g =
            new CallRecord(
                CallRecord.Protocol.GRPC,
                "ModelInfer",
                "inference.GRPCInferenceService/ModelInfer",
                "grpc-" + i,
                0,
                T0.plusNanos(random.nextInt(3) * 1_000_000_000L + random.nextInt(1000) * 1000L),
                null,
                null,
                Map.of());
        g.requested("nope", random.nextBoolean() ? "" : "7");
        g.answered(3, "INVALID_ARGUMENT", "ModelNotFound", 0, 5_000);
        return g;
      }
      case 2 -> {
        CallRecord hit = http("m", "x");
        hit.cache(RequestObserver.CacheOutcome.HIT, 1000);
        hit.resolved("m", 1);
        hit.answered(200, "OK", null, 10, 2_000_000);
        return hit;
      }
      default -> {
        CallRecord c = http(garbage(random, 1 + random.nextInt(300)), null);
        c.answered(404, "Not Found", "ModelNotFound", 50, 2_000_000);
        return c;
      }
    }
  }

  @Test
  void escapesAsJsonRequiresAndNothingElseUnescaped() throws Exception {
    String model = "a\"b\\c\n\r\t\b\f\u0001\u007f\u00e9\u2028\ud800/é😀";
    CallRecord c = http(model, null);
    c.answered(200, "OK", null, 1, 2_000_000);
    String line = AccessLine.format(c);
    assertThat(line)
        .contains(
            "\"model\":\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u007f\\u00e9\\u2028\\ud800/\\u00e9\\ud83d\\ude00\"");
    assertThat(JSON.readTree(line).get("model").asText()).isEqualTo(model);
    assertThat(JSON.readTree(line).has("user_agent.original")).isFalse();
  }

  /** Random text with quotes, backslashes, control characters, lone surrogates and emoji. */
  static String garbage(Random r, int n) {
    char[] special = {
      '"', '\\', '\n', '\r', '\t', '\u0000', '\u001b', '\u2028', '\ud800', '\udfff'
    };
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      switch (r.nextInt(4)) {
        case 0 -> b.append(special[r.nextInt(special.length)]);
        case 1 -> b.appendCodePoint(0x1F600 + r.nextInt(50));
        default -> b.append((char) (0x20 + r.nextInt(95)));
      }
    }
    return b.toString();
  }
}
