package io.caracal.server.tfserving;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.caracal.core.InferenceService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TF Serving's gRPC API ({@code tensorflow.serving.PredictionService} and {@code ModelService}) on
 * its own listener, grpc-java on its shaded Netty, over the same {@link InferenceService} as the
 * other transports. Calls only hand off to futures, so they run on the transport's threads ({@code
 * directExecutor}). Inbound messages may be as large as the request limit (TF Serving allows {@code
 * INT32_MAX}; its clients routinely send more than grpc-java's 4 MiB default).
 */
public final class TfsGrpcServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TfsGrpcServer.class);

  private final String host;
  private final int port;
  private final int maxInboundMessageSize;
  private final TfsGrpcService service;
  private final io.caracal.tls.@Nullable TlsCredentials tls;
  private final Object lock = new Object();

  @GuardedBy("lock")
  private @Nullable Server server;

  private volatile @Nullable InetSocketAddress boundAddress;

  private final io.caracal.server.grpc.GrpcAccess access;

  private TfsGrpcServer(Builder b) {
    this.host = b.host;
    this.port = b.port;
    this.maxInboundMessageSize = b.maxInboundMessageSize;
    this.tls = b.tls;
    this.service =
        new TfsGrpcService(new TfsModels(b.requireService(), b.labels), b.calls, b.reloads);
    this.access =
        new io.caracal.server.grpc.GrpcAccess(
            b.access,
            TfsOperations.INSTANCE,
            t -> TfsErrors.grpcStatus(TfsErrors.map(t, "access").status()));
  }

  /** Returns a builder: 127.0.0.1:8500, 64 MiB messages. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds and starts serving; returns the bound address (the real port when 0 was asked).
   *
   * @throws UncheckedIOException wrapping the bind failure
   */
  public InetSocketAddress start() {
    synchronized (lock) {
      if (server != null) {
        throw new IllegalStateException("already started");
      }
      NettyServerBuilder nb = NettyServerBuilder.forAddress(new InetSocketAddress(host, port));
      if (tls != null) {
        io.caracal.server.grpc.GrpcTls.apply(nb, tls);
      }
      Server s =
          nb.directExecutor()
              .maxInboundMessageSize(maxInboundMessageSize)
              .addService(io.grpc.ServerInterceptors.intercept(service.predictionService(), access))
              .addService(io.grpc.ServerInterceptors.intercept(service.modelService(), access))
              .build();
      try {
        s.start();
      } catch (IOException e) {
        throw new UncheckedIOException(
            new IOException(
                "cannot bind TF Serving gRPC server to "
                    + host
                    + ":"
                    + port
                    + ": "
                    + e.getMessage(),
                e));
      }
      server = s;
      InetSocketAddress a = (InetSocketAddress) s.getListenSockets().get(0);
      boundAddress = a;
      log.info(
          "TF Serving gRPC listening on {}:{}{}",
          a.getAddress().getHostAddress(),
          a.getPort(),
          tls == null ? "" : " (TLS)");
      return a;
    }
  }

  /** Returns the bound address, or null before {@link #start()}. */
  public @Nullable InetSocketAddress boundAddress() {
    return boundAddress;
  }

  /** Stops accepting new calls; calls in progress continue (non-blocking). */
  public void stopAccepting() {
    synchronized (lock) {
      if (server != null) {
        server.shutdown();
      }
    }
  }

  /** Stops the server, waiting up to 5 s for calls in progress. */
  @Override
  public void close() {
    synchronized (lock) {
      if (server != null) {
        server.shutdown();
        try {
          if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
          }
        } catch (InterruptedException e) {
          server.shutdownNow();
          Thread.currentThread().interrupt();
        }
        server = null;
      }
    }
  }

  /** Builds a {@link TfsGrpcServer}; each setter checks its argument at once. */
  public static final class Builder extends ListenerBuilder<Builder> {
    private int maxInboundMessageSize = 64 << 20;

    private Builder() {
      super(8500);
    }

    @Override
    Builder self() {
      return this;
    }

    /** The largest inbound message, default 64 MiB. */
    public Builder maxInboundMessageSize(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxInboundMessageSize must be at least 1024: " + bytes);
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /** Returns the server (not yet started). */
    public TfsGrpcServer build() {
      requireService();
      return new TfsGrpcServer(this);
    }
  }
}
