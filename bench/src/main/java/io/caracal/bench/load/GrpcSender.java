package io.caracal.bench.load;

import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC side of {@link OpenLoop}: {@code ModelInfer} calls over the project's generated KServe
 * V2 stubs, spread round-robin over {@code channels} plaintext HTTP/2 connections; each call starts
 * at once (asynchronous) and reports its outcome as the HTTP status the same failure has on the
 * REST side ({@link #statusOf}), so that both transports are counted alike.
 */
final class GrpcSender implements AutoCloseable {
  /** A finished call: an HTTP-like status (see {@link #statusOf}) and the server's message. */
  interface Done {
    void done(int status, String message);
  }

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<GRPCInferenceServiceGrpc.GRPCInferenceServiceStub> stubs = new ArrayList<>();

  GrpcSender(String host, int port, int channels) {
    for (int i = 0; i < channels; i++) {
      ManagedChannel c =
          NettyChannelBuilder.forAddress(host, port)
              .usePlaintext()
              .directExecutor() // the callbacks only count
              .maxInboundMessageSize(64 << 20)
              .build();
      this.channels.add(c);
      stubs.add(GRPCInferenceServiceGrpc.newStub(c));
    }
  }

  /** Starts call {@code i}; {@code done} runs once when it ends. */
  void send(long i, ModelInferRequest request, Done done) {
    stubs
        .get((int) (i % stubs.size()))
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .modelInfer(
            request,
            new StreamObserver<>() {
              private boolean answered;

              @Override
              public void onNext(ModelInferResponse value) {
                answered = true;
              }

              @Override
              public void onError(Throwable t) {
                Status s = Status.fromThrowable(t);
                Throwable cause = s.getCause();
                done.done(
                    statusOf(s),
                    s.getCode()
                        + ": "
                        + s.getDescription()
                        + (cause == null ? "" : " (" + cause + ")"));
              }

              @Override
              public void onCompleted() {
                done.done(answered ? 200 : 1000, "completed without an answer");
              }
            });
  }

  /**
   * The HTTP status of the REST answer to the same failure ({@code GrpcErrors} and {@code
   * HttpErrors} of the server): OK 200, INVALID_ARGUMENT 400, RESOURCE_EXHAUSTED 429, UNAVAILABLE
   * 503, INTERNAL 500, DEADLINE_EXCEEDED 504; -1 for a failure of the connection (a status with a
   * local cause); 1000 + the code's number for anything else (always unexpected).
   */
  static int statusOf(Status s) {
    if (s.getCause() != null) {
      return -1;
    }
    return switch (s.getCode()) {
      case OK -> 200;
      case INVALID_ARGUMENT -> 400;
      case RESOURCE_EXHAUSTED -> 429;
      case UNAVAILABLE -> 503;
      case INTERNAL -> 500;
      case DEADLINE_EXCEEDED -> 504;
      default -> 1000 + s.getCode().value();
    };
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdown();
    }
    for (ManagedChannel c : channels) {
      if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
        c.shutdownNow();
      }
    }
  }
}
