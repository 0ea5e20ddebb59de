package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.http.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class V2HttpServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ECHO_JSON =
      "{\"id\":\"r1\",\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}";

  private final ExecutorService answers =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-answers"));
  private final FakeInferenceService service = new FakeInferenceService(answers);
  private final List<String> errorBodies = Collections.synchronizedList(new ArrayList<>());
  private V2HttpServer server;
  private V2HttpServer small;
  private int port;

  @BeforeAll
  void start() {
    server = V2HttpServer.builder().service(service).port(0).eventLoopThreads(2).build();
    port = server.start().getPort();
    small =
        V2HttpServer.builder()
            .service(service)
            .port(0)
            .eventLoopThreads(1)
            .limits(HttpLimits.DEFAULTS.withMaxBodyBytes(1024))
            .build();
    small.start();
  }

  @AfterAll
  void stop() {
    server.close();
    small.close();
    answers.shutdownNow();
  }

  private RawHttp connect() throws IOException {
    return new RawHttp(port);
  }

  /** Sends one request on a fresh connection and records error bodies for the hygiene meta-test. */
  private RawHttp.Resp call(String method, String target, String body) throws IOException {
    try (RawHttp c = connect()) {
      return record(
          c.send(
              method,
              target,
              Map.of(),
              body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
    }
  }

  private RawHttp.Resp record(RawHttp.Resp r) {
    if (r.status() >= 400) {
      errorBodies.add(r.text());
      assertThat(r.header("content-type")).isEqualTo("application/json");
    }
    return r;
  }

  private static String error(RawHttp.Resp r) throws IOException {
    JsonNode n = JSON.readTree(r.body());
    assertThat(n.size()).isEqualTo(1);
    return n.get("error").asText();
  }

  private void assertError(RawHttp.Resp r, int status, String message) throws IOException {
    record(r);
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(error(r)).isEqualTo(message);
  }

  /** An unexpected failure: 500, no detail, a correlation id the log line repeats. */
  private void assertInternal(RawHttp.Resp r, String prefix) throws IOException {
    record(r);
    assertThat(r.status()).as(r.text()).isEqualTo(500);
    assertThat(error(r))
        .startsWith(prefix)
        .matches(".*internal error \\(correlation id [0-9a-f]{16}\\)")
        .doesNotContain("secret");
  }

  private void assertErrorContains(RawHttp.Resp r, int status, String part) throws IOException {
    record(r);
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(error(r)).contains(part);
  }

  // ------------------------------------------------------------------------------ routes

  @Test
  void serverMetadataAndHealth() throws IOException {
    RawHttp.Resp md = call("GET", "/v2?test_1=1&test_2=2", null);
    assertThat(md.status()).isEqualTo(200);
    assertThat(md.header("content-type")).isEqualTo("application/json");
    JsonNode n = JSON.readTree(md.body());
    assertThat(n.get("name").asText()).isEqualTo("caracal");
    assertThat(n.get("extensions").toString())
        .isEqualTo(JSON.writeValueAsString(io.caracal.core.Extensions.SUPPORTED));
    assertThat(n.has("backends")).as("no backends given, none listed").isFalse();
    assertThat(call("GET", "/v2/health/live", null).text()).isEqualTo("{\"live\":true}");
    assertThat(call("GET", "/v2/health/ready?x=1", null).text()).isEqualTo("{\"ready\":true}");
    service.setReady(false);
    try {
      RawHttp.Resp r = call("GET", "/v2/health/ready", null);
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.text()).isEqualTo("{\"ready\":false}");
    } finally {
      service.setReady(true);
    }
  }

  @Test
  void modelMetadataWithLabels() throws IOException {
    for (String path :
        List.of("/v2/models/echo", "/v2/models/echo/versions/1", "/v2/models/ec%68o?q=1")) {
      RawHttp.Resp r = call("GET", path, null);
      assertThat(r.status()).isEqualTo(200);
      JsonNode n = JSON.readTree(r.body());
      assertThat(n.get("name").asText()).isEqualTo("echo");
      assertThat(n.get("versions").toString()).isEqualTo("[\"1\"]");
      assertThat(n.get("platform").asText()).isEqualTo("onnxruntime_onnx");
      assertThat(n.get("inputs").get(0).toString())
          .isEqualTo("{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[-1,4]}");
      assertThat(n.get("outputs").get(0).get("labels").toString())
          .isEqualTo("[\"setosa\",\"versicolor\"]");
    }
  }

  @Test
  void modelReady() throws IOException {
    RawHttp.Resp r = call("GET", "/v2/models/echo/ready", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo("{\"name\":\"echo\",\"ready\":true}");
    assertThat(call("GET", "/v2/models/echo/versions/1/ready", null).status()).isEqualTo(200);
    assertError(
        call("GET", "/v2/models/notready/ready", null),
        400,
        "Model version not ready: still loading");
    assertError(
        call("GET", "/v2/models/nope/ready", null),
        400,
        "Request for unknown model: 'nope' is not found");
    assertError(
        call("GET", "/v2/models/echo/versions/2/ready", null),
        404,
        "Request for unknown model: 'echo' version 2 is not found");
  }

  @Test
  void unknownModelAndVersion() throws IOException {
    assertError(
        call("GET", "/v2/models/nope", null),
        400,
        "Request for unknown model: 'nope' is not found");
    assertError(
        call("POST", "/v2/models/nope/infer", ECHO_JSON),
        400,
        "Request for unknown model: 'nope' is not found");
    assertError(
        call("POST", "/v2/models/echo/versions/3/infer", ECHO_JSON),
        404,
        "Request for unknown model: 'echo' version 3 is not found");
    assertError(
        call("GET", "/v2/models/notready", null),
        503,
        "Request for unknown model: 'notready' has no available versions: still loading");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "99999999999999999999"})
  void wellFormedButImpossibleVersions_areUnknown(String v) throws IOException {
    for (String path :
        List.of("/v2/models/echo/versions/" + v, "/v2/models/echo/versions/" + v + "/ready")) {
      assertError(
          call("GET", path, null),
          404,
          "Request for unknown model: 'echo' version " + v + " is not found");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "01", "1e3", "latest", "%20"})
  void badVersionStrings(String v) throws IOException {
    String shown = V2Route.decode(v);
    for (String path :
        List.of("/v2/models/echo/versions/" + v, "/v2/models/echo/versions/" + v + "/ready")) {
      assertError(
          call("GET", path, null),
          400,
          "failed to get model version from specified version string '" + shown + "'");
    }
    assertError(
        call("POST", "/v2/models/echo/versions/" + v + "/infer", ECHO_JSON),
        400,
        "failed to get model version from specified version string '" + shown + "'");
  }

  @Test
  void notFoundAndMethodNotAllowed() throws IOException {
    for (String p :
        List.of(
            // "/" and "/v1/..." are KServe V1's (KServeV1RoutesTest)
            "/v2/models",
            "/v2/models/echo/configs",
            "/v2/health",
            "/v2/health/x",
            "/v2/models/echo/versions/1/infer/x",
            "/v3")) {
      assertError(call("GET", p, null), 404, "Not Found");
    }
    assertError(call("GET", "/v2/models/echo/infer", null), 405, "Method Not Allowed");
    assertError(call("POST", "/v2/health/live", "{}"), 405, "Method Not Allowed");
    assertError(call("DELETE", "/v2/models/echo", null), 405, "Method Not Allowed");
    assertError(call("PUT", "/v2", "x"), 405, "Method Not Allowed");
  }

  // ------------------------------------------------------------------------------ inference

  @Test
  void inferJsonEchoWithQueryStringAndPercentEncodedName() throws IOException {
    for (String path :
        List.of("/v2/models/echo/infer?test_1=1&test_2=2", "/v2/models/%65cho/versions/1/infer")) {
      RawHttp.Resp r = call("POST", path, ECHO_JSON);
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(r.header("content-type")).isEqualTo("application/json");
      assertThat(r.header("inference-header-content-length")).isNull();
      assertThat(r.text())
          .isEqualTo(
              "{\"model_name\":\"echo\",\"model_version\":\"1\",\"id\":\"r1\",\"outputs\":[{\"name\":\"OUTPUT0\","
                  + "\"datatype\":\"INT32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}");
    }
    assertThat(service.lastRequest().version()).hasValue(1);
  }

  @Test
  void inferWithJavaHttpClientNoContentType() throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/v2/models/echo/infer"))
                  .POST(HttpRequest.BodyPublishers.ofString(ECHO_JSON))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(r.body()).get("outputs").get(0).get("data").toString())
          .isEqualTo("[1,2,3,4]");
    }
  }

  @Test
  void binaryRequestAndResponseAreByteExact() throws IOException {
    String header =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"UINT32\",\"shape\":[2,2],\"parameters\":{\"binary_data_size\":16}},"
            + "{\"name\":\"INPUT1\",\"datatype\":\"BOOL\",\"shape\":[3],\"parameters\":{\"binary_data_size\":3}},"
            + "{\"name\":\"INPUT2\",\"datatype\":\"FP16\",\"shape\":[1],\"parameters\":{\"binary_data_size\":2}}],"
            + "\"parameters\":{\"binary_data_output\":true},"
            + "\"outputs\":[{\"name\":\"OUTPUT0\"},{\"name\":\"OUTPUT1\",\"parameters\":{\"binary_data\":false}},{\"name\":\"OUTPUT2\"}]}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    byte[] a =
        ByteBuffer.allocate(16)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(1)
            .putInt(2)
            .putInt(3)
            .putInt(-1)
            .array();
    byte[] b = {1, 0, 1};
    byte[] c =
        ByteBuffer.allocate(2)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putShort(Float.floatToFloat16(0.5f))
            .array();
    byte[] body = V2JsonCodecTest.concat(h, a, b, c);
    try (RawHttp conn = connect()) {
      RawHttp.Resp r =
          conn.send(
              "POST",
              "/v2/models/echo/infer",
              Map.of("Inference-Header-Content-Length", String.valueOf(h.length)),
              body);
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(r.header("content-type")).isEqualTo("application/octet-stream");
      int jsonLen = Integer.parseInt(r.header("inference-header-content-length"));
      assertThat(r.body().length).isEqualTo(jsonLen + 16 + 2);
      JsonNode n = JSON.readTree(new String(r.body(), 0, jsonLen, StandardCharsets.UTF_8));
      JsonNode o0 = n.get("outputs").get(0);
      assertThat(o0.toString())
          .isEqualTo(
              "{\"name\":\"OUTPUT0\",\"datatype\":\"UINT32\",\"shape\":[2,2],\"parameters\":{\"binary_data_size\":16}}");
      assertThat(n.get("outputs").get(1).get("data").toString()).isEqualTo("[true,false,true]");
      assertThat(n.get("outputs").get(2).get("parameters").get("binary_data_size").asInt())
          .isEqualTo(2);
      assertThat(Arrays.copyOfRange(r.body(), jsonLen, r.body().length))
          .isEqualTo(V2JsonCodecTest.concat(a, c));
      assertThat(service.lastRequest().parameters()).doesNotContainKey("binary_data_output");
      // the connection is still usable afterwards
      assertThat(conn.post("/v2/models/echo/infer", ECHO_JSON).status()).isEqualTo(200);
    }
  }

  @Test
  void chunkedRequestBody() throws IOException {
    byte[] json = ECHO_JSON.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream chunked = new ByteArrayOutputStream();
    for (int i = 0; i < json.length; i += 7) {
      int n = Math.min(7, json.length - i);
      chunked.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      chunked.write(json, i, n);
      chunked.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    chunked.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    try (RawHttp c = connect()) {
      RawHttp.Resp r =
          c.send(
              "POST",
              "/v2/models/echo/infer",
              Map.of("Transfer-Encoding", "chunked"),
              chunked.toByteArray());
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(c.get("/v2/health/live").status()).isEqualTo(200);
    }
  }

  @Test
  void keepAliveSurvivesEveryKindOfError() throws IOException {
    try (RawHttp c = connect()) {
      byte[] big = new byte[1 << 20];
      Arrays.fill(big, (byte) 'x');
      assertError(
          record(c.send("GET", "/v2/models/echo/infer", Map.of(), big)), 405, "Method Not Allowed");
      assertError(record(c.send("POST", "/nope", Map.of(), big)), 404, "Not Found");
      assertErrorContains(c.post("/v2/models/echo/infer", "{\"inputs\":["), 400, "malformed JSON");
      assertError(
          c.post("/v2/models/nope/infer", ECHO_JSON),
          400,
          "Request for unknown model: 'nope' is not found");
      assertInternal(c.post("/v2/models/fail/infer", ECHO_JSON), "internal error");
      assertErrorContains(c.post("/v2/models/..%2Fx/infer", ECHO_JSON), 400, "invalid model name");
      assertError(
          record(
              c.send(
                  "POST",
                  "/v2/models/echo/infer",
                  Map.of("Content-Encoding", "gzip"),
                  new byte[] {31, -117, 8, 0})),
          400,
          "the request body is not valid gzip data");
      assertError(
          record(
              c.send(
                  "POST",
                  "/v2/models/echo/infer",
                  Map.of("Content-Encoding", "br"),
                  new byte[] {1, 2})),
          415,
          "Content-Encoding 'br' is not supported: send gzip, deflate or identity");
      RawHttp.Resp ok = c.post("/v2/models/echo/infer", ECHO_JSON);
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.header("connection")).isNull();
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws IOException {
    try (RawHttp c = connect()) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 5; i++) {
        String body = ECHO_JSON.replace("\"r1\"", "\"p" + i + "\"");
        sb.append("POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nContent-Length: ")
            .append(body.getBytes(StandardCharsets.UTF_8).length)
            .append("\r\n\r\n")
            .append(body);
        sb.append("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n");
      }
      c.write(sb.toString().getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < 5; i++) {
        RawHttp.Resp r = c.read();
        assertThat(JSON.readTree(r.body()).get("id").asText()).isEqualTo("p" + i);
        assertThat(c.read().text()).isEqualTo("{\"live\":true}");
      }
    }
  }

  @Test
  void connectionCloseIsHonoured() throws IOException {
    try (RawHttp c = connect()) {
      RawHttp.Resp r = c.send("GET", "/v2/health/live", Map.of("Connection", "close"), null);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.isClosedByServer()).isTrue();
    }
  }

  // ------------------------------------------------------------------------------ limits (4a
  // #18-#20)

  @Test
  void bodyTooLargeIs413AndCloses() throws IOException {
    try (RawHttp c = new RawHttp(small.port())) {
      RawHttp.Resp r = record(c.send("POST", "/v2/models/echo/infer", Map.of(), new byte[2048]));
      assertError(r, 413, "request body exceeds the maximum allowed size of 1024 bytes");
      assertThat(c.isClosedByServer()).isTrue();
    }
    try (RawHttp c = new RawHttp(small.port())) {
      StringBuilder sb =
          new StringBuilder(
              "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 400; i++) {
        sb.append("6\r\nxxxxxx\r\n");
      }
      sb.append("0\r\n\r\n");
      c.write(sb.toString());
      assertError(
          record(c.read()), 413, "request body exceeds the maximum allowed size of 1024 bytes");
      assertThat(c.isClosedByServer()).isTrue();
    }
    // a body within the limit on the small server still works
    try (RawHttp c = new RawHttp(small.port())) {
      assertThat(c.post("/v2/models/echo/infer", ECHO_JSON).status()).isEqualTo(200);
    }
  }

  @Test
  void uriTooLongIs414() throws IOException {
    try (RawHttp c = connect()) {
      RawHttp.Resp r = c.get("/v2/models/" + "a".repeat(16 * 1024));
      assertError(r, 414, "request line too long");
      assertThat(c.isClosedByServer()).isTrue();
    }
  }

  @Test
  void headersTooLargeIs431() throws IOException {
    try (RawHttp c = connect()) {
      RawHttp.Resp r =
          c.send("GET", "/v2/health/live", Map.of("X-Big", "b".repeat(64 * 1024)), null);
      assertError(r, 431, "request headers too large");
      assertThat(c.isClosedByServer()).isTrue();
    }
    try (RawHttp c = connect()) {
      Map<String, String> many = new LinkedHashMap<>();
      for (int i = 0; i < 1000; i++) {
        many.put("X-H" + i, "v");
      }
      assertError(c.send("GET", "/v2/health/live", many, null), 431, "request headers too large");
    }
  }

  @Test
  void malformedHttpIs400AndCloses() throws IOException {
    try (RawHttp c = connect()) {
      c.write(
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\nx\r\n");
      RawHttp.Resp r = c.read();
      assertError(r, 400, "malformed HTTP request");
      assertThat(c.isClosedByServer()).isTrue();
    }
    try (RawHttp c = connect()) {
      c.write("GET /v2 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
      assertError(c.read(), 400, "malformed HTTP request");
    }
    // the server is still healthy
    assertThat(call("GET", "/v2/health/live", null).status()).isEqualTo(200);
  }

  // ------------------------------------------------------------------------------ bad inputs (4a)

  private void badInfer(String body, String message) throws IOException {
    assertError(call("POST", "/v2/models/echo/infer", body), 400, message);
  }

  private static String in(String datatype, String shape, String data) {
    return "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\""
        + datatype
        + "\",\"shape\":"
        + shape
        + ",\"data\":"
        + data
        + "}]}";
  }

  @Test
  void badInputs1to11() throws IOException {
    // 1 malformed JSON
    assertErrorContains(
        call("POST", "/v2/models/echo/infer", "{\"inputs\":[]"), 400, "unexpected end of input");
    assertErrorContains(
        call("POST", "/v2/models/echo/infer", ECHO_JSON + "garbage"), 400, "malformed JSON");
    assertErrorContains(
        call("POST", "/v2/models/echo/infer", in("FP32", "[1]", "[NaN]")), 400, "malformed JSON");
    assertErrorContains(
        call("POST", "/v2/models/echo/infer", "\uFEFF" + ECHO_JSON), 400, "byte order mark");
    assertErrorContains(
        call("POST", "/v2/models/echo/infer", "{\"id\":\"a\",\"id\":\"b\",\"inputs\":[]}"),
        400,
        "duplicate key 'id'");
    try (RawHttp c = connect()) {
      byte[] bad = "{\"id\":\"\u00c3\u0028\",\"inputs\":[]}".getBytes(StandardCharsets.ISO_8859_1);
      assertErrorContains(
          c.send("POST", "/v2/models/echo/infer", Map.of(), bad), 400, "invalid UTF-8");
      // 2 empty body, text/plain
      assertError(
          c.send("POST", "/v2/models/echo/infer", Map.of(), new byte[0]),
          400,
          "request body is empty: expected a JSON inference request");
      RawHttp.Resp plain =
          c.send(
              "POST",
              "/v2/models/echo/infer",
              Map.of("Content-Type", "text/plain"),
              ECHO_JSON.getBytes(StandardCharsets.UTF_8));
      assertThat(plain.status()).isEqualTo(200);
    }
    // 3 deep nesting
    badInfer(
        in("FP32", "[1]", "[".repeat(100_000)),
        "JSON nesting depth exceeds maximum allowed limit (100)");
    // 4 huge numbers
    badInfer(
        in("INT64", "[1]", "[" + "1".repeat(10_000) + "]"),
        "a JSON number exceeds the maximum allowed length of 100 characters");
    badInfer(
        in("FP64", "[1]", "[1e999999]"),
        "value 1e999999 in 'data' of input 'INPUT0' is out of range for FP64");
    badInfer(
        in("INT32", "[1]", "[1.0]"),
        "unable to parse 'data' of input 'INPUT0': expected an integer for INT32, got a fractional number");
    // 5 huge shape claim, 6 overflow
    badInfer(
        in("FP32", "[2147483647,2147483647]", "[1,2,3,4]"),
        "shape [2147483647,2147483647] of input 'INPUT0' declares 4611686014132420609 elements, more than the request can hold");
    badInfer(
        in("FP32", "[3037000500,3037000500]", "[1]"),
        "shape [3037000500,3037000500] of input 'INPUT0' has too many elements");
    badInfer(
        in("FP32", "[4294967296,4294967296]", "[1]"),
        "shape [4294967296,4294967296] of input 'INPUT0' has too many elements");
    // 7 negative dims
    badInfer(
        in("FP32", "[-1,4]", "[1,2,3,4]"),
        "All input dimensions should be specified for input 'INPUT0' for model 'echo', got [-1,4]");
    badInfer(
        in("FP32", "[-2]", "[1]"),
        "All input dimensions should be specified for input 'INPUT0' for model 'echo', got [-2]");
    // 8 zero-size dims: 200 with an empty output
    RawHttp.Resp zero = call("POST", "/v2/models/echo/infer", in("FP32", "[1,0]", "[]"));
    assertThat(zero.status()).isEqualTo(200);
    assertThat(JSON.readTree(zero.body()).get("outputs").get(0).get("data").toString())
        .isEqualTo("[]");
    // 9 shape != data length
    badInfer(
        in("INT32", "[2,2]", "[1,2,3]"),
        "Failed to parse 'data' field of input 'INPUT0': shape [2,2] needs 4 elements, got 3");
    // 10 unknown datatype, strings in numeric data
    badInfer(in("FP128", "[1]", "[1]"), "invalid datatype 'FP128' for input 'INPUT0'");
    badInfer(in("fp32", "[1]", "[1]"), "invalid datatype 'fp32' for input 'INPUT0'");
    badInfer(
        in("FP32", "[1]", "[\"1\"]"),
        "unable to parse 'data' of input 'INPUT0': expected a number for FP32, got a string");
    // 11 out-of-range values
    badInfer(
        in("INT8", "[1]", "[300]"),
        "value 300 in 'data' of input 'INPUT0' is out of range for INT8");
    badInfer(
        in("UINT8", "[1]", "[-1]"),
        "value -1 in 'data' of input 'INPUT0' is out of range for UINT8");
    badInfer(
        in("BOOL", "[1]", "[2]"),
        "unable to parse 'data' of input 'INPUT0': expected true or false for BOOL, got an integer");
    badInfer(
        in("FP16", "[1]", "[1]"),
        "receiving FP16 data via JSON is not supported. Please use the binary data format for input INPUT0");
  }

  @Test
  void badInputs13to16() throws IOException {
    // 13 input set errors: duplicate input, unknown/duplicate requested output
    badInfer(
        "{\"inputs\":["
            + in("INT8", "[0]", "[]").substring(11, in("INT8", "[0]", "[]").length() - 2)
            + ","
            + in("INT8", "[0]", "[]").substring(11, in("INT8", "[0]", "[]").length() - 2)
            + "]}",
        "input 'INPUT0' is given more than once");
    badInfer(
        ECHO_JSON.replace("]}]}", "]}],\"outputs\":[{\"name\":\"NOPE\"}]}"),
        "unexpected inference output 'NOPE' for model 'echo'");
    badInfer(
        ECHO_JSON.replace("]}]}", "]}],\"outputs\":[{\"name\":\"A\"},{\"name\":\"A\"}]}"),
        "output 'A' already exists in request");
    badInfer(
        "{\"parameters\":{\"triton_enable_empty_final_response\":true},\"inputs\":[]}",
        "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.");
    // 14 oversized BYTES element, 15 invalid binary_data_size, 16 bad header
    String bytesHeader =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"BYTES\",\"shape\":[1],\"parameters\":{\"binary_data_size\":8}}]}";
    byte[] claim =
        ByteBuffer.allocate(8)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(Integer.MAX_VALUE)
            .putInt(0)
            .array();
    assertErrorContains(
        binary(bytesHeader, claim, null),
        400,
        "an element length runs past the end of its binary data");
    String fp =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1],\"parameters\":{\"binary_data_size\":%s}}]}";
    assertError(
        binary(fp.formatted("-4"), new byte[4], null),
        400,
        "'binary_data_size' of input 'INPUT0' must be a non-negative integer");
    assertError(
        binary(fp.formatted("\"4\""), new byte[4], null),
        400,
        "'binary_data_size' of input 'INPUT0' must be a non-negative integer");
    assertError(
        binary(fp.formatted("8"), new byte[4], null),
        400,
        "unexpected size for input 'INPUT0', expecting 4 additional bytes for model 'echo'");
    assertError(
        binary(fp.formatted("4"), new byte[6], null),
        400,
        "unexpected additional input data for model 'echo'");
    assertErrorContains(
        binary(fp.formatted("4"), new byte[4], "x12"),
        400,
        "Unable to parse Inference-Header-Content-Length, got: 'x12'");
    assertErrorContains(
        binary(fp.formatted("4"), new byte[4], "-3"),
        400,
        "inference header size should be in range");
    assertErrorContains(
        binary(fp.formatted("4"), new byte[4], "100000"),
        400,
        "inference header size should be in range");
    assertErrorContains(binary(fp.formatted("4"), new byte[4], "0"), 400, "raw binary requests");
    String both =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1],\"data\":[1],\"parameters\":{\"binary_data_size\":4}}]}";
    assertErrorContains(
        binary(both, new byte[4], null), 400, "has set both 'data' and 'binary_data_size'");
    // binary data without the header
    try (RawHttp c = connect()) {
      assertErrorContains(
          record(
              c.send(
                  "POST",
                  "/v2/models/echo/infer",
                  Map.of(),
                  fp.formatted("4").getBytes(StandardCharsets.UTF_8))),
          400,
          "must specify valid 'Infer-Header-Content-Length'");
    }
  }

  private RawHttp.Resp binary(String header, byte[] tail, String headerValue) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    try (RawHttp c = connect()) {
      return record(
          c.send(
              "POST",
              "/v2/models/echo/infer",
              Map.of(
                  "Inference-Header-Content-Length",
                  headerValue == null ? String.valueOf(h.length) : headerValue),
              V2JsonCodecTest.concat(h, tail)));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "..",
        ".",
        "%2e%2e",
        "%2E",
        "..%2Fx",
        "..%2f..%2fetc",
        "..%5C",
        "%2Fetc",
        "a%00b",
        "%E2%80%AEabc",
        "%C0%AE%C0%AE",
        "%EF%BC%8E%EF%BC%8E%EF%BC%8F",
        "%F0%9F%98%80",
        "-x",
        "_x",
        "a%20b",
        "%zz",
        "%",
        "\u00e9"
      })
  void badModelNamesAre400OnEveryRoute(String name) throws IOException {
    String msg = "invalid model name: a model name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,127}";
    assertError(call("GET", "/v2/models/" + name, null), 400, msg);
    assertError(call("GET", "/v2/models/" + name + "/ready", null), 400, msg);
    assertError(call("GET", "/v2/models/" + name + "/versions/1", null), 400, msg);
    assertError(call("POST", "/v2/models/" + name + "/infer", ECHO_JSON), 400, msg);
  }

  @Test
  void traversalPathsAndLongNames() throws IOException {
    String msg = "invalid model name: a model name must match [A-Za-z0-9][A-Za-z0-9_.-]{0,127}";
    assertError(call("GET", "/v2/models/a/../../b", null), 400, msg);
    assertError(call("POST", "/v2/models/../x/infer", ECHO_JSON), 400, msg);
    assertError(call("GET", "/v2/models//etc", null), 400, msg);
    assertError(call("GET", "/v2/models/" + "a".repeat(300), null), 400, msg);
    assertError(
        call("GET", "/v2/models/" + "a".repeat(128), null),
        400,
        "Request for unknown model: '" + "a".repeat(128) + "' is not found");
  }

  @Test
  void everyInferenceErrorIsMapped() throws IOException {
    RawHttp.Resp busy = call("POST", "/v2/models/busy/infer", ECHO_JSON);
    assertError(
        busy, 503, "model 'busy' is overloaded: its queue of 4 requests is full, retry later");
    assertThat(busy.header("retry-after")).isEqualTo("1");
    assertError(
        call("POST", "/v2/models/slow/infer", ECHO_JSON),
        504,
        "request for model 'slow' exceeded its deadline");
    assertError(
        call("POST", "/v2/models/gone/infer", ECHO_JSON),
        400,
        "request for model 'gone' was cancelled");
    assertInternal(
        call("POST", "/v2/models/backend/infer", ECHO_JSON),
        "inference failed for model 'backend': ");
    assertError(
        call("POST", "/v2/models/unsupported/infer", ECHO_JSON),
        501,
        "sequence batching is not supported");
    assertError(
        call("POST", "/v2/models/closing/infer", ECHO_JSON), 503, "the server is shutting down");
    assertError(
        call("POST", "/v2/models/big/infer", ECHO_JSON), 413, "request exceeds the model's limit");
    assertInternal(call("POST", "/v2/models/internal/infer", ECHO_JSON), "internal error");
    assertError(
        call("POST", "/v2/models/notready/infer", ECHO_JSON),
        503,
        "Request for unknown model: 'notready' has no available versions: still loading");
    assertInternal(call("POST", "/v2/models/fail/infer", ECHO_JSON), "internal error");
    assertInternal(call("GET", "/v2/models/fail", null), "internal error");
  }

  @Test
  void unexpectedFailure_isLoggedOnce_withTheCorrelationIdTheClientSees_andItsCause()
      throws IOException {
    java.io.PrintStream stderr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    RawHttp.Resp r;
    System.setErr(
        new java.io.PrintStream(log, true, StandardCharsets.UTF_8)); // slf4j-simple's target
    try {
      r = call("POST", "/v2/models/backend/infer", ECHO_JSON);
    } finally {
      System.setErr(stderr);
    }
    java.util.regex.Matcher m = Pattern.compile("correlation id ([0-9a-f]{16})").matcher(error(r));
    assertThat(m.find()).as(error(r)).isTrue();
    String text = log.toString(StandardCharsets.UTF_8);
    assertThat(text.split(m.group(1), -1)).as("the id is in exactly one log line").hasSize(2);
    assertThat(text)
        .contains("correlation id " + m.group(1))
        .contains("/secret/path: the model produced no output");
    assertThat(error(r)).doesNotContain("secret");
  }

  @Test
  void synchronousValidationFailureFromTheService() throws IOException {
    assertError(
        call("POST", "/v2/models/throws/infer", ECHO_JSON),
        400,
        "expected 2 inputs but got 1 inputs for model 'throws'");
  }

  @Test
  void contentLengthWithChunkedIsHandledSafely() throws IOException {
    try (RawHttp c = connect()) {
      byte[] json = ECHO_JSON.getBytes(StandardCharsets.UTF_8);
      c.write(
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
              + Integer.toHexString(json.length)
              + "\r\n"
              + ECHO_JSON
              + "\r\n0\r\n\r\n");
      RawHttp.Resp r = record(c.read());
      assertThat(r.status()).isIn(200, 400);
    }
    assertThat(call("GET", "/v2/health/live", null).status()).isEqualTo(200);
  }

  @Test
  void idleConnectionsAreClosed() throws IOException {
    try (V2HttpServer idle =
        V2HttpServer.builder()
            .service(service)
            .port(0)
            .eventLoopThreads(1)
            .limits(HttpLimits.DEFAULTS.withIdleTimeout(java.time.Duration.ofMillis(200)))
            .build()) {
      idle.start();
      try (RawHttp c = new RawHttp(idle.port())) {
        assertThat(c.get("/v2/health/live").status()).isEqualTo(200);
        assertThat(c.isClosedByServer()).isTrue();
      }
    }
  }

  /** 4a #32: no error body carries a path, a Java class name, or an exception name. */
  @AfterAll
  void errorBodiesAreClean() {
    Pattern path = Pattern.compile("/[A-Za-z0-9_.~-]");
    Pattern className =
        Pattern.compile(
            "\\b(java|javax|jdk|sun|io\\.netty|com\\.fasterxml|io\\.caracal)\\.|\\b[A-Z][A-Za-z]+(Exception|Error)\\b|Exception|\\bat [a-z]+\\.");
    assertThat(errorBodies).hasSizeGreaterThan(50);
    for (String b : errorBodies) {
      assertThat(path.matcher(b).find()).as(b).isFalse();
      assertThat(className.matcher(b).find()).as(b).isFalse();
      assertThat(b).doesNotContain("opt").doesNotContain("secret").doesNotContain("boom");
    }
  }
}
