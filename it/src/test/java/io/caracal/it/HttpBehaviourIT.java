package io.caracal.it;

import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.api.DataType;
import io.caracal.testing.http.RawHttp;
import io.caracal.testing.models.TestModels;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/1.1 behaviour the official clients rely on (kserve-v2-protocol.md §2, §10): keep-alive
 * across errors, query strings, no Content-Type, chunked bodies, percent-encoded names, 413 over
 * the configured limit, and 16 threads × 50 concurrent requests.
 */
class HttpBehaviourIT {
  static final int LIMIT = 4096;

  @TempDir static Path repo;
  static ItServer server;
  static ItServer small;
  static V2Client c;

  @BeforeAll
  static void start() throws Exception {
    TestModels.addSub(repo, "simple", DataType.INT32, 8);
    TestModels.addSub(repo, "my.model-1_x", DataType.INT32, 8);
    TestModels.identity(repo, "id_fp32", DataType.FP32, 8);
    server = ItServer.start(repo);
    c = server.client;
    small = ItServer.start(repo, b -> b.maxRequestBytes(LIMIT));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (small != null) {
      small.close();
    }
  }

  static String simpleJson(int a, int b) {
    int[] x = new int[16];
    int[] y = new int[16];
    for (int i = 0; i < 16; i++) {
      x[i] = a + i;
      y[i] = b;
    }
    return withInputs(
            request(),
            jsonInput("INPUT0", "INT32", shape(1, 16), V2Client.ints(x)),
            jsonInput("INPUT1", "INT32", shape(1, 16), V2Client.ints(y)))
        .toString();
  }

  static void assertSimple(JsonNode body, int a, int b) {
    JsonNode sum = null;
    JsonNode diff = null;
    for (JsonNode o : body.path("outputs")) {
      if (o.path("name").asText().equals("OUTPUT0")) {
        sum = o.path("data");
      } else if (o.path("name").asText().equals("OUTPUT1")) {
        diff = o.path("data");
      }
    }
    assertThat(sum).as("OUTPUT0 in %s", body).isNotNull();
    assertThat(diff).as("OUTPUT1 in %s", body).isNotNull();
    for (int i = 0; i < 16; i++) {
      assertThat(sum.get(i).asInt()).isEqualTo(a + i + b);
      assertThat(diff.get(i).asInt()).isEqualTo(a + i - b);
    }
  }

  @Test
  void healthEndpoints() {
    V2Client.Response live = c.get("/v2/health/live");
    assertThat(live.status()).isEqualTo(200);
    V2Client.Response ready = c.get("/v2/health/ready");
    assertThat(ready.status()).as("all models loaded: %s", ready).isEqualTo(200);
    assertThat(ready.json().path("ready").asBoolean()).isTrue();
    V2Client.Response mr = c.get("/v2/models/simple/ready");
    assertThat(mr.status()).isEqualTo(200);
  }

  @Test
  void keepAliveSurvivesErrors() throws Exception {
    byte[] good = simpleJson(1, 2).getBytes(StandardCharsets.UTF_8);
    try (RawHttp h = new RawHttp(c.port())) {
      for (int round = 0; round < 3; round++) {
        assertThat(h.send("POST", "/v2/models/simple/infer", good).status()).isEqualTo(200);
        assertThat(
                h.send(
                        "POST",
                        "/v2/models/simple/infer",
                        "{broken".getBytes(StandardCharsets.UTF_8))
                    .status())
            .isEqualTo(400);
        assertThat(h.send("POST", "/v2/models/nope/infer", good).status()).isEqualTo(400);
        assertThat(h.send("GET", "/v2/models/simple/infer", good).status()).isEqualTo(405);
        assertThat(h.send("GET", "/v2/no/such/route", null).status()).isEqualTo(404);
        assertThat(h.get("/v2/health/live").status()).isEqualTo(200);
        RawHttp.Resp ok = h.send("POST", "/v2/models/simple/infer", good);
        assertThat(ok.status()).isEqualTo(200);
        assertSimple(V2Client.parse(ok.text()), 1, 2);
      }
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (RawHttp h = new RawHttp(c.port())) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 3; i++) {
        String body = simpleJson(i * 100, i);
        b.append("POST /v2/models/simple/infer HTTP/1.1\r\nHost: x\r\nContent-Length: ")
            .append(body.getBytes(StandardCharsets.UTF_8).length)
            .append("\r\n\r\n")
            .append(body);
      }
      h.write(b.toString().getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < 3; i++) {
        RawHttp.Resp r = h.read();
        assertThat(r.status()).isEqualTo(200);
        assertSimple(V2Client.parse(r.text()), i * 100, i);
      }
    }
  }

  @Test
  void connectionCloseIsHonoured() throws Exception {
    try (RawHttp h = new RawHttp(c.port())) {
      RawHttp.Resp r = h.send("GET", "/v2/health/live", Map.of("Connection", "close"), null);
      assertThat(r.status()).isEqualTo(200);
      assertThat(h.isClosedByServer()).isTrue();
    }
  }

  @Test
  void queryStringsAreIgnored() {
    assertThat(c.get("/v2/health/live?test_1=1&test_2=2").status()).isEqualTo(200);
    assertThat(c.get("/v2/health/ready?x=y").status()).isEqualTo(200);
    assertThat(c.get("/v2?a=b").status()).isEqualTo(200);
    assertThat(c.get("/v2/models/simple?test_1=1&test_2=2").json().path("name").asText())
        .isEqualTo("simple");
    assertThat(c.get("/v2/models/simple/ready?q=1").status()).isEqualTo(200);
    V2Client.Response r = c.postJson("/v2/models/simple/infer?test_1=1&test_2=2", simpleJson(5, 6));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertSimple(r.json(), 5, 6);
  }

  @Test
  void contentTypeIsNotRequiredAndRepliesAreTyped() throws Exception {
    try (RawHttp h = new RawHttp(c.port())) {
      RawHttp.Resp r =
          h.send(
              "POST", "/v2/models/simple/infer", simpleJson(1, 1).getBytes(StandardCharsets.UTF_8));
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.header("content-type")).startsWith("application/json");
      assertThat(r.header("inference-header-content-length")).isNull();
      RawHttp.Resp odd =
          h.send(
              "POST",
              "/v2/models/simple/infer",
              Map.of("Content-Type", "application/octet-stream"),
              simpleJson(2, 1).getBytes(StandardCharsets.UTF_8));
      assertThat(odd.status()).as(odd.toString()).isEqualTo(200);
    }
  }

  @Test
  void headerNamesAreCaseInsensitive() throws Exception {
    ObjectNode req =
        withOutputs(
            withInputs(
                request(),
                binaryInput("INPUT0", "INT32", shape(1, 16), 64),
                binaryInput("INPUT1", "INT32", shape(1, 16), 64)),
            true,
            "OUTPUT0");
    byte[] json = req.toString().getBytes(StandardCharsets.UTF_8);
    int[] x = new int[16];
    java.util.Arrays.fill(x, 3);
    byte[] body = V2Client.concat(json, Le.int32(x), Le.int32(x));
    try (RawHttp h = new RawHttp(c.port())) {
      RawHttp.Resp r =
          h.send(
              "post".toUpperCase(),
              "/v2/models/simple/infer",
              Map.of("inference-header-content-length", Integer.toString(json.length)),
              body);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertThat(r.header("content-type")).startsWith("application/octet-stream");
      V2Client.Response resp = new V2Client.Response(r);
      int[] six = new int[16];
      java.util.Arrays.fill(six, 6);
      assertThat(resp.binary("OUTPUT0")).isEqualTo(Le.int32(six));
      assertThat(Integer.parseInt(r.header("content-length"))).isEqualTo(r.body().length);
    }
  }

  static byte[] chunked(byte[] body, int chunk) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < body.length; i += chunk) {
      int n = Math.min(chunk, body.length - i);
      out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(body, i, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  @Test
  void chunkedRequestBodies() throws Exception {
    byte[] body = simpleJson(7, 3).getBytes(StandardCharsets.UTF_8);
    try (RawHttp h = new RawHttp(c.port())) {
      for (int chunk : new int[] {1, 7, 64, body.length}) {
        h.write(
            "POST /v2/models/simple/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        h.write(chunked(body, chunk));
        RawHttp.Resp r = h.read();
        assertThat(r.status()).as("chunk %d: %s", chunk, r).isEqualTo(200);
        assertSimple(V2Client.parse(r.text()), 7, 3);
      }
      // a binary-extension request, chunked
      ObjectNode req =
          withInputs(
              request(),
              binaryInput("INPUT0", "INT32", shape(1, 16), 64),
              binaryInput("INPUT1", "INT32", shape(1, 16), 64));
      byte[] json = req.toString().getBytes(StandardCharsets.UTF_8);
      byte[] bin = V2Client.concat(json, Le.int32(new int[16]), Le.int32(new int[16]));
      h.write(
          "POST /v2/models/simple/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nInference-Header-Content-Length: "
              + json.length
              + "\r\n\r\n");
      h.write(chunked(bin, 10));
      RawHttp.Resp r = h.read();
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }
  }

  @Test
  void percentEncodedModelNames() {
    assertThat(c.get("/v2/models/my.model-1_x").status()).isEqualTo(200);
    V2Client.Response md = c.get("/v2/models/my%2Emodel%2D1%5Fx");
    assertThat(md.status()).as(md.toString()).isEqualTo(200);
    assertThat(md.json().path("name").asText()).isEqualTo("my.model-1_x");
    assertThat(c.get("/v2/models/%73imple/ready").status()).isEqualTo(200);
    V2Client.Response r = c.postJson("/v2/models/my%2emodel-1_x/infer", simpleJson(1, 1));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().path("model_name").asText()).isEqualTo("my.model-1_x");
    V2Client.Response v = c.postJson("/v2/models/%73imple/versions/%31/infer", simpleJson(1, 1));
    assertThat(v.status()).as(v.toString()).isIn(200, 400, 404);
  }

  @Test
  void bodyOverTheLimitIs413AndTheServerStillServes() throws Exception {
    V2Client sc = small.client;
    String pad = " ".repeat(LIMIT * 2);
    V2Client.Response r = sc.postJson("/v2/models/simple/infer", simpleJson(1, 1) + pad);
    assertThat(r.status()).as(r.toString()).isEqualTo(413);
    if (r.body().length > 0) {
      assertThat(r.error()).isNotEmpty();
    }
    // chunked over the limit
    try (RawHttp h = new RawHttp(small.port())) {
      h.write(
          "POST /v2/models/simple/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      try {
        h.write(chunked((simpleJson(1, 1) + pad).getBytes(StandardCharsets.UTF_8), 512));
      } catch (java.io.IOException closedEarly) {
        // the server may answer and close before reading everything
      }
      RawHttp.Resp cr = h.read();
      assertThat(cr.status()).as(cr.toString()).isEqualTo(413);
    }
    // a huge Content-Length claim is refused without waiting for the body
    try (RawHttp h = new RawHttp(small.port())) {
      h.write(
          "POST /v2/models/simple/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n{");
      RawHttp.Resp cr = h.read();
      assertThat(cr.status()).as(cr.toString()).isEqualTo(413);
    }
    V2Client.Response ok = sc.postJson("/v2/models/simple/infer", simpleJson(1, 1));
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertSimple(ok.json(), 1, 1);
  }

  /** curl sends "Expect: 100-continue" for bodies over 1 KiB and waits for the interim reply. */
  @Test
  void expectContinueIsAnswered() throws Exception {
    byte[] body = simpleJson(4, 2).getBytes(StandardCharsets.UTF_8);
    try (RawHttp h = new RawHttp(c.port())) {
      h.write(
          "POST /v2/models/simple/infer HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: "
              + body.length
              + "\r\n\r\n");
      h.timeoutMillis(5_000);
      RawHttp.Resp interim = h.read();
      assertThat(interim.status()).isEqualTo(100);
      h.write(body);
      RawHttp.Resp r = h.read();
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      assertSimple(V2Client.parse(r.text()), 4, 2);
    }
  }

  /** 16 MB in and out through the binary extension, byte-exact. */
  @Test
  void largeBinaryTensorRoundTrip() {
    int n = 1_000_000;
    float[] v = new float[4 * n];
    for (int i = 0; i < v.length; i++) {
      v[i] = i * 0.5f - 7f;
    }
    byte[] data = Le.fp32(v);
    ObjectNode req =
        withOutputs(
            withInputs(request(), binaryInput("INPUT0", "FP32", shape(4, n), data.length)),
            true,
            "OUTPUT0");
    V2Client.Response r = c.inferBinary("id_fp32", req, data);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.shapeOf("OUTPUT0")).containsExactly(4, n);
    assertThat(java.util.Arrays.equals(r.binary("OUTPUT0"), data)).as("16 MB byte-exact").isTrue();
  }

  /** A client that goes away mid-body (or mid-headers) leaves the server healthy. */
  @Test
  void clientDisconnectsMidRequestLeaveTheServerHealthy() throws Exception {
    for (int i = 0; i < 10; i++) {
      try (RawHttp h = new RawHttp(c.port())) {
        if (i % 2 == 0) {
          h.write(
              "POST /v2/models/simple/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"inputs\": [");
        } else {
          h.write("POST /v2/models/simple/infer HTTP/1.1\r\nHost: x\r\nTransfer-");
        }
      }
    }
    assertThat(c.serverLive()).isTrue();
    V2Client.Response ok = c.postJson("/v2/models/simple/infer", simpleJson(9, 9));
    assertThat(ok.status()).isEqualTo(200);
    assertSimple(ok.json(), 9, 9);
  }

  @Test
  void sixteenThreadsTimesFiftyRequestsAreAllCorrect() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Integer>> futures = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        final int thread = t;
        futures.add(
            pool.submit(() -> {
              V2Client own = new V2Client(c.port());
              int ok = 0;
              for (int i = 0; i < 50; i++) {
                int a = thread * 1000 + i;
                int b = i - thread;
                V2Client.Response r;
                if (i % 2 == 0) {
                  r = own.postJson("/v2/models/simple/infer", simpleJson(a, b));
                  assertThat(r.status()).as(r.toString()).isEqualTo(200);
                  assertSimple(r.json(), a, b);
                } else {
                  int[] x = new int[16];
                  int[] y = new int[16];
                  for (int k = 0; k < 16; k++) {
                    x[k] = a + k;
                    y[k] = b;
                  }
                  ObjectNode req =
                      withOutputs(
                          withInputs(
                              request(),
                              binaryInput("INPUT0", "INT32", shape(1, 16), 64),
                              binaryInput("INPUT1", "INT32", shape(1, 16), 64)),
                          true,
                          "OUTPUT0",
                          "OUTPUT1");
                  r = own.inferBinary("simple", req, Le.int32(x), Le.int32(y));
                  assertThat(r.status()).as(r.toString()).isEqualTo(200);
                  int[] s = Le.toInt32(r.binary("OUTPUT0"));
                  int[] d = Le.toInt32(r.binary("OUTPUT1"));
                  for (int k = 0; k < 16; k++) {
                    assertThat(s[k]).isEqualTo(x[k] + y[k]);
                    assertThat(d[k]).isEqualTo(x[k] - y[k]);
                  }
                }
                ok++;
              }
              return ok;
            }));
      }
      int total = 0;
      for (Future<Integer> f : futures) {
        total += f.get(120, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(800);
    } finally {
      pool.shutdownNow();
    }
  }
}
