package io.caracal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.core.observe.CallRecord.Protocol;
import io.caracal.testing.metrics.ExpositionParser;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The metrics listener on a real socket (port 0) with a real HTTP client. */
class MetricsServerTest {
  final HttpClient client = HttpClient.newHttpClient();
  PrometheusMetrics metrics;
  MetricsServer server;

  @BeforeEach
  void start() {
    metrics =
        new PrometheusMetrics(new FakeView().serve("m", 1, false), MetricsConfig.DEFAULTS, true);
    metrics.listener().finished(Calls.ok(Protocol.HTTP, "m", 1));
    server = metrics.serve("127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  HttpResponse<byte[]> get(String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
  }

  static String body(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void get_servesText004ByDefault_withJvmMetrics() throws Exception {
    HttpResponse<byte[]> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    var families = ExpositionParser.parsePrometheusText(body(r));
    assertThat(families)
        .containsKeys(
            "nv_inference_request_success",
            "caracal_request_duration_seconds",
            "jvm_memory_used_bytes",
            "process_cpu_seconds_total");
    assertThat(get("/metrics/").statusCode()).isEqualTo(200);
  }

  @Test
  void accept_choosesTheFormat() throws Exception {
    HttpResponse<byte[]> om =
        get("/metrics", "Accept", "application/openmetrics-text; version=1.0.0; q=0.5, */*; q=0.1");
    assertThat(om.headers().firstValue("content-type"))
        .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(ExpositionParser.parseOpenMetrics(body(om)))
        .containsKey("nv_inference_request_success");

    HttpResponse<byte[]> pb =
        get(
            "/metrics",
            "Accept",
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
    assertThat(pb.headers().firstValue("content-type"))
        .hasValue(
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited");
    assertThat(pb.body()).isNotEmpty();

    HttpResponse<byte[]> garbage = get("/metrics", "Accept", "garbage");
    assertThat(garbage.headers().firstValue("content-type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
  }

  @Test
  void gzip_whenAccepted() throws Exception {
    HttpResponse<byte[]> r = get("/metrics", "Accept-Encoding", "gzip");
    assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
    try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
      String text = new String(z.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(ExpositionParser.parsePrometheusText(text)).containsKey("nv_inference_count");
    }
    assertThat(get("/metrics").headers().firstValue("content-encoding")).isEmpty();
  }

  @Test
  void debug_showsAFormatAsText() throws Exception {
    HttpResponse<byte[]> r = get("/metrics?debug=openmetrics");
    assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
    assertThat(body(r)).endsWith("# EOF\n");
    assertThat(body(get("/metrics?debug=prometheus-protobuf")))
        .contains("name: \"nv_inference_request_success\"");
    assertThat(get("/metrics?debug=yaml").statusCode()).isEqualTo(400);
  }

  @Test
  void otherMethodsAndPaths_areRefused() throws Exception {
    HttpResponse<byte[]> post =
        client.send(
            HttpRequest.newBuilder(uri("/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
    HttpResponse<byte[]> head =
        client.send(
            HttpRequest.newBuilder(uri("/metrics"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(get("/metrics").statusCode()).as("the connection still works").isEqualTo(200);
    assertThat(get("/metricsx").statusCode()).isEqualTo(404);
    assertThat(get("/").statusCode()).isEqualTo(404);
    assertThat(get("/v2/health/ready").statusCode()).isEqualTo(404);
  }

  @Test
  void aScrapeIsCheckedByTheAccessControl_401WithChallenge403Or200() throws Exception {
    java.util.List<io.caracal.core.auth.Operation> seen = new java.util.ArrayList<>();
    io.caracal.core.auth.AccessControl tokens =
        (operation, model, caller) -> {
          seen.add(operation);
          String a = caller.authorization();
          if ("Bearer reader".equals(a)) {
            return io.caracal.core.auth.Grant.OPEN;
          }
          throw io.caracal.api.InferenceException.of(
              a == null
                  ? new io.caracal.api.InferenceError.Unauthenticated("bearer token required")
                  : new io.caracal.api.InferenceError.PermissionDenied(
                      "principal lacks the read role"));
        };
    try (MetricsServer guarded = metrics.serve("127.0.0.1", 0, null, tokens)) {
      String base = "http://127.0.0.1:" + guarded.address().getPort() + "/metrics";
      HttpResponse<byte[]> none =
          client.send(
              HttpRequest.newBuilder(URI.create(base)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("www-authenticate"))
          .hasValue("Bearer realm=\"caracal\"");
      assertThat(body(none)).isEqualTo("bearer token required\n");
      HttpResponse<byte[]> weak =
          client.send(
              HttpRequest.newBuilder(URI.create(base))
                  .header("Authorization", "Bearer infer-only")
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(weak.statusCode()).isEqualTo(403);
      HttpResponse<byte[]> ok =
          client.send(
              HttpRequest.newBuilder(URI.create(base))
                  .header("Authorization", "Bearer reader")
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(body(ok)).contains("nv_inference_request_success");
    }
    assertThat(seen).containsOnly(io.caracal.core.auth.Operation.METRICS).hasSize(3);
  }
}
