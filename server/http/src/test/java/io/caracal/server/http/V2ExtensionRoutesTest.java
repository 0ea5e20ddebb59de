package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.core.logging.LogSettings;
import io.caracal.core.trace.TraceSettings;
import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.http.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class V2ExtensionRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ECHO_JSON =
      "{\"id\":\"r1\",\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}";

  final ExecutorService answers =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-answers"));
  volatile CountDownLatch loadStarted = new CountDownLatch(0);
  volatile CountDownLatch loadGate = new CountDownLatch(0);

  /** The fake core, whose loads wait at {@link #loadGate} once they started. */
  final FakeInferenceService service =
      new FakeInferenceService(answers) {
        @Override
        public CompletableFuture<Void> loadModel(String model) {
          return CompletableFuture.runAsync(
                  () -> {
                    loadStarted.countDown();
                    try {
                      loadGate.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  },
                  Thread::startVirtualThread)
              .thenCompose(v -> super.loadModel(model));
        }
      };

  V2HttpServer server;
  int port;

  @BeforeAll
  void start() {
    server =
        V2HttpServer.builder()
            .service(service)
            .port(0)
            .eventLoopThreads(1)
            .limits(HttpLimits.DEFAULTS.withMaxBodyBytes(4096))
            .logSettings(LogSettings.inMemory())
            .traceSettings(TraceSettings.disabled())
            .build();
    port = server.start().getPort();
  }

  @AfterAll
  void stop() {
    server.close();
    answers.shutdownNow();
  }

  RawHttp.Resp call(String method, String target, Map<String, String> headers, byte[] body)
      throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      return c.send(method, target, headers, body);
    }
  }

  RawHttp.Resp call(String method, String target, String body) throws IOException {
    return call(
        method, target, Map.of(), body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  static String error(RawHttp.Resp r) throws IOException {
    return JSON.readTree(r.body()).get("error").asText();
  }

  @Test
  void traceSetting_routesBodiesAndErrors() throws Exception {
    RawHttp.Resp global = call("GET", "/v2/trace/setting", null);
    assertThat(global.status()).isEqualTo(200);
    assertThat(JSON.readTree(global.body()).toString())
        .isEqualTo(
            "{\"trace_level\":[\"OFF\"],\"trace_rate\":\"1000\",\"trace_count\":\"-1\","
                + "\"trace_mode\":\"opentelemetry\"}");
    // a model's route, also with a version (ignored, as Triton does); numbers taken as strings
    RawHttp.Resp model =
        call(
            "POST",
            "/v2/models/echo/versions/1/trace/setting",
            "{\"trace_rate\":25,\"trace_level\":[\"TIMESTAMPS\"],\"trace_count\":null}");
    assertThat(model.status()).as(new String(model.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    JsonNode m = JSON.readTree(model.body());
    assertThat(m.get("trace_rate").asText()).isEqualTo("25");
    assertThat(m.get("trace_level").toString()).isEqualTo("[\"TIMESTAMPS\"]");
    assertThat(JSON.readTree(call("GET", "/v2/models/echo/trace/setting", null).body()))
        .isEqualTo(m);
    // an empty level array changes nothing (Triton); a POST without a body only reads
    assertThat(
            JSON.readTree(
                    call("POST", "/v2/models/echo/trace/setting", "{\"trace_level\":[]}").body())
                .get("trace_level")
                .toString())
        .isEqualTo("[\"TIMESTAMPS\"]");
    assertThat(call("POST", "/v2/trace/setting", null).status()).isEqualTo(200);

    RawHttp.Resp notReady = call("GET", "/v2/models/notready/trace/setting", null);
    assertThat(notReady.status()).isEqualTo(400);
    assertThat(error(notReady)).isEqualTo("Request for unknown model : notready");
    RawHttp.Resp file = call("POST", "/v2/trace/setting", "{\"trace_file\":null}");
    assertThat(file.status()).isEqualTo(501);
    assertThat(error(file))
        .isEqualTo("trace file location can not be updated through network protocol");
    RawHttp.Resp object = call("POST", "/v2/trace/setting", "{\"trace_rate\":{\"a\":1}}");
    assertThat(object.status()).isEqualTo(400);
    assertThat(error(object))
        .isEqualTo("'trace_rate' of the trace body must be a string, an array of strings or null");
    assertThat(call("POST", "/v2/trace/setting", "[1]").status()).isEqualTo(400);
    assertThat(call("DELETE", "/v2/trace/setting", null).status()).isEqualTo(405);
    assertThat(call("PUT", "/v2/models/echo/trace/setting", "{}").status()).isEqualTo(405);
  }

  @Test
  void config_isTritonJson_withIntegers() throws Exception {
    RawHttp.Resp r = call("GET", "/v2/models/echo/config", null);
    assertThat(r.status()).isEqualTo(200);
    JsonNode n = JSON.readTree(r.body());
    assertThat(n.get("max_batch_size").isInt()).isTrue();
    assertThat(n.get("max_batch_size").asInt()).isEqualTo(8);
    assertThat(n.get("input").get(0).get("data_type").asText()).isEqualTo("TYPE_FP32");
    assertThat(n.get("input").get(0).get("dims").get(0).isNumber()).isTrue();
    assertThat(call("GET", "/v2/models/echo/versions/1/config", null).status()).isEqualTo(200);
    assertThat(call("POST", "/v2/models/echo/config", "{}").status()).isEqualTo(405);
    assertThat(call("GET", "/v2/models/nope/config", null).status()).isEqualTo(400);
    assertThat(call("GET", "/v2/models/..%2Fx/config", null).status()).isEqualTo(400);
  }

  @Test
  void stats_inTritonShape() throws Exception {
    for (String path :
        List.of("/v2/models/stats", "/v2/models/echo/stats", "/v2/models/echo/versions/1/stats")) {
      RawHttp.Resp r = call("GET", path, null);
      assertThat(r.status()).as(path).isEqualTo(200);
      JsonNode s = JSON.readTree(r.body()).get("model_stats").get(0);
      assertThat(s.get("name").asText()).isEqualTo("echo");
      assertThat(s.get("version").asText()).isEqualTo("1");
      assertThat(s.get("inference_count").asLong()).isEqualTo(16);
      assertThat(s.get("inference_stats").get("success").get("count").asLong()).isEqualTo(3);
      assertThat(s.get("batch_stats").get(0).get("batch_size").asLong()).isEqualTo(4);
      assertThat(s.get("batch_stats").get(0).get("compute_input").get("ns").asLong()).isEqualTo(40);
      // Caracal's additions live under one key of their own, beside Triton's
      assertThat(s.get("caracal").get("queue_max_ns").asLong()).isEqualTo(900);
      assertThat(s.get("caracal").get("queue_p50_ns").asLong()).isEqualTo(100);
      assertThat(s.get("caracal").get("queue_p99_ns").asLong()).isEqualTo(800);
      assertThat(s.get("caracal").get("compute_infer_max_ns").asLong()).isEqualTo(5000);
      assertThat(s.get("caracal").size()).isEqualTo(4);
    }
  }

  @Test
  void repository_indexLoadUnload() throws Exception {
    RawHttp.Resp idx = call("POST", "/v2/repository/index", null);
    assertThat(idx.status()).isEqualTo(200);
    assertThat(idx.text())
        .isEqualTo(
            "[{\"name\":\"echo\",\"version\":\"1\",\"state\":\"READY\"},{\"name\":\"notready\",\"version\":\"1\",\"state\":\"LOADING\",\"reason\":\"still loading\"}]");
    assertThat(call("POST", "/v2/repository/index", "{\"ready\":true}").text())
        .isEqualTo("[{\"name\":\"echo\",\"version\":\"1\",\"state\":\"READY\"}]");
    assertThat(call("POST", "/v2/repository/index", "{\"ready\":1}").status()).isEqualTo(400);
    assertThat(call("GET", "/v2/repository/index", null).status()).isEqualTo(405);

    RawHttp.Resp load = call("POST", "/v2/repository/models/echo/load", null);
    assertThat(load.status()).isEqualTo(200);
    assertThat(load.body()).isEmpty();
    assertThat(service.loaded()).endsWith("echo");
    assertThat(
            call(
                    "POST",
                    "/v2/repository/models/echo/unload",
                    "{\"parameters\":{\"unload_dependents\":false}}")
                .status())
        .isEqualTo(200);
    assertThat(service.unloaded()).endsWith("echo");

    RawHttp.Resp broken = call("POST", "/v2/repository/models/broken/load", "{}");
    assertThat(broken.status()).isEqualTo(400);
    assertThat(error(broken)).isEqualTo("failed to load 'broken': model file is corrupt");
    RawHttp.Resp cfg =
        call("POST", "/v2/repository/models/echo/load", "{\"parameters\":{\"config\":\"{}\"}}");
    assertThat(cfg.status()).isEqualTo(400);
    assertThat(error(cfg)).contains("'config' is not supported");
    RawHttp.Resp file =
        call(
            "POST",
            "/v2/repository/models/echo/load",
            "{\"parameters\":{\"file:1/model.onnx\":\"AAAA\"}}");
    assertThat(file.status()).isEqualTo(400);
    assertThat(error(file)).contains("not supported");
    RawHttp.Resp named = call("POST", "/v2/repository/other/models/echo/load", null);
    assertThat(named.status()).isEqualTo(501);
    assertThat(error(named)).isEqualTo("'repository_name' specification is not supported");
    assertThat(call("POST", "/v2/repository/other/index", null).status()).isEqualTo(501);
    for (String bad : List.of("..", "..%2Fetc", "a%5C..", "%2e%2e")) {
      assertThat(call("POST", "/v2/repository/models/" + bad + "/load", null).status())
          .as(bad)
          .isEqualTo(400);
    }
    assertThat(call("POST", "/v2/repository/models/a/../../b/unload", null).status())
        .isEqualTo(400);
  }

  @Test
  void load_doesNotBlockTheEventLoop() throws Exception {
    loadStarted = new CountDownLatch(1);
    loadGate = new CountDownLatch(1);
    try (RawHttp a = new RawHttp(port)) {
      a.write(
          "POST /v2/repository/models/slowload/load HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
      assertThat(loadStarted.await(10, TimeUnit.SECONDS)).as("the load started").isTrue();
      // the only event loop still answers other connections while the load waits
      assertThat(call("GET", "/v2/health/live", null).status()).isEqualTo(200);
      assertThat(service.loaded()).as("the load is still waiting").doesNotContain("slowload");
      loadGate.countDown();
      assertThat(a.read().status()).isEqualTo(200);
      assertThat(service.loaded()).endsWith("slowload");
    } finally {
      loadGate.countDown();
    }
  }

  @Test
  void logging_getPost_andNoPath() throws Exception {
    RawHttp.Resp g = call("GET", "/v2/logging", null);
    assertThat(g.text())
        .isEqualTo(
            "{\"log_file\":\"\",\"log_info\":true,\"log_warning\":true,\"log_error\":true,\"log_verbose_level\":0,\"log_format\":\"default\"}");
    RawHttp.Resp p = call("POST", "/v2/logging", "{\"log_verbose_level\":1,\"log_info\":false}");
    assertThat(p.status()).isEqualTo(200);
    assertThat(JSON.readTree(p.body()).get("log_verbose_level").asInt()).isEqualTo(1);
    assertThat(JSON.readTree(p.body()).get("log_info").asBoolean()).isFalse();
    RawHttp.Resp path = call("POST", "/v2/logging", "{\"log_file\":\"/root/.bashrc\"}");
    assertThat(path.status()).isEqualTo(400);
    assertThat(error(path)).isEqualTo("log_file cannot be set through the API");
    assertThat(call("POST", "/v2/logging", "{\"log_verbose_level\":-1}").status()).isEqualTo(400);
    assertThat(call("POST", "/v2/logging", "[1]").status()).isEqualTo(400);
    assertThat(call("POST", "/v2/logging", "{\"log_info\":").status()).isEqualTo(400);
    assertThat(call("PUT", "/v2/logging", "{}").status()).isEqualTo(405);
    assertThat(JSON.readTree(call("GET", "/v2/logging", null).body()).get("log_file").asText())
        .isEmpty();
    call("POST", "/v2/logging", "{\"log_verbose_level\":0,\"log_info\":true}");
  }

  static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(bos)) {
      g.write(b);
    }
    return bos.toByteArray();
  }

  static byte[] deflate(byte[] b) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (DeflaterOutputStream g = new DeflaterOutputStream(bos)) {
      g.write(b);
    }
    return bos.toByteArray();
  }

  @Test
  void gzipAndDeflate_bothWays_onInferOnly() throws Exception {
    byte[] plain = ECHO_JSON.getBytes(StandardCharsets.UTF_8);
    RawHttp.Resp gz =
        call(
            "POST",
            "/v2/models/echo/infer",
            Map.of("Content-Encoding", "gzip", "Accept-Encoding", "gzip"),
            gzip(plain));
    assertThat(gz.status()).isEqualTo(200);
    assertThat(gz.header("content-encoding")).isEqualTo("gzip");
    String text =
        new String(
            new GZIPInputStream(new java.io.ByteArrayInputStream(gz.body())).readAllBytes(),
            StandardCharsets.UTF_8);
    assertThat(text).contains("\"data\":[1,2,3,4]");

    RawHttp.Resp df =
        call(
            "POST",
            "/v2/models/echo/infer",
            Map.of(
                "Content-Encoding",
                "deflate",
                "Accept-Encoding",
                "gzip;q=0.5, deflate;q=0.9, identity;q=0.1"),
            deflate(plain));
    assertThat(df.status()).isEqualTo(200);
    assertThat(df.header("content-encoding")).isEqualTo("deflate");
    String dtext =
        new String(
            new InflaterInputStream(new java.io.ByteArrayInputStream(df.body())).readAllBytes(),
            StandardCharsets.UTF_8);
    assertThat(dtext).isEqualTo(text);

    RawHttp.Resp id =
        call(
            "POST",
            "/v2/models/echo/infer",
            Map.of("Accept-Encoding", "gzip;q=0, identity"),
            plain);
    assertThat(id.header("content-encoding")).isNull();
    assertThat(id.text()).isEqualTo(text);

    // never on other routes
    RawHttp.Resp md = call("GET", "/v2/models/echo", Map.of("Accept-Encoding", "gzip"), null);
    assertThat(md.header("content-encoding")).isNull();
    assertThat(JSON.readTree(md.body()).get("name").asText()).isEqualTo("echo");

    // a small bomb: 1 MB of zeros is far beyond the 4 KB body limit once decompressed
    RawHttp.Resp bomb =
        call(
            "POST",
            "/v2/models/echo/infer",
            Map.of("Content-Encoding", "gzip"),
            gzip(new byte[1 << 20]));
    assertThat(bomb.status()).isEqualTo(413);
    assertThat(error(bomb)).contains("decompressed request body exceeds");
    assertThat(HttpCompression.responseCoding("*")).isEqualTo(HttpCompression.Coding.GZIP);
    assertThat(HttpCompression.responseCoding("br, identity;q=0.5"))
        .isEqualTo(HttpCompression.Coding.IDENTITY);
    assertThat(HttpCompression.responseCoding("deflate, gzip"))
        .isEqualTo(HttpCompression.Coding.DEFLATE);
  }
}
