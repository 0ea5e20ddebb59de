package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerPostureTest {
  @Test
  void aPlaintextListenerOffLoopbackIsExposed_tlsOrLoopbackIsNot() {
    ListenerPosture open =
        new ListenerPosture("http", new InetSocketAddress("0.0.0.0", 8000), "no", "none", "none");
    ListenerPosture tls =
        new ListenerPosture(
            "grpc",
            new InetSocketAddress("0.0.0.0", 8001),
            "yes, client cert require",
            "none",
            "none");
    ListenerPosture local =
        new ListenerPosture(
            "metrics", new InetSocketAddress("127.0.0.1", 8002), "no", "none", "none");
    assertThat(open.exposed()).isTrue();
    assertThat(open.warning()).contains("http listens on *:8000 WITHOUT TLS");
    assertThat(tls.exposed()).isFalse();
    assertThat(local.exposed()).isFalse();
    assertThat(ListenerPosture.table(List.of(open, tls, local)))
        .isEqualTo(
            """
            LISTENER  ADDRESS         TLS                       AUTH  RESTRICTED
            http      *:8000          no                        none  none
            grpc      *:8001          yes, client cert require  none  none
            metrics   127.0.0.1:8002  no                        none  none\
            """);
  }
}
