package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.http.RawHttp;
import java.net.ConnectException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The HTTP part of a graceful shutdown: the listener closes, open connections are still served. */
class V2HttpServerStopAcceptingTest {
  @Test
  void stopAccepting_refusesNewConnections_keepsOpenOnes() throws Exception {
    FakeInferenceService service = new FakeInferenceService();
    V2HttpServer server =
        V2HttpServer.builder().service(service).port(0).eventLoopThreads(1).build();
    try {
      int port = server.start().getPort();
      try (RawHttp open = new RawHttp(port)) {
        assertThat(open.send("GET", "/v2/health/live", Map.of(), null).status()).isEqualTo(200);
        server.stopAccepting();
        server.stopAccepting(); // idempotent
        assertThatThrownBy(() -> new RawHttp(port).close()).isInstanceOf(ConnectException.class);
        assertThat(open.send("GET", "/v2/health/live", Map.of(), null).status()).isEqualTo(200);
      }
    } finally {
      server.close();
    }
  }
}
