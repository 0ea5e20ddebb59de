package io.caracal.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.Await;
import io.caracal.testing.http.Http2Flood;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's gRPC heap exhaustion: a client that sends the HTTP/2 preface and an empty SETTINGS
 * frame, never acknowledges the server's SETTINGS (so MAX_CONCURRENT_STREAMS never binds it), and
 * opens stream after stream with HEADERS only. Each such stream used to hold a started call until
 * the heap ran out; now at most the per-connection bound stays open and the rest are refused.
 */
class StreamFloodTest {
  static final String INFER = "/inference.GRPCInferenceService/ModelInfer";

  @Test
  void headersOnlyStreamsWithoutSettingsAckAreBoundedPerConnection() throws Exception {
    int streams = 2_000;
    try (GrpcServer server =
        GrpcServer.builder()
            .service(new FakeInferenceService())
            .port(0)
            .maxConcurrentCallsPerConnection(50)
            .build()) {
      int port = server.start().getPort();
      try (Http2Flood flood = new Http2Flood(port, false)) {
        flood.openStreams(streams, INFER);
        Await.until(
            "every stream seen",
            Duration.ofSeconds(60),
            () -> server.refusedCalls() + server.openCalls() >= streams);
        assertThat(server.openCalls()).isLessThanOrEqualTo(50);
        assertThat(server.refusedCalls()).isGreaterThanOrEqualTo(streams - 50);
        assertServes(port);
      }
      Await.until("the flood's calls ended", Duration.ofSeconds(30), () -> server.openCalls() == 0);
    }
  }

  @Test
  void aClientThatAcknowledgesIsBoundByHttp2Itself() throws Exception {
    try (GrpcServer server =
        GrpcServer.builder()
            .service(new FakeInferenceService())
            .port(0)
            .maxConcurrentCallsPerConnection(50)
            .build()) {
      int port = server.start().getPort();
      try (Http2Flood flood = new Http2Flood(port, true)) {
        flood.openStreams(500, INFER);
        assertServes(port);
        assertThat(server.openCalls()).isLessThanOrEqualTo(50);
      }
    }
  }

  static void assertServes(int port) throws InterruptedException {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      assertThat(
              GRPCInferenceServiceGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .serverLive(ServerLiveRequest.getDefaultInstance())
                  .getLive())
          .isTrue();
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
