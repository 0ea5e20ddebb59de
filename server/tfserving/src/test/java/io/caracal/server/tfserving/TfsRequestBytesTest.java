package io.caracal.server.tfserving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.server.http.RequestBytes;
import io.caracal.testing.Await;
import io.caracal.testing.http.RawHttp;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 on TF Serving's REST listener: its request bodies count against the server's budget of
 * request bytes in flight (the one the V2 listener uses), refused with 503 when it is spent and
 * given back once each request is decoded or its connection closes; a chunk declaring more than the
 * body limit is answered 413 at once.
 */
class TfsRequestBytesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREDICT = "{\"instances\":[1.0,2.0,5.0]}";
  final HalfPlusTwoService service = new HalfPlusTwoService();
  TfsRestServer server;
  int port;

  void start(RequestBytes budget, int maxBody) {
    server =
        TfsRestServer.builder()
            .service(service)
            .port(0)
            .eventLoopThreads(1)
            .maxBodyBytes(maxBody)
            .requestBytes(budget)
            .build();
    port = server.start().getPort();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String padded(int length) {
    return PREDICT + " ".repeat(length - PREDICT.length());
  }

  @Test
  void aDeclaredBodyTakesItsBytesAtOnce_theNextOneBeyondTheBudgetGets503() throws Exception {
    RequestBytes budget = new RequestBytes(100_000);
    start(budget, 64_000);
    String body = padded(60_000);
    try (RawHttp holder = new RawHttp(port);
        RawHttp late = new RawHttp(port)) {
      holder.write(
          "POST /v1/models/half_plus_two:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 60000"
              + "\r\n\r\n"
              + body.substring(0, 1000));
      Await.until("the first body's bytes taken", Duration.ofSeconds(10), () -> budget.inUse() > 0);
      assertThat(budget.inUse()).isEqualTo(60_000);
      RawHttp.Resp refused = late.post("/v1/models/half_plus_two:predict", body);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.header("retry-after")).isEqualTo("1");
      assertThat(refused.header("content-type")).isEqualTo("application/json");
      assertThat(JSON.readTree(refused.body()).get("error").asText())
          .isEqualTo("too many request bytes in flight: retry later");
      assertThat(late.isClosedByServer()).isTrue();
      assertThat(budget.refused()).isEqualTo(1);

      holder.write(body.substring(1000));
      RawHttp.Resp served = holder.read();
      assertThat(served.status()).as(served.text()).isEqualTo(200);
      assertThat(JSON.readTree(served.body()).get("predictions").get(2).asDouble()).isEqualTo(4.5);
      assertThat(budget.inUse()).isZero(); // given back once decoded
      assertThat(holder.post("/v1/models/half_plus_two:predict", body).status()).isEqualTo(200);
    }
    Await.until("nothing held", Duration.ofSeconds(10), () -> budget.inUse() == 0);
  }

  @Test
  void aChunkDeclaredBeyondTheLimitGets413AtOnce() throws Exception {
    start(new RequestBytes(0), 64_000);
    try (RawHttp c = new RawHttp(port)) {
      c.write(
          "POST /v1/models/half_plus_two:predict HTTP/1.1\r\nHost: x\r\n"
              + "Transfer-Encoding: chunked\r\n\r\n7FFFFFFF\r\n{\"instances\"");
      RawHttp.Resp r = c.read(); // TF's listener has no body deadline: without the probe, a hang
      assertThat(r.status()).isEqualTo(413);
      assertThat(JSON.readTree(r.body()).get("error").asText())
          .isEqualTo("request body exceeds the maximum allowed size of 64000 bytes");
      assertThat(c.isClosedByServer()).isTrue();
    }
  }
}
