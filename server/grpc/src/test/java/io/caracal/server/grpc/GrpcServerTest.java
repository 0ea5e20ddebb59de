package io.caracal.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.caracal.proto.inference.ServerMetadataRequest;
import io.caracal.server.testing.FakeInferenceService;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The server over a real loopback socket: limits, gzip, health. */
class GrpcServerTest {

  @Test
  void servesOverTcpWithItsLimits() throws Exception {
    FakeInferenceService core = new FakeInferenceService();
    try (GrpcServer server =
        GrpcServer.builder()
            .service(core)
            .port(0)
            .serverVersion("1.2.3")
            .extensions(List.of("binary_tensor_data", "statistics", "model_configuration"))
            .maxInboundMessageSize(64 * 1024)
            .build()) {
      int port = server.start().getPort();
      assertThat(server.port()).isEqualTo(port).isPositive();
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", port)
              .usePlaintext()
              .maxInboundMessageSize(Integer.MAX_VALUE)
              .build();
      try {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(ch);
        var md = stub.serverMetadata(ServerMetadataRequest.getDefaultInstance());
        assertThat(md.getVersion()).isEqualTo("1.2.3");
        assertThat(md.getExtensionsList()).containsExactly("statistics", "model_configuration");

        ModelInferRequest small =
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(InferenceGrpcServiceTest.input("A", "UINT8", 1000))
                .addRawInputContents(ByteString.copyFrom(new byte[1000]))
                .build();
        ModelInferResponse r = stub.withCompression("gzip").modelInfer(small);
        assertThat(r.getRawOutputContents(0).size()).isEqualTo(1000);

        ModelInferRequest big =
            ModelInferRequest.newBuilder()
                .setModelName("echo")
                .addInputs(InferenceGrpcServiceTest.input("A", "UINT8", 100_000))
                .addRawInputContents(ByteString.copyFrom(new byte[100_000]))
                .build();
        StatusRuntimeException e =
            catchThrowableOfType(StatusRuntimeException.class, () -> stub.modelInfer(big));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        // still serving afterwards
        assertThat(stub.modelInfer(small).getRawOutputContentsCount()).isEqualTo(1);

        var health = HealthGrpc.newBlockingStub(ch);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(
                health
                    .check(
                        HealthCheckRequest.newBuilder()
                            .setService("inference.GRPCInferenceService")
                            .build())
                    .getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        // Watch the health status: the server's poller notices the core is no longer ready.
        Iterator<HealthCheckResponse> watch =
            health
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .watch(HealthCheckRequest.getDefaultInstance());
        assertThat(watch.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        core.setReady(false);
        assertThat(watch.next().getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void builderRefusesBadValues() {
    assertThatThrownBy(() -> GrpcServer.builder().port(70000))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GrpcServer.builder().maxInboundMessageSize(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GrpcServer.builder().build())
        .isInstanceOf(IllegalStateException.class);
  }
}
