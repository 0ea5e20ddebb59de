package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.http.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The HTTP edge's answers to requests that other readers of the same bytes could read differently
 * (issue 12's findings): invalid UTF-8 in JSON, bodies with bytes after their compressed data, a
 * repeated binary-header length, HTTP versions other than 1.x, a missing Host; HEAD as GET; error
 * messages that would echo a huge client string. Each was accepted (or refused) differently before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpHardeningTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ECHO_JSON =
      "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\",\"shape\":[1,4],\"data\":[1,2,3,4]}]}";

  final ExecutorService answers = Executors.newSingleThreadExecutor();
  final FakeInferenceService service = new FakeInferenceService(answers);
  V2HttpServer server;
  int port;

  @BeforeAll
  void start() {
    server =
        V2HttpServer.builder()
            .service(service)
            .port(0)
            .eventLoopThreads(1)
            .limits(HttpLimits.DEFAULTS.withMaxBodyBytes(1 << 20))
            .build();
    port = server.start().getPort();
  }

  @AfterAll
  void stop() {
    server.close();
    answers.shutdownNow();
  }

  RawHttp.Resp post(String target, Map<String, String> headers, byte[] body) throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      return c.send("POST", target, headers, body);
    }
  }

  static String error(RawHttp.Resp r) throws IOException {
    return JSON.readTree(r.body()).get("error").asText();
  }

  /** {@code ECHO_JSON} with the input name's first character replaced by {@code bytes}. */
  static byte[] withNameBytes(int... bytes) {
    byte[] j = ECHO_JSON.getBytes(StandardCharsets.US_ASCII);
    int at = ECHO_JSON.indexOf("INPUT0");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(j, 0, at);
    for (int b : bytes) {
      out.write(b);
    }
    out.write(j, at + 1, j.length - at - 1);
    return out.toByteArray();
  }

  @Test
  void invalidUtf8InJsonIs400_validUtf8Passes() throws IOException {
    int[][] invalid = {
      {0xC0, 0xB0}, // overlong '0'
      {0xC1, 0x89}, // overlong 'I'
      {0xE0, 0x81, 0x89}, // overlong, three bytes
      {0xED, 0xA0, 0x80}, // an encoded surrogate
      {0x80}, // a stray continuation byte
      {0xC3}, // a truncated sequence
      {0xF5, 0x80, 0x80, 0x80}, // beyond U+10FFFF
      {0xFF},
    };
    for (int[] bytes : invalid) {
      RawHttp.Resp r = post("/v2/models/echo/infer", Map.of(), withNameBytes(bytes));
      assertThat(r.status()).as(r.text()).isEqualTo(400);
      assertThat(error(r)).isEqualTo("invalid UTF-8 in the JSON request body (at byte 20)");
    }
    // valid non-ASCII reaches the service (which then does not know the input)
    RawHttp.Resp ok = post("/v2/models/echo/infer", Map.of(), withNameBytes(0xC3, 0xA9));
    assertThat(ok.text()).doesNotContain("UTF-8");
    // the admin endpoints parse JSON too
    RawHttp.Resp admin =
        post(
            "/v2/logging",
            Map.of(),
            new byte[] {'{', '"', (byte) 0xC0, (byte) 0xAE, '"', ':', '1', '}'});
    assertThat(admin.status()).isEqualTo(400);
    assertThat(error(admin)).contains("invalid UTF-8");
  }

  @Test
  void compressedBodiesMustEndWithTheirData() throws IOException {
    byte[] plain = ECHO_JSON.getBytes(StandardCharsets.UTF_8);
    byte[] gz = V2ExtensionRoutesTest.gzip(plain);
    assertThat(post("/v2/models/echo/infer", Map.of("Content-Encoding", "gzip"), gz).status())
        .isEqualTo(200);
    // two members are one valid gzip body (RFC 1952 §2.2)
    byte[] first = V2ExtensionRoutesTest.gzip(ECHO_JSON.substring(0, 20).getBytes());
    byte[] second = V2ExtensionRoutesTest.gzip(ECHO_JSON.substring(20).getBytes());
    assertThat(
            post("/v2/models/echo/infer", Map.of("Content-Encoding", "gzip"), concat(first, second))
                .status())
        .isEqualTo(200);
    for (byte[] bad :
        new byte[][] {
          concat(gz, "garbage".getBytes()),
          concat(gz, new byte[] {0x1f}),
          java.util.Arrays.copyOf(gz, gz.length - 1), // truncated trailer
          corruptCrc(gz)
        }) {
      RawHttp.Resp r = post("/v2/models/echo/infer", Map.of("Content-Encoding", "gzip"), bad);
      assertThat(r.status()).as(r.text()).isEqualTo(400);
      assertThat(error(r)).isEqualTo("the request body is not valid gzip data");
    }
    byte[] df = V2ExtensionRoutesTest.deflate(plain);
    assertThat(post("/v2/models/echo/infer", Map.of("Content-Encoding", "deflate"), df).status())
        .isEqualTo(200);
    RawHttp.Resp r =
        post(
            "/v2/models/echo/infer",
            Map.of("Content-Encoding", "deflate"),
            concat(df, "x".getBytes()));
    assertThat(r.status()).isEqualTo(400);
    assertThat(error(r)).isEqualTo("the request body is not valid deflate data");
  }

  @Test
  void aRepeatedBinaryHeaderLengthMustAgree() throws IOException {
    byte[] body = ECHO_JSON.getBytes(StandardCharsets.UTF_8);
    String n = Integer.toString(body.length);
    try (RawHttp c = new RawHttp(port)) {
      c.write(
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nContent-Length: "
              + body.length
              + "\r\nInference-Header-Content-Length: "
              + n
              + "\r\nInference-Header-Content-Length: 3\r\n\r\n"
              + ECHO_JSON);
      RawHttp.Resp r = c.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(error(r)).contains("given more than once with different values");
    }
    try (RawHttp c = new RawHttp(port)) {
      c.write(
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nContent-Length: "
              + body.length
              + "\r\nInference-Header-Content-Length: "
              + n
              + "\r\nInference-Header-Content-Length: "
              + n
              + "\r\n\r\n"
              + ECHO_JSON);
      assertThat(c.read().status()).isEqualTo(200);
    }
  }

  @Test
  void onlyHttp1xWithAHost() throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      c.write("GET /v2/health/live HTTP/2.0\r\nHost: x\r\n\r\n");
      RawHttp.Resp r = c.read();
      assertThat(r.status()).isEqualTo(505);
      assertThat(c.isClosedByServer()).isTrue();
    }
    try (RawHttp c = new RawHttp(port)) {
      c.write("GET /v2/health/live HTTP/1.1\r\n\r\n");
      RawHttp.Resp r = c.read();
      assertThat(r.status()).isEqualTo(400);
      assertThat(error(r)).isEqualTo("missing Host header");
      assertThat(c.isClosedByServer()).isTrue();
    }
    try (RawHttp c = new RawHttp(port)) {
      c.write("GET /v2/health/live HTTP/1.0\r\n\r\n"); // HTTP/1.0 has no Host requirement
      assertThat(c.read().status()).isEqualTo(200);
    }
  }

  @Test
  void headIsGetWithoutTheBody() throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      RawHttp.Resp get = c.get("/v2/models/echo");
      c.write("HEAD /v2/models/echo HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Resp head = c.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-length")).isEqualTo(Integer.toString(get.body().length));
      assertThat(head.body()).isEmpty();
      // the connection is still in step: the next answer is the next request's
      assertThat(c.get("/v2/health/live").text()).isEqualTo("{\"live\":true}");
    }
    try (RawHttp c = new RawHttp(port)) {
      c.write("HEAD /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(c.readHead().status()).isEqualTo(405);
    }
  }

  @Test
  void errorMessagesNeverEchoAHugeClientString() throws IOException {
    String huge = "x".repeat(200_000);
    String body =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\""
            + huge
            + "\",\"shape\":[1],\"data\":[1]}]}";
    RawHttp.Resp r = post("/v2/models/echo/infer", Map.of(), body.getBytes(StandardCharsets.UTF_8));
    assertThat(r.status()).isEqualTo(400);
    String message = error(r);
    assertThat(message.length()).isLessThan(io.caracal.core.ErrorText.MAX_CHARS + 64);

    // whatever a message quotes, the one mapping place cuts it
    String cut = io.caracal.core.ErrorText.truncate("unknown input '" + huge + "'");
    assertThat(cut.length()).isLessThan(io.caracal.core.ErrorText.MAX_CHARS + 40);
    assertThat(cut).startsWith("unknown input 'xxx").endsWith(" more characters)");
    assertThat(io.caracal.core.ErrorText.truncate("short")).isEqualTo("short");
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static byte[] corruptCrc(byte[] gz) {
    byte[] out = gz.clone();
    out[out.length - 8] ^= 1;
    return out;
  }
}
