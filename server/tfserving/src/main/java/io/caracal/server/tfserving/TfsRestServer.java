package io.caracal.server.tfserving;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.caracal.core.InferenceService;
import io.caracal.core.observe.CallTracker;
import io.caracal.server.http.BodyAccounting;
import io.caracal.server.http.RequestBytes;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TF Serving's REST API ({@code /v1/models/...}) on its own listener, HTTP/1.1 on Netty (NIO), over
 * the same {@link InferenceService} as the V2 transports. Build with {@link #builder()}, then
 * {@link #start()}; {@link #close()} stops accepting and shuts the event loops down.
 *
 * <pre>{@code
 * try (TfsRestServer tfs = TfsRestServer.builder().service(svc).port(0).build()) {
 *   int port = tfs.start().getPort();
 * }
 * }</pre>
 */
public final class TfsRestServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TfsRestServer.class);

  private final String host;
  private final int port;
  private final TfsRestApi api;
  private final CallTracker calls;
  private final int maxBodyBytes;
  private final RequestBytes requestBytes;
  private final int eventLoopThreads;
  private final boolean cors;
  private final io.caracal.tls.@Nullable TlsCredentials tls;
  private final io.caracal.core.auth.AccessControl access;
  private final Object lock = new Object();

  @GuardedBy("lock")
  private @Nullable EventLoopGroup boss;

  @GuardedBy("lock")
  private @Nullable EventLoopGroup workers;

  @GuardedBy("lock")
  private @Nullable Channel serverChannel;

  private volatile @Nullable InetSocketAddress boundAddress;

  private TfsRestServer(Builder b) {
    this.host = b.host;
    this.port = b.port;
    this.calls = b.calls;
    this.access = b.access;
    this.maxBodyBytes = b.maxBodyBytes;
    this.requestBytes = b.requestBytes;
    this.eventLoopThreads = b.eventLoopThreads;
    this.cors = b.cors;
    this.tls = b.tls;
    this.api =
        new TfsRestApi(new TfsModels(b.requireService(), b.labels), b.maxJsonDepth, b.maxBodyBytes);
  }

  /** Returns a builder: 127.0.0.1:8501, 64 MiB bodies, JSON nested at most 64 deep. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds and starts serving; returns the bound address (the real port when 0 was asked).
   *
   * @throws IllegalStateException if already started
   * @throws UncheckedIOException wrapping the bind failure
   */
  public InetSocketAddress start() {
    synchronized (lock) {
      if (boss != null) {
        throw new IllegalStateException("already started");
      }
      io.netty.handler.ssl.SslContext ssl;
      try {
        ssl =
            tls == null
                ? null
                : io.caracal.tls.NettyTls.serverContext(
                    tls, io.caracal.tls.TlsPolicy.ALPN_HTTP_1_1);
      } catch (javax.net.ssl.SSLException e) {
        throw new UncheckedIOException(
            new IOException("cannot set up TLS for TF Serving REST: " + e.getMessage(), e));
      }
      boss = new NioEventLoopGroup(1, new DefaultThreadFactory("tfs-rest-accept"));
      workers = new NioEventLoopGroup(eventLoopThreads, new DefaultThreadFactory("tfs-rest-io"));
      ServerBootstrap sb =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      if (ssl != null) {
                        ch.pipeline()
                            .addLast(
                                io.caracal.tls.NettyTls.HANDLER_NAME, ssl.newHandler(ch.alloc()));
                      }
                      HttpServerCodec httpCodec = new HttpServerCodec();
                      BodyAccounting bytes =
                          new BodyAccounting(
                              requestBytes,
                              maxBodyBytes,
                              httpCodec,
                              (ctx, r, reason, message) ->
                                  TfsRestHandler.refuse(
                                      ctx,
                                      calls,
                                      r,
                                      reason == BodyAccounting.Reason.BODY_TOO_LARGE
                                          ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                                          : HttpResponseStatus.SERVICE_UNAVAILABLE,
                                      message));
                      ch.pipeline()
                          .addLast("codec", httpCodec)
                          .addLast("bytes", bytes)
                          .addLast("aggregator", new JsonRefusingAggregator(maxBodyBytes))
                          .addLast("tfs", new TfsRestHandler(api, calls, cors, access, bytes));
                    }
                  });
      try {
        serverChannel = sb.bind(host, port).syncUninterruptibly().channel();
      } catch (RuntimeException e) {
        shutdownGroups();
        throw new UncheckedIOException(
            new IOException(
                "cannot bind TF Serving REST server to "
                    + host
                    + ":"
                    + port
                    + ": "
                    + e.getMessage(),
                e));
      }
      InetSocketAddress a = (InetSocketAddress) serverChannel.localAddress();
      boundAddress = a;
      log.info(
          "TF Serving REST listening on {}:{}{}",
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

  /** Returns the bound port; throws before {@link #start()}. */
  public int port() {
    InetSocketAddress a = boundAddress;
    if (a == null) {
      throw new IllegalStateException("not started");
    }
    return a.getPort();
  }

  /** Stops accepting connections; open connections are still served until {@link #close()}. */
  public void stopAccepting() {
    synchronized (lock) {
      if (serverChannel != null) {
        serverChannel.close().syncUninterruptibly();
        serverChannel = null;
      }
    }
  }

  /** Stops accepting and shuts the event loops down (quiet period 0.1 s, at most 5 s). */
  @Override
  public void close() {
    synchronized (lock) {
      if (serverChannel != null) {
        serverChannel.close().syncUninterruptibly();
        serverChannel = null;
      }
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

  /** Aggregates bodies; an oversized one gets a JSON 413 (every /v1 answer is JSON) and a close. */
  private static final class JsonRefusingAggregator extends HttpObjectAggregator {
    private final int max;

    JsonRefusingAggregator(int max) {
      super(max);
      this.max = max;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized)
        throws Exception {
      if (!(oversized instanceof HttpRequest)) {
        super.handleOversizedMessage(ctx, oversized);
        return;
      }
      byte[] body =
          TfsRestApi.error("request body exceeds the maximum allowed size of " + max + " bytes");
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              Unpooled.wrappedBuffer(body));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      HttpUtil.setContentLength(r, body.length);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Builds a {@link TfsRestServer}; each setter checks its argument at once. */
  public static final class Builder extends ListenerBuilder<Builder> {
    private int maxBodyBytes = 64 << 20;
    private RequestBytes requestBytes = new RequestBytes(0);
    private int maxJsonDepth = 64;
    private int eventLoopThreads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    private boolean cors;

    private Builder() {
      super(8501);
    }

    @Override
    Builder self() {
      return this;
    }

    /** The largest request body; a larger one is answered 413 and the connection closed. */
    public Builder maxBodyBytes(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be positive: " + n);
      }
      this.maxBodyBytes = n;
      return this;
    }

    /**
     * The budget of request bytes in flight (bodies received and not yet decoded), which the server
     * shares with its V2 HTTP listener; a request beyond it is answered 503 {@code too many request
     * bytes in flight: retry later} with {@code Retry-After: 1}, and the connection closes.
     * Default: counted, unbounded.
     */
    public Builder requestBytes(RequestBytes budget) {
      this.requestBytes = java.util.Objects.requireNonNull(budget, "budget");
      return this;
    }

    /** The deepest JSON nesting a body may have; deeper is a 400 {@code JSON Parse error}. */
    public Builder maxJsonDepth(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxJsonDepth must be positive: " + n);
      }
      this.maxJsonDepth = n;
      return this;
    }

    /** The number of I/O event loop threads, default half the cores (at least one). */
    public Builder eventLoopThreads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("eventLoopThreads must be positive: " + n);
      }
      this.eventLoopThreads = n;
      return this;
    }

    /** Adds TF Serving's CORS headers to every answer ({@code --rest_api_enable_cors_support}). */
    public Builder cors(boolean enabled) {
      this.cors = enabled;
      return this;
    }

    /** Returns the server (not yet started). */
    public TfsRestServer build() {
      requireService();
      return new TfsRestServer(this);
    }
  }
}
