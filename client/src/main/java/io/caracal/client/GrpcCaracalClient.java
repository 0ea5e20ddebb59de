package io.caracal.client;

import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.caracal.proto.inference.ModelMetadataRequest;
import io.caracal.proto.inference.ModelMetadataResponse;
import io.caracal.proto.inference.ModelReadyRequest;
import io.caracal.proto.inference.ModelReadyResponse;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.proto.inference.ServerLiveResponse;
import io.caracal.proto.inference.ServerMetadataRequest;
import io.caracal.proto.inference.ServerMetadataResponse;
import io.caracal.proto.inference.ServerReadyRequest;
import io.caracal.proto.inference.ServerReadyResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The gRPC implementation: {@code inference.GRPCInferenceService} over grpc-netty-shaded, tensors
 * in {@code raw_input_contents}/{@code raw_output_contents}, each call's timeout as its deadline.
 */
final class GrpcCaracalClient implements CaracalClient {
  private final ManagedChannel channel;
  private final GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub;
  private final String target;
  private final Duration timeout;
  private final boolean owner;

  GrpcCaracalClient(CaracalClient.GrpcBuilder b) {
    NettyChannelBuilder cb =
        NettyChannelBuilder.forAddress(b.host, b.port)
            .maxInboundMessageSize(b.maxMessageBytes)
            .maxInboundMetadataSize(1 << 20);
    if (b.tls) {
      cb.useTransportSecurity();
    } else {
      cb.usePlaintext();
    }
    if (b.executor != null) {
      cb.executor(b.executor);
    }
    this.channel = cb.build();
    this.stub =
        GRPCInferenceServiceGrpc.newStub(channel).withMaxOutboundMessageSize(b.maxMessageBytes);
    this.target = b.host + ":" + b.port;
    this.timeout = b.timeout;
    this.owner = true;
  }

  private GrpcCaracalClient(GrpcCaracalClient from, Duration timeout) {
    this.channel = from.channel;
    this.stub = from.stub;
    this.target = from.target;
    this.timeout = timeout;
    this.owner = false;
  }

  @Override
  public CompletableFuture<Boolean> isServerLiveAsync() {
    return call(
        "server live",
        timeout,
        (s, o) -> s.serverLive(ServerLiveRequest.getDefaultInstance(), o),
        (ServerLiveResponse r) -> r.getLive());
  }

  @Override
  public CompletableFuture<Boolean> isServerReadyAsync() {
    return call(
        "server ready",
        timeout,
        (s, o) -> s.serverReady(ServerReadyRequest.getDefaultInstance(), o),
        (ServerReadyResponse r) -> r.getReady());
  }

  @Override
  public CompletableFuture<ServerMetadata> serverMetadataAsync() {
    return call(
        "server metadata",
        timeout,
        (s, o) -> s.serverMetadata(ServerMetadataRequest.getDefaultInstance(), o),
        (ServerMetadataResponse r) ->
            new ServerMetadata(r.getName(), r.getVersion(), r.getExtensionsList()));
  }

  @Override
  public CompletableFuture<ModelMetadata> modelMetadataAsync(String model, String version) {
    ModelMetadataRequest req =
        ModelMetadataRequest.newBuilder()
            .setName(model)
            .setVersion(version == null ? "" : version)
            .build();
    return call(
        "model metadata",
        timeout,
        (s, o) -> s.modelMetadata(req, o),
        (ModelMetadataResponse r) -> GrpcCodec.metadata(r));
  }

  @Override
  public CompletableFuture<Boolean> isModelReadyAsync(String model, String version) {
    ModelReadyRequest req =
        ModelReadyRequest.newBuilder()
            .setName(model)
            .setVersion(version == null ? "" : version)
            .build();
    CompletableFuture<Boolean> f =
        call(
            "model ready",
            timeout,
            (s, o) -> s.modelReady(req, o),
            (ModelReadyResponse r) -> r.getReady());
    // a server that answers "unknown model" or "not ready" with an error status means: not ready
    return f.exceptionallyCompose(t -> {
      RuntimeException e = CaracalClientException.unwrap(t);
      if (e instanceof CaracalClientException c
          && c.serverMessage().isPresent()
          && !c.isTimeout()
          && c.grpcCode()
              .filter(code ->
                  code.equals("INVALID_ARGUMENT")
                      || code.equals("NOT_FOUND")
                      || code.equals("UNAVAILABLE"))
              .isPresent()
          && c.getCause() instanceof StatusRuntimeException sre
          && sre.getStatus().getCause() == null) {
        return CompletableFuture.completedFuture(false);
      }
      return CompletableFuture.failedFuture(e);
    });
  }

  @Override
  public CompletableFuture<InferResult> inferAsync(InferRequest request) {
    ModelInferRequest req;
    try {
      req = GrpcCodec.encode(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return call(
        "infer",
        request.timeout().orElse(timeout),
        (s, o) -> s.modelInfer(req, o),
        (ModelInferResponse r) -> GrpcCodec.decode(r));
  }

  @Override
  public CaracalClient withTimeout(Duration timeout) {
    return new GrpcCaracalClient(this, Futures.positive(timeout, "timeout"));
  }

  @Override
  public Duration timeout() {
    return timeout;
  }

  @Override
  public void close() {
    if (!owner) {
      return;
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "CaracalClient[grpc " + target + ", timeout " + timeout + "]";
  }

  private <R, T> CompletableFuture<T> call(
      String what,
      Duration t,
      BiConsumer<GRPCInferenceServiceGrpc.GRPCInferenceServiceStub, StreamObserver<R>> start,
      Function<R, T> then) {
    CompletableFuture<T> f = new CompletableFuture<>();
    StreamObserver<R> observer =
        new StreamObserver<>() {
          @Override
          public void onNext(R value) {
            try {
              f.complete(then.apply(value));
            } catch (RuntimeException e) {
              f.completeExceptionally(
                  new CaracalClientException(
                      what + ": cannot read the answer: " + e.getMessage(),
                      0,
                      null,
                      null,
                      false,
                      e));
            }
          }

          @Override
          public void onError(Throwable error) {
            f.completeExceptionally(mapped(what, error));
          }

          @Override
          public void onCompleted() {
            if (!f.isDone()) {
              f.completeExceptionally(
                  CaracalClientException.transport(
                      what, new IllegalStateException("no response message")));
            }
          }
        };
    try {
      start.accept(stub.withDeadlineAfter(t.toNanos(), TimeUnit.NANOSECONDS), observer);
    } catch (RuntimeException e) {
      f.completeExceptionally(mapped(what, e));
    }
    return f;
  }

  private static CaracalClientException mapped(String what, Throwable error) {
    Status s = Status.fromThrowable(error);
    if (s.getCode() == Status.Code.UNKNOWN && s.getDescription() == null) {
      return CaracalClientException.transport(what, error);
    }
    // a status with a local cause (connection refused, ...) carries no message from the server
    String message = s.getCause() == null ? s.getDescription() : null;
    CaracalClientException e = CaracalClientException.grpc(s.getCode().name(), message, error);
    return e;
  }
}
