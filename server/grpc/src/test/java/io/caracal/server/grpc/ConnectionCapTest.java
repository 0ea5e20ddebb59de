package io.caracal.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.Await;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, defect 1 (the connection bound): connections beyond the bound are closed as soon as
 * they are accepted, the ones within it are served, and a closed one frees its place.
 */
class ConnectionCapTest {
  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private static boolean live(ManagedChannel ch) {
    return GRPCInferenceServiceGrpc.newBlockingStub(ch)
        .withDeadlineAfter(20, java.util.concurrent.TimeUnit.SECONDS)
        .serverLive(ServerLiveRequest.getDefaultInstance())
        .getLive();
  }

  @Test
  void connectionsBeyondTheBoundAreClosedAtOnce_aFreedPlaceIsTakenAgain() throws Exception {
    try (GrpcServer server =
        GrpcServer.builder()
            .service(new FakeInferenceService())
            .port(0)
            .maxConnections(0, 2)
            .build()) {
      int port = server.start().getPort();
      List<ManagedChannel> open = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          ManagedChannel ch = channel(port);
          open.add(ch);
          assertThat(live(ch)).isTrue();
        }
        assertThat(server.openConnections()).isEqualTo(2);
        ManagedChannel extra = channel(port);
        try {
          assertThatThrownBy(() -> live(extra))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
          assertThat(server.refusedConnections()).isGreaterThanOrEqualTo(1);
        } finally {
          extra.shutdownNow();
        }
        open.remove(0).shutdownNow();
        Await.until("a place freed", Duration.ofSeconds(10), () -> server.openConnections() < 2);
        ManagedChannel again = channel(port);
        open.add(again);
        assertThat(live(again)).isTrue();
        assertThat(live(open.get(0))).isTrue(); // the others were never touched
      } finally {
        open.forEach(ManagedChannel::shutdownNow);
      }
    }
  }
}
