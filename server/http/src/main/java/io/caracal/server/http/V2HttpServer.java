package io.caracal.server.http;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.caracal.core.InferenceService;
import io.caracal.core.observe.CallTracker;
import io.caracal.tls.NettyTls;
import io.caracal.tls.TlsCredentials;
import io.caracal.tls.TlsPolicy;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KServe V2 REST server (HTTP/1.1 on Netty). Build with {@link #builder()}, then {@link
 * #start()}; {@link #close()} stops accepting and shuts the event loops down gracefully.
 *
 * <pre>{@code
 * try (V2HttpServer http = V2HttpServer.builder().service(svc).port(0).build()) {
 *   InetSocketAddress addr = http.start();
 *   ...
 * }
 * }</pre>
 *
 * <p>Uses epoll when Netty's native epoll transport is available, NIO otherwise.
 */
public final class V2HttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(V2HttpServer.class);

  private final String host;
  private final int port;
  private final InferenceService service;
  private final String serverName;
  private final String serverVersion;
  private final java.util.List<String> backends;
  private final HttpLimits limits;
  private final int eventLoopThreads;

  private final Object lock = new Object();

  @GuardedBy("lock")
  private @Nullable EventLoopGroup boss;

  @GuardedBy("lock")
  private @Nullable EventLoopGroup workers;

  @GuardedBy("lock")
  private @Nullable Channel serverChannel;

  private volatile @Nullable InetSocketAddress boundAddress;
  private final io.caracal.core.logging.LogSettings logSettings;
  private final io.caracal.core.trace.TraceSettings traceSettings;
  private final CallTracker calls;
  private final ConnectionLimits connectionLimits;
  private final io.caracal.core.auth.AccessControl access;
  private final RequestBytes requestBytes;
  private volatile @Nullable V2HttpInitializer initializer;
  private final @Nullable TlsCredentials tls;

  private V2HttpServer(Builder b) {
    this.host = b.host;
    this.port = b.port;
    this.service = Objects.requireNonNull(b.service, "service");
    this.serverName = b.serverName;
    this.serverVersion = b.serverVersion;
    this.backends = b.backends;
    this.limits = b.limits;
    this.eventLoopThreads = b.eventLoopThreads;
    this.logSettings = b.logSettings;
    this.traceSettings = b.traceSettings;
    this.calls = b.calls;
    this.connectionLimits = b.connectionLimits;
    this.access = b.access;
    this.requestBytes = b.requestBytes;
    this.tls = b.tls;
  }

  /** Returns a builder with the defaults: 127.0.0.1:8000, name "caracal", default limits. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds and starts serving; returns the bound address (with the real port when port 0 was asked).
   *
   * @throws IllegalStateException if already started or closed
   * @throws java.io.UncheckedIOException wrapping the bind failure
   */
  public InetSocketAddress start() {
    synchronized (lock) {
      if (boss != null) {
        throw new IllegalStateException("already started");
      }
      SslContext sslContext;
      try {
        sslContext = tls == null ? null : NettyTls.serverContext(tls, TlsPolicy.ALPN_HTTP_1_1);
      } catch (javax.net.ssl.SSLException e) {
        throw new java.io.UncheckedIOException(
            new java.io.IOException("cannot set up TLS for HTTP: " + e.getMessage(), e));
      }
      boolean epoll = Epoll.isAvailable();
      Class<? extends ServerChannel> channelType;
      if (epoll) {
        boss = new EpollEventLoopGroup(1, new DefaultThreadFactory("http-accept"));
        workers = new EpollEventLoopGroup(eventLoopThreads, new DefaultThreadFactory("http-io"));
        channelType = EpollServerSocketChannel.class;
      } else {
        boss = new NioEventLoopGroup(1, new DefaultThreadFactory("http-accept"));
        workers = new NioEventLoopGroup(eventLoopThreads, new DefaultThreadFactory("http-io"));
        channelType = NioServerSocketChannel.class;
      }
      ServerBootstrap sb =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(channelType)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  initializer =
                      new V2HttpInitializer(
                          service,
                          limits,
                          serverName,
                          serverVersion,
                          logSettings,
                          traceSettings,
                          calls,
                          connectionLimits,
                          requestBytes,
                          sslContext,
                          access,
                          backends));
      try {
        serverChannel = sb.bind(host, port).syncUninterruptibly().channel();
      } catch (RuntimeException e) {
        shutdownGroups();
        throw new java.io.UncheckedIOException(
            new java.io.IOException(
                "cannot bind HTTP server to " + host + ":" + port + ": " + e.getMessage(), e));
      }
      boundAddress = (InetSocketAddress) serverChannel.localAddress();
      log.info(
          "HTTP listening on {}:{}{}",
          boundAddress.getAddress().getHostAddress(),
          boundAddress.getPort(),
          tls == null ? "" : " (TLS, " + NettyTls.engine() + " engine)");
      log.debug(
          "HTTP transport: {}, {} event loop threads", epoll ? "epoll" : "nio", eventLoopThreads);
      return boundAddress;
    }
  }

  /**
   * What the connection limits did so far: open connections, connections refused, requests refused
   * for arriving too slowly (zeros before {@link #start()}).
   */
  public ConnectionCounts connectionCounts() {
    V2HttpInitializer i = initializer;
    return i == null
        ? new ConnectionCounts(0, 0, 0)
        : new ConnectionCounts(i.openConnections(), i.refusedConnections(), i.timedOutRequests());
  }

  /**
   * Counts of the connection limits.
   *
   * @param open connections open now
   * @param refused connections refused for being beyond a limit
   * @param timedOut requests answered 408 for arriving too slowly
   */
  public record ConnectionCounts(int open, long refused, long timedOut) {}

  /** Returns the bound address, or null before {@link #start()}. */
  public @Nullable InetSocketAddress boundAddress() {
    return boundAddress;
  }

  /** Whether the listener serves TLS. */
  public boolean tls() {
    return tls != null;
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
   * Stops accepting connections without waiting for anything else: the listening socket closes,
   * open connections stay and are still served (a shutting-down service answers their new requests
   * with 503). {@link #close()} finishes the shutdown. Never call it from an event loop.
   */
  public void stopAccepting() {
    synchronized (lock) {
      closeListener();
    }
  }

  /**
   * Closes the listening socket and returns once the kernel refuses new connections. With NIO the
   * JDK closes a channel registered with a selector only when that selector next runs, so a connect
   * in between would still be accepted. A task scheduled on the channel's event loop runs only
   * after the loop went back through {@code select}, which is where the socket is closed; two such
   * rounds make sure one full selector cycle passed.
   */
  @GuardedBy("lock")
  private void closeListener() {
    if (serverChannel != null) {
      Channel listener = serverChannel;
      serverChannel = null;
      listener.close().syncUninterruptibly();
      if (!listener.eventLoop().isShuttingDown()) {
        for (int i = 0; i < 2; i++) {
          listener.eventLoop().schedule(() -> {}, 1, TimeUnit.MILLISECONDS).syncUninterruptibly();
        }
      }
    }
  }

  /**
   * Stops accepting connections and shuts the event loops down (quiet period 0.1 s, at most 5 s).
   */
  @Override
  public void close() {
    synchronized (lock) {
      closeListener();
      shutdownGroups();
    }
  }

  @GuardedBy("lock")
  private void shutdownGroups() {
    if (boss != null && workers != null) {
      boss.shutdownGracefully(0, 5, TimeUnit.SECONDS);
      workers.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS);
      boss.terminationFuture().awaitUninterruptibly(6, TimeUnit.SECONDS);
      workers.terminationFuture().awaitUninterruptibly(6, TimeUnit.SECONDS);
      boss = null;
      workers = null;
    }
  }

  /** Builds a {@link V2HttpServer}; each setter checks its argument at once. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port = 8000;
    private @Nullable InferenceService service;
    private String serverName = "caracal";
    private String serverVersion = "0.1.0";
    private java.util.List<String> backends = java.util.List.of();
    private HttpLimits limits = HttpLimits.DEFAULTS;
    private int eventLoopThreads = Runtime.getRuntime().availableProcessors();
    private CallTracker calls = CallTracker.NONE;
    private @Nullable TlsCredentials tls;
    private ConnectionLimits connectionLimits = ConnectionLimits.DEFAULTS;
    private io.caracal.core.auth.AccessControl access = io.caracal.core.auth.AccessControl.OPEN;
    private RequestBytes requestBytes = new RequestBytes(0);
    private io.caracal.core.logging.LogSettings logSettings =
        io.caracal.core.logging.LogSettings.inMemory();
    private io.caracal.core.trace.TraceSettings traceSettings =
        io.caracal.core.trace.TraceSettings.disabled();

    private Builder() {}

    /** The log settings the logging extension reads and changes, default in-memory only. */
    /** Bounds connections and slow requests; default {@link ConnectionLimits#DEFAULTS}. */
    public Builder connectionLimits(ConnectionLimits limits) {
      this.connectionLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Checks every call before it is served (authentication, roles, restricted categories, rate
     * limits); default {@link io.caracal.core.auth.AccessControl#OPEN}.
     */
    public Builder access(io.caracal.core.auth.AccessControl access) {
      this.access = Objects.requireNonNull(access, "access");
      return this;
    }

    /**
     * The budget of request bytes in flight (bodies and what decompressing them produces), which a
     * server may share with other listeners; default unbounded.
     */
    public Builder requestBytes(RequestBytes budget) {
      this.requestBytes = Objects.requireNonNull(budget, "budget");
      return this;
    }

    /** Reports every call (access log, traces, metrics); default: to nobody. */
    public Builder calls(CallTracker calls) {
      this.calls = Objects.requireNonNull(calls, "calls");
      return this;
    }

    /**
     * Serves HTTPS with these credentials (reloaded by their owner; each new connection gets the
     * current certificate); null, the default, serves plaintext HTTP.
     */
    public Builder tls(@Nullable TlsCredentials tls) {
      this.tls = tls;
      return this;
    }

    public Builder logSettings(io.caracal.core.logging.LogSettings logSettings) {
      this.logSettings = Objects.requireNonNull(logSettings, "logSettings");
      return this;
    }

    /**
     * The trace settings the trace extension reads and changes (pass the tracer's, and the same to
     * the gRPC server); default: tracing off, in memory only.
     */
    public Builder traceSettings(io.caracal.core.trace.TraceSettings traceSettings) {
      this.traceSettings = Objects.requireNonNull(traceSettings, "traceSettings");
      return this;
    }

    /** The address to bind, default {@code 127.0.0.1}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port, default 8000; 0 picks an ephemeral port (see {@link #start()}). */
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

    /**
     * The backends {@code GET /v2} lists under {@code backends} (a field Triton does not have;
     * clients ignore it), default none (the field is left out).
     */
    public Builder backends(java.util.List<String> names) {
      this.backends = java.util.List.copyOf(names);
      return this;
    }

    /** The version in server metadata, default {@code 0.1.0}. */
    public Builder serverVersion(String version) {
      this.serverVersion = Objects.requireNonNull(version, "serverVersion");
      return this;
    }

    /** The protocol limits, default {@link HttpLimits#DEFAULTS}. */
    public Builder limits(HttpLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** The number of I/O event loop threads, default the number of cores. */
    public Builder eventLoopThreads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("eventLoopThreads must be positive: " + n);
      }
      this.eventLoopThreads = n;
      return this;
    }

    /** Returns the server (not yet started). */
    public V2HttpServer build() {
      if (service == null) {
        throw new IllegalStateException("service is required");
      }
      return new V2HttpServer(this);
    }
  }
}
