package io.caracal.client;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A client for a KServe V2 / Open Inference Protocol server such as Caracal or Triton.
 *
 * <p>Every call comes sync and async ({@code ...Async}, a {@link CompletableFuture} that completes
 * exceptionally with {@link CaracalClientException}). Sync calls throw {@link
 * CaracalClientException}. Each call is bounded by a timeout: the client's default ({@link
 * HttpBuilder#timeout}), the one of a {@link #withTimeout} view, or an {@link InferRequest}'s own.
 *
 * <p>Implementations are thread-safe; share one per server and close it when done.
 *
 * <pre>{@code
 * try (CaracalClient client = CaracalClient.http(URI.create("http://127.0.0.1:8000"))) {
 *   InferResult r = client.infer(InferRequest.builder("identity_fp32")
 *       .input(InferInput.fp32("INPUT0", new long[] {1, 3}, 1f, 2f, 3f))
 *       .build());
 *   float[] out = r.output("OUTPUT0").asFloats();
 * }
 * }</pre>
 */
public interface CaracalClient extends AutoCloseable {

  /**
   * Returns an HTTP client for the server at {@code baseUri} (e.g. {@code http://127.0.0.1:8000}).
   */
  static CaracalClient http(URI baseUri) {
    return httpBuilder(baseUri).build();
  }

  /** Returns a builder of an HTTP client for the server at {@code baseUri}. */
  static HttpBuilder httpBuilder(URI baseUri) {
    return new HttpBuilder(baseUri);
  }

  /**
   * Returns a gRPC client (plaintext) for the server at {@code host:port} (Caracal's default gRPC
   * port is 8001).
   */
  static CaracalClient grpc(String host, int port) {
    return grpcBuilder(host, port).build();
  }

  /** Returns a builder of a gRPC client for the server at {@code host:port}. */
  static GrpcBuilder grpcBuilder(String host, int port) {
    return new GrpcBuilder(host, port);
  }

  // ------------------------------------------------------------------ health and metadata

  /** Whether the server is live; {@code false} when it answers anything but success. */
  CompletableFuture<Boolean> isServerLiveAsync();

  /** Whether the server is ready; {@code false} when it answers anything but success. */
  CompletableFuture<Boolean> isServerReadyAsync();

  CompletableFuture<ServerMetadata> serverMetadataAsync();

  /** Metadata of the model; {@code version} null or empty for the server's choice. */
  CompletableFuture<ModelMetadata> modelMetadataAsync(String model, String version);

  /**
   * Whether the model (version) is ready; {@code false} when the server answers that it is not or
   * does not know it. Fails only when no answer comes (transport failure or timeout).
   */
  CompletableFuture<Boolean> isModelReadyAsync(String model, String version);

  /** Runs an inference. */
  CompletableFuture<InferResult> inferAsync(InferRequest request);

  /** Returns a view of this client with another default timeout; the view shares the connection. */
  CaracalClient withTimeout(Duration timeout);

  /** Returns the default timeout of calls. */
  Duration timeout();

  /** Releases the connections; views made by {@link #withTimeout} do not own them. */
  @Override
  void close();

  // ------------------------------------------------------------------ sync forms

  default boolean isServerLive() {
    return Futures.await(isServerLiveAsync());
  }

  default boolean isServerReady() {
    return Futures.await(isServerReadyAsync());
  }

  default ServerMetadata serverMetadata() {
    return Futures.await(serverMetadataAsync());
  }

  default ModelMetadata modelMetadata(String model) {
    return Futures.await(modelMetadataAsync(model, null));
  }

  default ModelMetadata modelMetadata(String model, String version) {
    return Futures.await(modelMetadataAsync(model, version));
  }

  default CompletableFuture<ModelMetadata> modelMetadataAsync(String model) {
    return modelMetadataAsync(model, null);
  }

  default boolean isModelReady(String model) {
    return Futures.await(isModelReadyAsync(model, null));
  }

  default boolean isModelReady(String model, String version) {
    return Futures.await(isModelReadyAsync(model, version));
  }

  default CompletableFuture<Boolean> isModelReadyAsync(String model) {
    return isModelReadyAsync(model, null);
  }

  default InferResult infer(InferRequest request) {
    return Futures.await(inferAsync(request));
  }

  /** Runs an inference of the model's latest version with these inputs, asking for every output. */
  default InferResult infer(String model, InferInput... inputs) {
    return infer(InferRequest.builder(model).inputs(java.util.List.of(inputs)).build());
  }

  // ------------------------------------------------------------------ builders

  /** Builds an HTTP client (java.net.http, HTTP/1.1 keep-alive). */
  final class HttpBuilder {
    final URI baseUri;
    Duration timeout = Duration.ofSeconds(60);
    Duration connectTimeout = Duration.ofSeconds(10);
    java.util.concurrent.Executor executor;

    HttpBuilder(URI baseUri) {
      this.baseUri = java.util.Objects.requireNonNull(baseUri, "baseUri");
      String scheme = baseUri.getScheme();
      if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
        throw new IllegalArgumentException("base URI must be http or https: " + baseUri);
      }
    }

    /** Sets the default timeout of each call (60 s unless set). */
    public HttpBuilder timeout(Duration timeout) {
      this.timeout = Futures.positive(timeout, "timeout");
      return this;
    }

    /** Sets the timeout for opening a connection (10 s unless set). */
    public HttpBuilder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = Futures.positive(connectTimeout, "connectTimeout");
      return this;
    }

    /** Sets the executor that runs async completions (the HTTP client's default unless set). */
    public HttpBuilder executor(java.util.concurrent.Executor executor) {
      this.executor = executor;
      return this;
    }

    public CaracalClient build() {
      return new HttpCaracalClient(this);
    }
  }

  /**
   * Builds a gRPC client ({@code inference.GRPCInferenceService} over grpc-netty-shaded). Each
   * call's timeout becomes its gRPC deadline.
   */
  final class GrpcBuilder {
    final String host;
    final int port;
    Duration timeout = Duration.ofSeconds(60);
    int maxMessageBytes = Integer.MAX_VALUE;
    boolean tls;
    java.util.concurrent.Executor executor;

    GrpcBuilder(String host, int port) {
      this.host = java.util.Objects.requireNonNull(host, "host");
      if (port <= 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.port = port;
    }

    /** Sets the default timeout (deadline) of each call (60 s unless set). */
    public GrpcBuilder timeout(Duration timeout) {
      this.timeout = Futures.positive(timeout, "timeout");
      return this;
    }

    /** Sets the largest message sent or received (2 GiB - 1 unless set, as Triton's clients do). */
    public GrpcBuilder maxMessageBytes(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxMessageBytes must be positive: " + bytes);
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /** Uses TLS instead of plaintext. */
    public GrpcBuilder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /** Sets the executor that runs callbacks (gRPC's default unless set). */
    public GrpcBuilder executor(java.util.concurrent.Executor executor) {
      this.executor = executor;
      return this;
    }

    public CaracalClient build() {
      return new GrpcCaracalClient(this);
    }
  }
}
