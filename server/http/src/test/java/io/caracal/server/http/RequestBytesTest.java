package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.Await;
import io.caracal.testing.http.RawHttp;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, defects 3 and 4: request bytes in flight (received bodies and what decompressing them
 * produces) are bounded by one budget per server, refused with 503 when it is spent and given back
 * when each request is decoded or its connection closes; a chunked body that declares a chunk
 * beyond the body limit is answered 413 at once, not after the body deadline.
 */
class RequestBytesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String INFER =
      "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1]}]}";
  final ExecutorService answers = Executors.newSingleThreadExecutor();
  final FakeInferenceService service = new FakeInferenceService(answers);
  V2HttpServer server;
  int port;

  void start(RequestBytes budget, int maxBody) {
    server =
        V2HttpServer.builder()
            .service(service)
            .port(0)
            .eventLoopThreads(1)
            .limits(HttpLimits.DEFAULTS.withMaxBodyBytes(maxBody))
            // deadlines far away: every answer below comes from the budget or the limit
            .connectionLimits(
                new ConnectionLimits(Duration.ofSeconds(600), Duration.ofSeconds(600), 0, 0))
            .requestBytes(budget)
            .build();
    port = server.start().getPort();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    answers.shutdownNow();
  }

  private static String padded(int length) {
    StringBuilder b = new StringBuilder(INFER);
    while (b.length() < length) {
      b.append(' ');
    }
    return b.toString();
  }

  @Test
  void aDeclaredBodyTakesItsBytesAtOnce_theNextOneBeyondTheBudgetGets503() throws Exception {
    RequestBytes budget = new RequestBytes(100_000);
    start(budget, 64_000);
    String body = padded(60_000);
    try (RawHttp holder = new RawHttp(port);
        RawHttp late = new RawHttp(port)) {
      holder.write(
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n"
              + body.substring(0, 1000));
      Await.until("the first body's bytes taken", Duration.ofSeconds(10), () -> budget.inUse() > 0);
      assertThat(budget.inUse()).isEqualTo(60_000);
      RawHttp.Resp refused = late.post("/v2/models/echo/infer", body);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.header("retry-after")).isEqualTo("1");
      assertThat(JSON.readTree(refused.body()).get("error").asText())
          .isEqualTo("too many request bytes in flight: retry later");
      assertThat(late.isClosedByServer()).isTrue();
      assertThat(budget.refused()).isEqualTo(1);

      holder.write(body.substring(1000));
      assertThat(holder.read().status()).isEqualTo(200);
      assertThat(budget.inUse()).isZero(); // given back once decoded
      assertThat(holder.post("/v2/models/echo/infer", body).status()).isEqualTo(200);
    }
    Await.until("nothing held", Duration.ofSeconds(10), () -> budget.inUse() == 0);
  }

  @Test
  void aClosedConnectionGivesBackWhatItsHalfBodyHeld() throws Exception {
    RequestBytes budget = new RequestBytes(100_000);
    start(budget, 64_000);
    try (RawHttp c = new RawHttp(port)) {
      c.write(
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "400\r\n"
              + "x".repeat(1024)
              + "\r\n");
      Await.until("the chunk taken", Duration.ofSeconds(10), () -> budget.inUse() == 1024);
    }
    Await.until("given back", Duration.ofSeconds(10), () -> budget.inUse() == 0);
  }

  @Test
  void decompressionTakesItsOutputFromTheBudget() throws Exception {
    RequestBytes budget = new RequestBytes(200_000);
    start(budget, 64 << 20);
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(zipped)) {
      z.write(padded(1 << 20).getBytes(StandardCharsets.UTF_8)); // 1 MiB, mostly spaces
    }
    byte[] bomb = zipped.toByteArray();
    assertThat(bomb.length).isLessThan(10_000);
    try (RawHttp c = new RawHttp(port)) {
      c.write(
          ("POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
                  + "Content-Length: "
                  + bomb.length
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      c.write(bomb);
      RawHttp.Resp r = c.read();
      assertThat(r.status()).isEqualTo(503);
      assertThat(JSON.readTree(r.body()).get("error").asText())
          .isEqualTo("too many request bytes in flight: retry later");
    }
    Await.until("given back", Duration.ofSeconds(10), () -> budget.inUse() == 0);
    // a body whose decompressed size fits is served
    ByteArrayOutputStream small = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(small)) {
      z.write(INFER.getBytes(StandardCharsets.UTF_8));
    }
    try (RawHttp c = new RawHttp(port)) {
      c.write(
          ("POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
                  + "Content-Length: "
                  + small.size()
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      c.write(small.toByteArray());
      assertThat(c.read().status()).isEqualTo(200);
    }
    Await.until("given back", Duration.ofSeconds(10), () -> budget.inUse() == 0);
  }

  @Test
  void aChunkDeclaredBeyondTheLimitGets413AtOnce() throws Exception {
    assertThat(ChunkProbe.works()).as("Netty's decoder fields are found").isTrue();
    start(new RequestBytes(0), 64_000);
    try (RawHttp c = new RawHttp(port)) {
      c.write(
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              + "7FFFFFFF\r\n{\"inputs\"");
      RawHttp.Resp r = c.read(); // long before the 600 s body deadline
      assertThat(r.status()).isEqualTo(413);
      assertThat(c.isClosedByServer()).isTrue();
    }
    try (RawHttp c = new RawHttp(port)) { // chunks that fit are still served
      c.write(
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              + Integer.toHexString(INFER.length())
              + "\r\n"
              + INFER
              + "\r\n0\r\n\r\n");
      assertThat(c.read().status()).isEqualTo(200);
    }
  }
}
