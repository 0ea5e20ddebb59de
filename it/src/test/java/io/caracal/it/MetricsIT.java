package io.caracal.it;

import static io.caracal.testing.metrics.ExpositionParser.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.api.DataType;
import io.caracal.client.CaracalClient;
import io.caracal.client.InferInput;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.testing.Await;
import io.caracal.testing.metrics.ExpositionParser;
import io.caracal.testing.metrics.ExpositionParser.Family;
import io.caracal.testing.metrics.ExpositionParser.Sample;
import io.caracal.testing.models.TestModels;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus endpoint of a real server: inference over HTTP and gRPC (and a cached model), then
 * scrapes in each format with a real HTTP client; the {@code nv_*} counts equal the statistics
 * extension, Caracal's families carry the right labels, unknown models add no series, an unload
 * removes its model's series.
 */
class MetricsIT {
  @TempDir Path repo;
  final HttpClient http = HttpClient.newHttpClient();

  static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
  static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  static final String PROTOBUF =
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

  void models() throws Exception {
    TestModels.identity(repo, "plain", DataType.FP32, 8);
    Path cached = TestModels.dense(repo, "cached", 4, 2, 8);
    Files.writeString(
        cached.resolve("config.pbtxt"),
        "\nresponse_cache { enable: true }\n",
        StandardOpenOption.APPEND);
  }

  HttpResponse<byte[]> scrape(ItServer s, String... headers) throws Exception {
    URI uri =
        URI.create(
            "http://127.0.0.1:" + s.server.metricsAddress().orElseThrow().getPort() + "/metrics");
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      b.headers(headers);
    }
    HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    return r;
  }

  Map<String, Family> text(ItServer s) throws Exception {
    HttpResponse<byte[]> r = scrape(s);
    assertThat(r.headers().firstValue("content-type")).hasValue(TEXT);
    return ExpositionParser.parsePrometheusText(new String(r.body(), StandardCharsets.UTF_8));
  }

  static ObjectNode fp32(int rows) {
    float[] v = new float[rows * 4];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    return V2Client.withInputs(
        V2Client.request(),
        V2Client.jsonInput("INPUT0", "FP32", V2Client.shape(rows, 4), V2Client.floats(v)));
  }

  @Test
  void trafficOverBothTransports_scrapedInEveryFormat_equalsTheStatistics() throws Exception {
    models();
    try (ItServer s = ItServer.start(repo, b -> b.cacheSize(1 << 20));
        CaracalClient grpc =
            CaracalClient.grpcBuilder("127.0.0.1", s.server.grpcAddress().getPort())
                .timeout(Duration.ofSeconds(30))
                .build()) {
      for (int i = 0; i < 5; i++) {
        assertThat(s.client.infer("plain", fp32(1 + i % 2)).status()).isEqualTo(200);
        grpc.infer("plain", InferInput.fp32("INPUT0", new long[] {1, 4}, 1, 2, 3, i));
      }
      // an input of the wrong datatype: refused before the scheduler (Triton's OTHER)
      ObjectNode bad =
          V2Client.withInputs(
              V2Client.request(),
              V2Client.jsonInput(
                  "INPUT0", "INT32", V2Client.shape(1, 4), V2Client.ints(1, 2, 3, 4)));
      assertThat(s.client.infer("plain", bad).status()).isEqualTo(400);
      for (int i = 0; i < 3; i++) { // one miss, two hits
        assertThat(s.client.infer("cached", fp32(1)).status()).isEqualTo(200);
      }
      awaitCalls(s, 14);

      Map<String, Family> f = text(s);
      String plain = "model=plain,version=1";
      String cached = "model=cached,version=1";
      JsonNode stats = s.client.get("/v2/models/stats").json().path("model_stats");
      assertThat(stats).hasSize(2);
      for (JsonNode m : stats) {
        String name = m.path("name").asText();
        String mv = "model=" + name + ",version=" + m.path("version").asText();
        JsonNode in = m.path("inference_stats");
        assertThat(value(f, "nv_inference_request_success", mv))
            .isEqualTo(in.path("success").path("count").asDouble());
        assertThat(value(f, "nv_inference_count", mv))
            .isEqualTo(m.path("inference_count").asDouble());
        assertThat(value(f, "nv_inference_exec_count", mv))
            .isEqualTo(m.path("execution_count").asDouble());
        for (String[] phase :
            List.of(
                new String[] {"nv_inference_request_duration_us", "success"},
                new String[] {"nv_inference_queue_duration_us", "queue"},
                new String[] {"nv_inference_compute_input_duration_us", "compute_input"},
                new String[] {"nv_inference_compute_infer_duration_us", "compute_infer"},
                new String[] {"nv_inference_compute_output_duration_us", "compute_output"})) {
          assertThat(value(f, phase[0], mv))
              .as(phase[0])
              .isEqualTo(Math.floorDiv(in.path(phase[1]).path("ns").asLong(), 1000L));
        }
        double rejected = failure(f, mv, "REJECTED");
        double backend = failure(f, mv, "BACKEND");
        assertThat(rejected + backend).isEqualTo(in.path("fail").path("count").asDouble());
        assertThat(f.get("nv_inference_request_failure").samples())
            .filteredOn(x -> x.labels().get("model").equals(name))
            .extracting(x -> x.labels().get("reason"))
            .containsExactlyInAnyOrder("REJECTED", "CANCELED", "BACKEND", "OTHER");
      }
      assertThat(value(f, "nv_inference_request_success", plain)).isEqualTo(10);
      assertThat(failure(f, plain, "OTHER")).isEqualTo(1);
      JsonNode cachedStats =
          s.client
              .get("/v2/models/cached/stats")
              .json()
              .path("model_stats")
              .get(0)
              .path("inference_stats");
      assertThat(value(f, "nv_cache_num_hits_per_model", cached))
          .isEqualTo(cachedStats.path("cache_hit").path("count").asDouble())
          .isEqualTo(2);
      assertThat(value(f, "nv_cache_num_misses_per_model", cached))
          .isEqualTo(cachedStats.path("cache_miss").path("count").asDouble())
          .isEqualTo(1);
      assertThat(value(f, "nv_cache_hit_duration_per_model", cached))
          .isEqualTo(Math.floorDiv(cachedStats.path("cache_hit").path("ns").asLong(), 1000L));
      assertThat(f.get("nv_cache_num_hits_per_model").samples()).hasSize(1); // cache models only
      assertThat(value(f, "nv_inference_pending_request_count", plain)).isZero();
      assertThat(value(f, "nv_model_load_duration_secs", plain)).isPositive();
      assertThat(f)
          .containsKeys(
              "nv_cpu_utilization", "nv_cpu_memory_total_bytes", "nv_cpu_memory_used_bytes");

      // Caracal's families, with their labels
      assertThat(
              value(
                  f,
                  "caracal_request_duration_seconds_count",
                  "model=plain,version=1,protocol=grpc,outcome=ok"))
          .isEqualTo(5);
      assertThat(
              value(
                  f,
                  "caracal_request_duration_seconds_count",
                  "model=plain,version=1,protocol=http,outcome=ok"))
          .isEqualTo(5);
      assertThat(
              value(
                  f,
                  "caracal_request_duration_seconds_count",
                  "model=plain,version=1,protocol=http,outcome=error"))
          .isEqualTo(1);
      assertThat(
              value(
                  f,
                  "caracal_request_duration_seconds_count",
                  "model=cached,version=1,protocol=http,outcome=cache_hit"))
          .isEqualTo(2);
      assertThat(value(f, "caracal_queue_duration_seconds_count", plain)).isEqualTo(10);
      JsonNode plainStats =
          s.client.get("/v2/models/plain/stats").json().path("model_stats").get(0);
      assertThat(value(f, "caracal_batch_size_count", plain))
          .isEqualTo(plainStats.path("execution_count").asDouble());
      assertThat(value(f, "caracal_batch_size_sum", plain))
          .isEqualTo(plainStats.path("inference_count").asDouble());
      assertThat(
              value(
                  f, "caracal_compute_duration_seconds_count", "model=plain,version=1,phase=infer"))
          .isEqualTo(plainStats.path("execution_count").asDouble());
      double batches =
          f.get("caracal_batches_total").samples().stream()
              .filter(x -> x.labels().get("model").equals("plain"))
              .mapToDouble(Sample::value)
              .sum();
      assertThat(batches).isEqualTo(plainStats.path("execution_count").asDouble());
      assertThat(
              value(f, "caracal_requests_rejected_total", "model=plain,version=1,reason=invalid"))
          .isEqualTo(1);
      assertThat(
              value(
                  f, "caracal_response_cache_requests_total", "model=cached,version=1,result=hit"))
          .isEqualTo(2);
      assertThat(
              value(
                  f, "caracal_response_cache_requests_total", "model=cached,version=1,result=miss"))
          .isEqualTo(1);
      assertThat(value(f, "caracal_response_cache_lookup_duration_seconds_count", cached))
          .isEqualTo(3);
      assertThat(value(f, "caracal_queue_depth", "model=plain,version=1,priority=1")).isZero();
      assertThat(value(f, "caracal_inflight_requests", plain)).isZero();
      assertThat(value(f, "caracal_instances", plain)).isGreaterThanOrEqualTo(1);
      assertThat(value(f, "caracal_model_artifact_bytes", plain))
          .isEqualTo(Files.size(repo.resolve("plain/1/model.onnx")));
      assertThat(value(f, "caracal_model_loads_total", "model=plain")).isEqualTo(1);
      assertThat(value(f, "caracal_response_cache_entries", "")).isEqualTo(1);
      assertThat(value(f, "caracal_response_cache_bytes", "")).isPositive();
      assertThat(f)
          .containsKeys(
              "caracal_instance_busy_seconds_total",
              "caracal_instance_failures_total",
              "caracal_instance_replacements_total",
              "caracal_instance_scaling_total",
              "caracal_response_cache_evictions_total",
              "jvm_memory_used_bytes",
              "process_cpu_seconds_total");

      // 1000 requests for unknown models add no series
      int series = seriesCount(f);
      Random random = new Random(7);
      for (int i = 0; i < 1000; i++) {
        s.client.infer("unknown-" + Integer.toHexString(random.nextInt()), fp32(1));
      }
      Map<String, Family> after = text(s);
      assertThat(seriesCount(after)).isEqualTo(series);
      assertThat(new String(scrape(s).body(), StandardCharsets.UTF_8)).doesNotContain("unknown-");

      // OpenMetrics: strict grammar, # EOF, units
      HttpResponse<byte[]> om =
          scrape(
              s,
              "Accept",
              "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.2,*/*;q=0.1");
      assertThat(om.headers().firstValue("content-type")).hasValue(OPENMETRICS);
      Map<String, Family> omf =
          ExpositionParser.parseOpenMetrics(new String(om.body(), StandardCharsets.UTF_8));
      assertThat(omf.get("nv_inference_request_success").type()).isEqualTo("unknown");
      assertThat(omf.get("caracal_batches").type()).isEqualTo("counter");
      assertThat(omf.get("caracal_request_duration_seconds").unit()).isEqualTo("seconds");

      // protobuf: native histograms, same series names
      HttpResponse<byte[]> pb =
          scrape(
              s,
              "Accept",
              "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;q=0.5");
      assertThat(pb.headers().firstValue("content-type")).hasValue(PROTOBUF);
      Map<String, Metrics.MetricFamily> proto = new HashMap<>();
      ByteArrayInputStream in = new ByteArrayInputStream(pb.body());
      Metrics.MetricFamily mf;
      while ((mf = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
        assertThat(proto.put(mf.getName(), mf)).isNull();
      }
      assertThat(proto.get("nv_inference_request_success").getType())
          .isEqualTo(Metrics.MetricType.UNTYPED);
      assertThat(
              proto.get("caracal_queue_duration_seconds").getMetric(0).getHistogram().getSchema())
          .isEqualTo(3); // eight buckets per doubling
      assertThat(proto.keySet())
          .containsAll(f.keySet().stream().filter(n -> n.startsWith("nv_")).toList());

      // gzip
      HttpResponse<byte[]> gz = scrape(s, "Accept-Encoding", "gzip");
      assertThat(gz.headers().firstValue("content-encoding")).hasValue("gzip");
      try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(gz.body()))) {
        assertThat(
                ExpositionParser.parsePrometheusText(
                    new String(z.readAllBytes(), StandardCharsets.UTF_8)))
            .containsKeys("nv_inference_request_success", "caracal_request_duration_seconds");
      }
    }
  }

  static double failure(Map<String, Family> f, String mv, String reason) {
    return value(f, "nv_inference_request_failure", mv + ",reason=" + reason);
  }

  /**
   * Waits until the request duration histograms counted {@code n} calls: a transport reports a call
   * after its answer went out, so the client may see the answer first.
   */
  void awaitCalls(ItServer s, long n) throws InterruptedException {
    Await.until(
        n + " calls observed",
        Duration.ofSeconds(30),
        () -> {
          try {
            return calls(text(s)) == n;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /** Calls the request duration histograms counted. */
  static long calls(Map<String, Family> f) {
    Family h = f.get("caracal_request_duration_seconds");
    return h == null
        ? 0
        : (long)
            h.samples().stream()
                .filter(x -> x.name().endsWith("_count"))
                .mapToDouble(Sample::value)
                .sum();
  }

  /**
   * Series of the per-model families (not JVM, process or CPU ones, which change by themselves).
   */
  static int seriesCount(Map<String, Family> f) {
    return f.values().stream()
        .filter(x ->
            x.name().startsWith("nv_inference")
                || x.name().startsWith("nv_cache")
                || x.name().startsWith("caracal_"))
        .mapToInt(x -> x.samples().size())
        .sum();
  }

  @Test
  void unload_removesTheModelsSeries_andMetricsCanBeOff() throws Exception {
    models();
    try (ItServer s =
        ItServer.start(
            repo,
            b -> b.modelControlMode(ModelControlMode.EXPLICIT).loadModels(List.of("plain")))) {
      assertThat(s.client.infer("plain", fp32(1)).status()).isEqualTo(200);
      awaitCalls(s, 1);
      assertThat(s.client.postJson("/v2/repository/models/plain/unload", "").status())
          .isEqualTo(200);
      String body = new String(scrape(s).body(), StandardCharsets.UTF_8);
      assertThat(body.lines().filter(l -> l.contains("model=\"plain\"")))
          .allMatch(l ->
              l.startsWith("caracal_model_loads_total")
                  || l.startsWith("caracal_model_unloads_total"));
      Map<String, Family> f = ExpositionParser.parsePrometheusText(body);
      assertThat(value(f, "caracal_model_unloads_total", "model=plain")).isEqualTo(1);
    }
    try (ItServer off = ItServer.start(repo, b -> b.allowMetrics(false))) {
      assertThat(off.server.metricsAddress()).isEmpty();
    }
  }
}
