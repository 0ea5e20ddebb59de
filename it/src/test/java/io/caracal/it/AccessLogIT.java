package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.caracal.accesslog.AccessLog;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.testing.Await;
import io.caracal.testing.http.RawHttp;
import io.caracal.testing.metrics.ExpositionParser;
import io.caracal.testing.models.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The access log on a real server: one JSON line per HTTP request and gRPC call, including the
 * calls the transport refuses, valid JSON under fuzzed paths and headers, never a raw path.
 */
class AccessLogIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path repo;
  final List<String> lines = new CopyOnWriteArrayList<>();
  final AppenderBase<ILoggingEvent> capture =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
          lines.addAll(java.util.Arrays.asList(e.getFormattedMessage().split("\n")));
        }
      };
  final HttpClient http = HttpClient.newHttpClient();
  ItServer server;

  @BeforeEach
  void start() throws Exception {
    TestModels.dense(repo, "dense", 4, 2f, 8);
    Logger access = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    capture.setContext(access.getLoggerContext());
    capture.start();
    access.addAppender(capture);
    access.setLevel(Level.INFO); // the ITs run with CARACAL_ACCESS_LOG_LEVEL=OFF (it/pom.xml)
    server = ItServer.start(repo, b -> b.maxRequestBytes(64 * 1024));
  }

  @AfterEach
  void stop() {
    Logger access = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    access.detachAppender(capture);
    access.setLevel(Level.OFF);
    if (server != null) {
      server.close();
    }
  }

  static final String ROW =
      "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4],"
          + "\"data\":[1,2,3,4]}]}";

  List<JsonNode> awaitLines(int n) throws Exception {
    Await.until(n + " access lines", Duration.ofSeconds(30), () -> lines.size() >= n);
    List<JsonNode> out = new ArrayList<>();
    for (String l : lines) {
      assertThat(l).doesNotContain("\n").matches("\\p{ASCII}*");
      out.add(JSON.readTree(l));
    }
    return out;
  }

  @Test
  void servedRefusedAndFailedCallsEachGetOneLine() throws Exception {
    int port = server.port();
    try (RawHttp http = new RawHttp(port)) {
      RawHttp.Resp ok =
          http.send(
              "POST",
              "/v2/models/dense/infer",
              Map.of("User-Agent", "it-client/1", "Content-Type", "application/json"),
              ROW.getBytes(StandardCharsets.UTF_8));
      assertThat(ok.status()).isEqualTo(200);
      assertThat(http.post("/v2/models/nope/infer", ROW).status()).isEqualTo(400);
      assertThat(http.get("/not/a/route?secret=1").status()).isEqualTo(404);
    }
    try (RawHttp big = new RawHttp(port)) {
      assertThat(big.send("POST", "/v2/models/dense/infer", new byte[100 * 1024]).status())
          .isEqualTo(413);
    }
    ManagedChannel channel = GrpcIT.channel(server);
    try {
      var stub =
          GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
      b.putFloat(1).putFloat(2).putFloat(3).putFloat(4);
      stub.modelInfer(
          ModelInferRequest.newBuilder()
              .setModelName("dense")
              .addInputs(GrpcIT.input("INPUT0", io.caracal.api.DataType.FP32, 1, 4))
              .addRawInputContents(ByteString.copyFrom(b.array()))
              .build());
      try {
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("nope")
                .addInputs(GrpcIT.input("INPUT0", io.caracal.api.DataType.FP32, 1, 4))
                .addRawInputContents(ByteString.copyFrom(b.array()))
                .build());
      } catch (StatusRuntimeException expected) {
        // logged as a failed call
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    List<JsonNode> all = awaitLines(6);
    Map<String, JsonNode> byKey = new LinkedHashMap<>();
    for (JsonNode j : all) {
      String key =
          j.get("protocol").asText()
              + " "
              + j.path("http.response.status_code").asText(j.path("rpc.grpc.status_code").asText());
      byKey.put(key, j);
      assertThat(j.get("event").asText()).isEqualTo("access");
      assertThat(j.get("request_id").asText()).isNotEmpty();
      assertThat(j.get("duration_us").asLong()).isNotNegative();
      assertThat(j.toString()).doesNotContain("secret");
    }
    JsonNode ok = byKey.get("http 200");
    assertThat(ok.get("http.route").asText()).isEqualTo("/v2/models/{model}/infer");
    assertThat(ok.get("model").asText()).isEqualTo("dense");
    assertThat(ok.get("model_version").asText()).isEqualTo("1");
    assertThat(ok.get("outcome").asText()).isEqualTo("ok");
    assertThat(ok.get("batch_size").asLong()).isEqualTo(1);
    assertThat(ok.get("compute_us").asLong()).isPositive();
    assertThat(ok.get("bytes_in").asLong()).isEqualTo(ROW.length());
    assertThat(ok.get("bytes_out").asLong()).isPositive();
    assertThat(ok.get("user_agent.original").asText()).isEqualTo("it-client/1");
    assertThat(ok.get("client.address").asText()).isEqualTo("127.0.0.1");

    JsonNode unknown = byKey.get("http 400");
    assertThat(unknown.get("model").asText()).isEqualTo("nope");
    assertThat(unknown.get("error.type").asText()).isEqualTo("ModelNotFound");
    assertThat(unknown.get("outcome").asText()).isEqualTo("error");

    assertThat(byKey.get("http 404").get("http.route").asText()).isEqualTo("unmatched");
    assertThat(byKey.get("http 404").get("error.type").asText()).isEqualTo("NoRoute");
    assertThat(byKey.get("http 413").get("error.type").asText()).isEqualTo("BodyTooLarge");

    JsonNode grpcOk = byKey.get("grpc OK");
    assertThat(grpcOk.get("rpc.method").asText())
        .isEqualTo("inference.GRPCInferenceService/ModelInfer");
    assertThat(grpcOk.get("model").asText()).isEqualTo("dense");
    assertThat(grpcOk.get("batch_size").asLong()).isEqualTo(1);
    assertThat(grpcOk.get("bytes_in").asLong()).isPositive();
    JsonNode grpcBad = byKey.get("grpc INVALID_ARGUMENT");
    assertThat(grpcBad.get("error.type").asText()).isEqualTo("ModelNotFound");

    // the metrics count what the log wrote, and that it dropped nothing
    Await.until(
        "written lines counted", Duration.ofSeconds(30), () -> accessLogLines("written") >= 6);
    assertThat(accessLogLines("dropped")).isZero();
  }

  /** {@code caracal_access_log_lines_total{outcome}} as the metrics endpoint serves it now. */
  double accessLogLines(String outcome) {
    int port = server.server.metricsAddress().orElseThrow().getPort();
    HttpResponse<String> r;
    try {
      r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    assertThat(r.statusCode()).isEqualTo(200);
    return ExpositionParser.value(
        ExpositionParser.parsePrometheusText(r.body()),
        "caracal_access_log_lines_total",
        "outcome=" + outcome);
  }

  @Test
  void fuzzedPathsAndHeadersStayValidJsonAndNeverLeakTheRawPath() throws Exception {
    Random random = new Random(7);
    String[] pieces = {
      "%22",
      "%0a",
      "%0d%0a",
      "\"",
      "\\",
      "..",
      "%2e%2e",
      "{",
      "}",
      "%00",
      "%e2%80%a8",
      "%ff",
      "models",
      "infer",
      "v2",
      "/",
      "é",
      "%C3%A9",
      "😀",
      "$(id)",
      "`id`",
      "'"
    };
    int sent = 0;
    for (int i = 0; i < 200; i++) {
      StringBuilder path = new StringBuilder(random.nextBoolean() ? "/v2/models/" : "/");
      for (int k = random.nextInt(6); k >= 0; k--) {
        path.append(pieces[random.nextInt(pieces.length)]);
      }
      if (random.nextBoolean()) {
        path.append("/infer");
      }
      StringBuilder agent = new StringBuilder();
      for (int k = random.nextInt(8); k >= 0; k--) {
        agent.append(pieces[random.nextInt(pieces.length)]);
      }
      try (RawHttp http = new RawHttp(server.port())) {
        http.send(
            random.nextBoolean() ? "POST" : "GET",
            path.toString(),
            Map.of("User-Agent", agent.toString(), "traceparent", agent.toString()),
            random.nextBoolean() ? ROW.getBytes(StandardCharsets.UTF_8) : null);
        sent++;
      }
    }
    List<JsonNode> all = awaitLines(sent);
    assertThat(all).hasSize(sent);
    for (JsonNode j : all) {
      String route = j.get("http.route").asText();
      assertThat(route).matches("unmatched|/v2[a-z/{}]*");
      assertThat(j.get("http.response.status_code").asInt()).isBetween(200, 499);
    }
    // the server still serves
    try (RawHttp http = new RawHttp(server.port())) {
      assertThat(http.post("/v2/models/dense/infer", ROW).status()).isEqualTo(200);
    }
  }
}
