package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.observe.CallTracker;
import io.caracal.core.scheduler.Ticker;
import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.Await;
import io.caracal.testing.http.RawHttp;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's connection-level holes: a client that trickles its request is answered 408 and cut off
 * after the header or body deadline, however it paces its bytes; connections beyond the global or
 * per-address cap get 503 before anything is read. (The deadlines are short here, and the tests
 * only wait for their effect: nothing asserts how long anything took.)
 */
class ConnectionLimitsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  final ExecutorService answers = Executors.newSingleThreadExecutor();
  final FakeInferenceService service = new FakeInferenceService(answers);
  final List<CallRecord> finished = new CopyOnWriteArrayList<>();
  final CallTracker calls =
      new CallTracker(
          new CallListener() {
            @Override
            public void finished(CallRecord call) {
              finished.add(call);
            }
          },
          Ticker.system(),
          InstantSource.system());
  V2HttpServer server;
  int port;

  void start(ConnectionLimits limits) {
    server =
        V2HttpServer.builder()
            .service(service)
            .port(0)
            .eventLoopThreads(1)
            .connectionLimits(limits)
            .calls(calls)
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

  @Test
  void aTrickledHeaderBlockGets408AndTheConnectionCloses() throws Exception {
    start(new ConnectionLimits(Duration.ofMillis(300), Duration.ofSeconds(30), 0, 0));
    try (RawHttp c = new RawHttp(port)) {
      c.timeoutMillis(20_000);
      String request = "GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ";
      // keep sending, a byte every 20 ms: pacing does not extend the deadline
      java.util.concurrent.ScheduledExecutorService trickle =
          Executors.newSingleThreadScheduledExecutor();
      java.util.concurrent.atomic.AtomicInteger next =
          new java.util.concurrent.atomic.AtomicInteger();
      trickle.scheduleAtFixedRate(
          () -> {
            int i = next.getAndIncrement();
            try {
              c.write(i < request.length() ? request.substring(i, i + 1) : "a");
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e); // the server closed: stop trickling
            }
          },
          0,
          20,
          java.util.concurrent.TimeUnit.MILLISECONDS);
      RawHttp.Resp r = c.read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(JSON.readTree(r.body()).get("error").asText())
          .isEqualTo("the request header block did not arrive in time");
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(c.isClosedByServer()).isTrue();
      trickle.shutdownNow();
    }
    Await.until("the 408 reported", Duration.ofSeconds(10), () -> !finished.isEmpty());
    CallRecord call = finished.get(0);
    assertThat(call.status()).isEqualTo(408);
    assertThat(call.errorType()).isEqualTo("RequestTimeout");
    assertThat(call.route()).isEqualTo("unmatched");
    assertThat(server.connectionCounts().timedOut()).isEqualTo(1);
  }

  @Test
  void aBodyThatStopsHalfwayGets408_aCompleteRequestIsServed() throws Exception {
    start(new ConnectionLimits(Duration.ofSeconds(30), Duration.ofMillis(300), 0, 0));
    try (RawHttp c = new RawHttp(port)) {
      assertThat(c.get("/v2/health/live").status()).isEqualTo(200);
      c.write(
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"inp");
      RawHttp.Resp r = c.read();
      assertThat(r.status()).isEqualTo(408);
      assertThat(JSON.readTree(r.body()).get("error").asText())
          .isEqualTo("the request body did not arrive in time");
      assertThat(c.isClosedByServer()).isTrue();
    }
    Await.until("the 408 reported", Duration.ofSeconds(10), () -> finished.size() >= 2);
    assertThat(finished.get(1).route()).isEqualTo("/v2/models/{model}/infer");
    assertThat(finished.get(1).status()).isEqualTo(408);
  }

  @Test
  void connectionsBeyondTheCapGet503BeforeAnythingIsRead() throws Exception {
    start(new ConnectionLimits(Duration.ZERO, Duration.ZERO, 3, 0));
    List<RawHttp> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        RawHttp c = new RawHttp(port);
        open.add(c);
        assertThat(c.get("/v2/health/live").status()).isEqualTo(200);
      }
      try (RawHttp extra = new RawHttp(port)) {
        RawHttp.Resp r = extra.read(); // answered without a request
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.header("retry-after")).isEqualTo("1");
        assertThat(JSON.readTree(r.body()).get("error").asText())
            .isEqualTo("too many connections: retry later");
        assertThat(extra.isClosedByServer()).isTrue();
      }
      assertThat(server.connectionCounts().refused()).isEqualTo(1);
      open.remove(0).close();
      Await.until(
          "a connection closed",
          Duration.ofSeconds(10),
          () -> server.connectionCounts().open() < 3);
      try (RawHttp again = new RawHttp(port)) {
        assertThat(again.get("/v2/health/live").status()).isEqualTo(200);
      }
    } finally {
      for (RawHttp c : open) {
        c.close();
      }
    }
  }

  @Test
  void oneAddressGetsItsShareOnly() throws Exception {
    start(new ConnectionLimits(Duration.ZERO, Duration.ZERO, 100, 2));
    try (RawHttp a = new RawHttp(port);
        RawHttp b = new RawHttp(port)) {
      assertThat(a.get("/v2/health/live").status()).isEqualTo(200);
      assertThat(b.get("/v2/health/live").status()).isEqualTo(200);
      try (RawHttp c = new RawHttp(port)) {
        assertThat(c.read().status()).isEqualTo(503);
      }
      // the refused connection did not count: the two still work
      assertThat(a.get("/v2/health/live").status()).isEqualTo(200);
    }
    Await.until("all closed", Duration.ofSeconds(10), () -> server.connectionCounts().open() == 0);
  }
}
