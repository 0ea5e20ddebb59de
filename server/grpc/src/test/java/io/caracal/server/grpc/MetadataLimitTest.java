package io.caracal.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.server.testing.FakeInferenceService;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, defect 7: request metadata over the limit fails its call with a status that names the
 * size, and the connection (and the calls after it) carry on; only a header block far beyond the
 * limit is treated as an attack on the transport.
 */
class MetadataLimitTest {
  static final Metadata.Key<String> BIG =
      Metadata.Key.of("x-big", Metadata.ASCII_STRING_MARSHALLER);

  @Test
  void metadataOverTheLimitFailsTheCall_notTheConnection() throws Exception {
    try (GrpcServer server =
        GrpcServer.builder().service(new FakeInferenceService()).port(0).build()) {
      int port = server.start().getPort();
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", port)
              .usePlaintext()
              .maxInboundMetadataSize(1 << 20)
              .build();
      try {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(ch);
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        for (int size : new int[] {9_000, 20_000, 60_000}) {
          Metadata big = new Metadata();
          big.put(BIG, "v".repeat(size));
          assertThatThrownBy(() ->
                  stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(big))
                      .serverLive(ServerLiveRequest.getDefaultInstance()))
              .as("%d bytes of metadata", size)
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getStatus().getDescription())
                        .startsWith("request metadata of ")
                        .endsWith(" bytes exceeds the limit of 8192 bytes");
                  });
          // the same connection serves the next call
          assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        }
        assertThat(server.refusedMetadata()).isEqualTo(3);
        Metadata fits = new Metadata();
        fits.put(BIG, "v".repeat(7_000));
        assertThat(
                stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(fits))
                    .serverLive(ServerLiveRequest.getDefaultInstance())
                    .getLive())
            .isTrue();
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void sizeCountsAsHttp2CountsAHeaderList() {
    Metadata m = new Metadata();
    m.put(BIG, "abc");
    m.put(BIG, "de");
    m.put(Metadata.Key.of("x-b-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {1, 2, 3});
    assertThat(MetadataLimit.size(m)).isEqualTo((5 + 3 + 32) + (5 + 2 + 32) + (7 + 4 + 32));
  }
}
