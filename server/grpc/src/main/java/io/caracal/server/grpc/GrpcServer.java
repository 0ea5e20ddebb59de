package io.caracal.server.grpc;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.caracal.core.InferenceService;
import io.caracal.core.logging.LogSettings;
import io.caracal.core.observe.CallTracker;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.grpc.Server;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KServe V2 gRPC server: {@code inference.GRPCInferenceService} and the standard {@code
 * grpc.health.v1.Health} (SERVING while the service is ready) on grpc-java's shaded Netty
 * transport. Build with {@link #builder()}, then {@link #start()}; {@link #close()} stops
 * accepting, lets running calls finish for up to 5 s, then cancels the rest.
 *
 * <pre>{@code
 * try (GrpcServer grpc = GrpcServer.builder().service(svc).port(0).build()) {
 *   InetSocketAddress addr = grpc.start();
 *   ...
 * }
 * }</pre>
 *
 * <p>Threads: {@code ModelInfer} and {@code ModelStreamInfer} run on the transport threads (they
 * only hand the request to core's future); every other RPC runs on a virtual thread. Protocol
 * limits: the largest inbound message is the HTTP body limit (64 MiB unless set), at most 100
 * concurrent calls per connection, Rapid-Reset protection (at most 200 RST_STREAM frames per 10 s),
 * client keepalive pings allowed every 10 s; gzip-compressed requests are accepted.
 */
public final class GrpcServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

  /** The Triton extensions this transport can serve, when core serves them too. */
  public static final List<String> GRPC_EXTENSIONS =
      List.of(
          "classification",
          "model_configuration",
          "model_repository",
          "logging",
          "parameters",
          "statistics",
          "trace");

  private volatile @Nullable CallsPerConnection callLimit;
  private volatile @Nullable MetadataLimit metadataLimit;
  private volatile @Nullable ConnectionCap connectionCap;
  private volatile List<NioEventLoopGroup> loops = List.of();
  private final Builder settings; // a private copy, never changed
  private final Object lock = new Object();

  @GuardedBy("lock")
  private @Nullable Server server;

  @GuardedBy("lock")
  private @Nullable ExecutorService managementExecutor;

  @GuardedBy("lock")
  private @Nullable ScheduledExecutorService healthPoller;

  private volatile Runnable healthRefresh = () -> {};
  private volatile @Nullable InetSocketAddress boundAddress;

  private GrpcServer(Builder b) {
    this.settings = b;
  }

  /** Returns a builder with the defaults: 127.0.0.1:8001, name "caracal", 64 MiB messages. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds and starts serving; returns the bound address (with the real port when port 0 was asked).
   *
   * @throws IllegalStateException if already started
   * @throws UncheckedIOException wrapping the bind failure
   */
  public InetSocketAddress start() {
    synchronized (lock) {
      if (server != null) {
        throw new IllegalStateException("already started");
      }
      Builder b = settings;
      managementExecutor =
          Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("grpc-mgmt-", 0).factory());
      HealthStatusManager health = new HealthStatusManager();
      InferenceService service = Objects.requireNonNull(b.service, "service"); // build() checked it
      CallRecording recording = new CallRecording(b.calls);
      CallsPerConnection callLimit = new CallsPerConnection(b.maxConcurrentCallsPerConnection);
      this.callLimit = callLimit;
      MetadataLimit metadataLimit = new MetadataLimit(b.maxMetadataBytes);
      this.metadataLimit = metadataLimit;
      ConnectionCap cap = new ConnectionCap(b.maxConnections, b.maxConnectionsPerAddress);
      this.connectionCap = cap;
      // the cap sits in the server socket channel, so the loops are NIO ones of this server's own
      NioEventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("grpc-accept"));
      NioEventLoopGroup workers =
          new NioEventLoopGroup(
              Runtime.getRuntime().availableProcessors(), new DefaultThreadFactory("grpc-io"));
      this.loops = List.of(boss, workers);
      InferenceGrpcService svc =
          new InferenceGrpcService(
              service,
              b.serverName,
              b.serverVersion,
              b.extensions,
              b.logSettings,
              b.traceSettings,
              recording);
      ExecutorService mgmt = managementExecutor;
      ServerCallExecutorSupplier perCall =
          new ServerCallExecutorSupplier() {
            @Override
            public <ReqT, RespT> java.util.concurrent.@Nullable Executor getExecutor(
                io.grpc.ServerCall<ReqT, RespT> call, io.grpc.Metadata metadata) {
              String method = call.getMethodDescriptor().getFullMethodName();
              boolean infer =
                  method.equals(GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName())
                      || method.equals(
                          GRPCInferenceServiceGrpc.getModelStreamInferMethod().getFullMethodName());
              return infer ? null : mgmt; // null: the server's direct executor
            }
          };
      NettyServerBuilder nb = NettyServerBuilder.forAddress(new InetSocketAddress(b.host, b.port));
      if (b.tls != null) {
        try {
          GrpcTls.apply(nb, b.tls);
        } catch (UncheckedIOException e) {
          managementExecutor.shutdownNow();
          managementExecutor = null;
          shutdownLoops();
          throw e;
        }
      }
      Server s =
          nb.channelFactory(cap::channel)
              .bossEventLoopGroup(boss)
              .workerEventLoopGroup(workers)
              .directExecutor()
              .callExecutor(perCall)
              // the last interceptor runs first: refuse a call beyond the bound before recording it
              // the access check runs last, so the call's record sees its refusals
              .addService(
                  ServerInterceptors.intercept(
                      svc, GrpcAccess.v2(b.access), recording, callLimit, metadataLimit))
              .addService(health.getHealthService())
              .maxInboundMessageSize(b.maxInboundMessageSize)
              // far above the limit: a large header block fails its call (MetadataLimit), not the
              // connection
              .maxInboundMetadataSize(b.maxMetadataBytes * MetadataLimit.TRANSPORT_FACTOR)
              .maxConcurrentCallsPerConnection(b.maxConcurrentCallsPerConnection)
              .maxRstFramesPerWindow(b.maxRstFrames, b.rstWindowSeconds)
              .permitKeepAliveTime(b.permitKeepAliveTime.toMillis(), TimeUnit.MILLISECONDS)
              .permitKeepAliveWithoutCalls(true)
              .keepAliveTime(b.keepAliveTime.toMillis(), TimeUnit.MILLISECONDS)
              .keepAliveTimeout(b.keepAliveTimeout.toMillis(), TimeUnit.MILLISECONDS)
              .build();
      try {
        s.start();
      } catch (IOException | RuntimeException e) {
        s.shutdownNow();
        managementExecutor.shutdownNow();
        shutdownLoops();
        managementExecutor = null;
        throw new UncheckedIOException(
            new IOException(
                "cannot bind gRPC server to " + b.host + ":" + b.port + ": " + e.getMessage(), e));
      }
      server = s;
      healthPoller =
          Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "grpc-health");
            t.setDaemon(true);
            return t;
          });
      Runnable refresh =
          () -> {
            ServingStatus st;
            try {
              st = service.isReady() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
            } catch (RuntimeException e) {
              st = ServingStatus.NOT_SERVING;
            }
            health.setStatus("", st);
            health.setStatus(GRPCInferenceServiceGrpc.SERVICE_NAME, st);
          };
      refresh.run();
      healthRefresh = refresh;
      healthPoller.scheduleWithFixedDelay(refresh, 500, 500, TimeUnit.MILLISECONDS);
      InetSocketAddress bound = (InetSocketAddress) s.getListenSockets().get(0);
      boundAddress = bound;
      log.info(
          "gRPC listening on {}:{}{}",
          bound.getAddress().getHostAddress(),
          bound.getPort(),
          b.tls == null ? "" : " (TLS)");
      return bound;
    }
  }

  /** Calls refused so far for being beyond the calls allowed open on one connection. */
  public long refusedCalls() {
    CallsPerConnection l = callLimit;
    return l == null ? 0 : l.refused();
  }

  /** Connections open now. */
  public int openConnections() {
    ConnectionCap c = connectionCap;
    return c == null ? 0 : c.open();
  }

  /** Connections refused so far for being beyond the connection bounds. */
  public long refusedConnections() {
    ConnectionCap c = connectionCap;
    return c == null ? 0 : c.refused();
  }

  /** Calls refused so far for request metadata beyond the limit. */
  public long refusedMetadata() {
    MetadataLimit l = metadataLimit;
    return l == null ? 0 : l.refused();
  }

  /** Calls open now, on every connection. */
  public int openCalls() {
    CallsPerConnection l = callLimit;
    return l == null ? 0 : l.open();
  }

  /** Returns the bound address, or null before {@link #start()}. */
  public @Nullable InetSocketAddress boundAddress() {
    return boundAddress;
  }

  /** Whether the listener serves TLS. */
  public boolean tls() {
    return settings.tls != null;
  }

  /** Returns the bound port; throws before {@link #start()}. */
  public int port() {
    InetSocketAddress a = boundAddress;
    if (a == null) {
      throw new IllegalStateException("not started");
    }
    return a.getPort();
  }

  /**
   * Reads the service's readiness into the health service now, rather than at the next poll (every
   * 0.5 s): a shutdown calls it so that {@code grpc.health.v1.Health} says NOT_SERVING at once.
   */
  public void refreshHealth() {
    healthRefresh.run();
  }

  /**
   * Stops accepting connections and calls without waiting: open connections get a GOAWAY, new calls
   * are refused, calls already running go on. {@link #close()} finishes the shutdown.
   */
  public void stopAccepting() {
    synchronized (lock) {
      if (server != null) {
        healthRefresh.run();
        server.shutdown();
      }
    }
  }

  /**
   * Stops accepting, lets running calls finish for up to 5 s, then cancels the rest. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (server == null) {
        return;
      }
      Objects.requireNonNull(healthPoller).shutdownNow(); // set with server
      server.shutdown();
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
          server.awaitTermination(2, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
      Objects.requireNonNull(managementExecutor).shutdownNow(); // set with server
      shutdownLoops();
      server = null;
    }
  }

  private void shutdownLoops() {
    for (NioEventLoopGroup g : loops) {
      g.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
    loops = List.of();
  }

  /** Builds a {@link GrpcServer}; each setter checks its argument at once. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8001;
    private @Nullable InferenceService service;
    private String serverName = "caracal";
    private String serverVersion = "0.1.0";
    private List<String> extensions = List.of();
    private LogSettings logSettings = LogSettings.inMemory();
    private io.caracal.core.trace.TraceSettings traceSettings =
        io.caracal.core.trace.TraceSettings.disabled();
    private CallTracker calls = CallTracker.NONE;
    private io.caracal.tls.@Nullable TlsCredentials tls;
    private io.caracal.core.auth.AccessControl access = io.caracal.core.auth.AccessControl.OPEN;
    private int maxInboundMessageSize = 64 << 20;
    private int maxMetadataBytes = 8192;
    private int maxConnections = 10_000;
    private int maxConnectionsPerAddress = 1_000;
    private int maxConcurrentCallsPerConnection = 100;
    private int maxRstFrames = 200;
    private int rstWindowSeconds = 10;
    private Duration permitKeepAliveTime = Duration.ofSeconds(10);
    private Duration keepAliveTime = Duration.ofHours(2);
    private Duration keepAliveTimeout = Duration.ofSeconds(20);

    private Builder() {}

    /** Reports every call (access log, traces, metrics); default: to nobody. */
    public Builder calls(CallTracker calls) {
      this.calls = Objects.requireNonNull(calls, "calls");
      return this;
    }

    /**
     * Serves gRPC over TLS (ALPN h2) with these credentials, reloaded by their owner; null, the
     * default, serves plaintext HTTP/2 (h2c). With TLS each call's {@code
     * Grpc.TRANSPORT_ATTR_SSL_SESSION} holds the client's certificate, if any.
     */
    public Builder tls(io.caracal.tls.@Nullable TlsCredentials tls) {
      this.tls = tls;
      return this;
    }

    /**
     * Checks every call before the service sees it (authentication, roles, restricted categories,
     * rate limits); default {@link io.caracal.core.auth.AccessControl#OPEN}. The health service
     * stays open.
     */
    public Builder access(io.caracal.core.auth.AccessControl access) {
      this.access = Objects.requireNonNull(access, "access");
      return this;
    }

    /** The address to bind, default {@code 127.0.0.1}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port, default 8001; 0 picks an ephemeral port (see {@link #start()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
      }
      this.port = port;
      return this;
    }

    /** The service requests go to (required). */
    public Builder service(InferenceService service) {
      this.service = Objects.requireNonNull(service, "service");
      return this;
    }

    /** The name in server metadata, default {@code caracal}. */
    public Builder serverName(String name) {
      this.serverName = Objects.requireNonNull(name, "serverName");
      return this;
    }

    /** The version in server metadata, default {@code 0.1.0}. */
    public Builder serverVersion(String version) {
      this.serverVersion = Objects.requireNonNull(version, "serverVersion");
      return this;
    }

    /**
     * The extensions that work on the whole server (the REST side lists them too); server metadata
     * lists those of them that this transport serves ({@link #GRPC_EXTENSIONS}), in the given
     * order. Default none.
     */
    public Builder extensions(Collection<String> serverExtensions) {
      List<String> out = new ArrayList<>();
      for (String e : serverExtensions) {
        if (GRPC_EXTENSIONS.contains(e) && !out.contains(e)) {
          out.add(e);
        }
      }
      this.extensions = List.copyOf(out);
      return this;
    }

    /**
     * The log settings the {@code LogSettings} RPC reads and changes; pass the HTTP server's, so
     * both transports show one state. Default: in memory only.
     */
    public Builder logSettings(LogSettings logSettings) {
      this.logSettings = Objects.requireNonNull(logSettings, "logSettings");
      return this;
    }

    /**
     * The trace settings the {@code TraceSetting} RPC reads and changes; pass the HTTP server's, so
     * both transports show one state. Default: tracing off, in memory only.
     */
    public Builder traceSettings(io.caracal.core.trace.TraceSettings traceSettings) {
      this.traceSettings = Objects.requireNonNull(traceSettings, "traceSettings");
      return this;
    }

    /**
     * The largest inbound message in bytes (larger: {@code RESOURCE_EXHAUSTED}); set it to the HTTP
     * body limit. Default 64 MiB.
     */
    public Builder maxInboundMessageSize(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxInboundMessageSize must be at least 1024: " + bytes);
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /**
     * The largest request metadata of a call, counted as HTTP/2 counts a header list; default 8 KiB
     * (gRPC's). Larger fails the call with {@code RESOURCE_EXHAUSTED}; only a header block {@link
     * MetadataLimit#TRANSPORT_FACTOR} times larger costs its connection.
     */
    public Builder maxMetadataBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxMetadataBytes must be at least 1024: " + bytes);
      }
      this.maxMetadataBytes = bytes;
      return this;
    }

    /**
     * Connections open at once, in all and from one client address; beyond, a new connection is
     * closed as soon as it is accepted. Default 10,000 and 1,000; 0 = unbounded.
     */
    public Builder maxConnections(int total, int perAddress) {
      if (total < 0 || perAddress < 0) {
        throw new IllegalArgumentException(
            "connection bounds must be >= 0: " + total + ", " + perAddress);
      }
      this.maxConnections = total;
      this.maxConnectionsPerAddress = perAddress;
      return this;
    }

    /** Concurrent calls one connection may have open (HTTP/2 max streams), default 100. */
    public Builder maxConcurrentCallsPerConnection(int n) {
      if (n < 1) {
        throw new IllegalArgumentException(
            "maxConcurrentCallsPerConnection must be positive: " + n);
      }
      this.maxConcurrentCallsPerConnection = n;
      return this;
    }

    /**
     * RST_STREAM frames a connection may send per window before it is closed, default 200 per 10 s.
     */
    public Builder maxRstFramesPerWindow(int frames, int windowSeconds) {
      if (frames < 1 || windowSeconds < 1) {
        throw new IllegalArgumentException(
            "maxRstFramesPerWindow needs positive values: "
                + frames
                + " per "
                + windowSeconds
                + " s");
      }
      this.maxRstFrames = frames;
      this.rstWindowSeconds = windowSeconds;
      return this;
    }

    /** The most frequent client keepalive ping allowed (more often: GOAWAY), default 10 s. */
    public Builder permitKeepAliveTime(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("permitKeepAliveTime must not be negative: " + d);
      }
      this.permitKeepAliveTime = d;
      return this;
    }

    /** How often the server pings an idle connection, default 2 h; timeout default 20 s. */
    public Builder keepAlive(Duration time, Duration timeout) {
      if (time.isNegative() || time.isZero() || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(
            "keepAlive needs positive durations: " + time + ", " + timeout);
      }
      this.keepAliveTime = time;
      this.keepAliveTimeout = timeout;
      return this;
    }

    /** Returns the server (not yet started). */
    public GrpcServer build() {
      if (service == null) {
        throw new IllegalStateException("service is required");
      }
      return new GrpcServer(copy());
    }

    private Builder copy() {
      Builder c = new Builder();
      c.host = host;
      c.port = port;
      c.service = service;
      c.serverName = serverName;
      c.serverVersion = serverVersion;
      c.extensions = extensions;
      c.logSettings = logSettings;
      c.traceSettings = traceSettings;
      c.calls = calls;
      c.tls = tls;
      c.access = access;
      c.maxInboundMessageSize = maxInboundMessageSize;
      c.maxMetadataBytes = maxMetadataBytes;
      c.maxConnections = maxConnections;
      c.maxConnectionsPerAddress = maxConnectionsPerAddress;
      c.maxConcurrentCallsPerConnection = maxConcurrentCallsPerConnection;
      c.maxRstFrames = maxRstFrames;
      c.rstWindowSeconds = rstWindowSeconds;
      c.permitKeepAliveTime = permitKeepAliveTime;
      c.keepAliveTime = keepAliveTime;
      c.keepAliveTimeout = keepAliveTimeout;
      return c;
    }
  }
}
