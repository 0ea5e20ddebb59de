package io.caracal.server.http;

import io.caracal.core.InferenceService;
import io.caracal.core.logging.LogSettings;
import io.caracal.core.observe.CallTracker;
import io.caracal.core.trace.TraceSettings;
import io.caracal.tls.NettyTls;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Sets up one HTTP/1.1 connection: the connection gate, TLS when configured (a Netty {@code
 * SslHandler} named {@link io.caracal.tls.NettyTls#HANDLER_NAME}: later handlers read the client's
 * certificate from its session), codec (line and header limits), optional idle timeout, body
 * aggregation with a size limit (413 and close beyond it), then the V2 handler. The route table is
 * built once and shared by every connection.
 */
public final class V2HttpInitializer extends ChannelInitializer<SocketChannel> {
  private final HttpLimits limits;
  private final V2JsonCodec codec;
  private final V2Endpoints endpoints;
  private final V1Endpoints v1;
  private final CallTracker calls;
  private final io.caracal.core.auth.AccessControl access;
  private final ConnectionLimits connectionLimits;
  private final ConnectionGate gate;
  private final AtomicLong timedOut = new AtomicLong();
  private final RequestBytes requestBytes;
  private final @Nullable SslContext tls;

  /** Creates an initializer serving {@code service} under these limits. */
  public V2HttpInitializer(
      InferenceService service, HttpLimits limits, String serverName, String serverVersion) {
    this(
        service,
        limits,
        serverName,
        serverVersion,
        LogSettings.inMemory(),
        TraceSettings.disabled(),
        CallTracker.NONE,
        ConnectionLimits.NONE,
        new RequestBytes(0));
  }

  /**
   * Creates an initializer serving {@code service} under these limits; the logging extension uses
   * {@code logSettings}, the trace extension {@code traceSettings}, and every call is reported to
   * {@code calls}; request bodies in flight are bounded by {@code requestBytes}.
   */
  public V2HttpInitializer(
      InferenceService service,
      HttpLimits limits,
      String serverName,
      String serverVersion,
      LogSettings logSettings,
      TraceSettings traceSettings,
      CallTracker calls,
      ConnectionLimits connectionLimits,
      RequestBytes requestBytes) {
    this(
        service,
        limits,
        serverName,
        serverVersion,
        logSettings,
        traceSettings,
        calls,
        connectionLimits,
        requestBytes,
        null,
        io.caracal.core.auth.AccessControl.OPEN,
        List.of());
  }

  /**
   * As the constructor above, with TLS and access control: {@code tls} (null for plaintext) makes
   * each connection's first handler after the connection gate an {@code SslHandler}, and every call
   * is first checked by {@code access} (authentication, roles, restricted categories, rate limits);
   * {@code GET /v2} also lists {@code backends} (the model backends the server has), if any.
   */
  public V2HttpInitializer(
      InferenceService service,
      HttpLimits limits,
      String serverName,
      String serverVersion,
      LogSettings logSettings,
      TraceSettings traceSettings,
      CallTracker calls,
      ConnectionLimits connectionLimits,
      RequestBytes requestBytes,
      @Nullable SslContext tls,
      io.caracal.core.auth.AccessControl access,
      List<String> backends) {
    this.tls = tls;
    this.access = Objects.requireNonNull(access, "access");
    this.requestBytes = Objects.requireNonNull(requestBytes, "requestBytes");
    this.calls = Objects.requireNonNull(calls, "calls");
    this.connectionLimits = Objects.requireNonNull(connectionLimits, "connectionLimits");
    this.gate = new ConnectionGate(connectionLimits, tls == null);
    this.limits = Objects.requireNonNull(limits, "limits");
    this.codec = new V2JsonCodec(limits);
    this.endpoints =
        V2Endpoints.create(
            Objects.requireNonNull(service, "service"),
            codec,
            Objects.requireNonNull(serverName, "serverName"),
            Objects.requireNonNull(serverVersion, "serverVersion"),
            Objects.requireNonNull(logSettings, "logSettings"),
            Objects.requireNonNull(traceSettings, "traceSettings"),
            limits.maxBodyBytes(),
            backends);
    this.v1 = new V1Endpoints(service, limits);
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    p.addLast("gate", gate);
    if (tls != null) {
      p.addLast(NettyTls.HANDLER_NAME, tls.newHandler(ch.alloc()));
    }
    RequestClock clock =
        RequestClock.needed(connectionLimits)
            ? new RequestClock(connectionLimits, calls, timedOut)
            : null;
    if (clock != null) {
      p.addLast("clock", clock);
    }
    long idleMillis = limits.idleTimeout().toMillis();
    if (idleMillis > 0) {
      p.addLast("idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
    }
    HttpServerCodec httpCodec =
        new HttpServerCodec(limits.maxInitialLineLength(), limits.maxHeaderSize(), 8192);
    p.addLast("codec", httpCodec);
    if (clock != null) {
      p.addLast("progress", clock.progress());
    }
    BodyAccounting bytes =
        new BodyAccounting(
            requestBytes, limits.maxBodyBytes(), codec, calls, ChunkProbe.of(httpCodec));
    p.addLast("bytes", bytes);
    p.addLast("aggregator", new LimitedAggregator(limits.maxBodyBytes(), codec, calls));
    p.addLast("v2", new V2HttpHandler(endpoints, v1, codec, calls, bytes, access));
  }

  /** Open connections now. */
  int openConnections() {
    return gate.open();
  }

  /** Connections refused by the connection limits so far. */
  long refusedConnections() {
    return gate.refused();
  }

  /** Requests refused with 408 because they arrived too slowly, so far. */
  long timedOutRequests() {
    return timedOut.get();
  }

  /** Aggregates bodies; an oversized one gets a JSON 413 and the connection is closed. */
  static final class LimitedAggregator extends HttpObjectAggregator {
    private final int max;
    private final V2JsonCodec codec;
    private final CallTracker calls;

    LimitedAggregator(int max, V2JsonCodec codec, CallTracker calls) {
      super(max);
      this.max = max;
      this.codec = codec;
      this.calls = calls;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized)
        throws Exception {
      if (!(oversized instanceof HttpRequest)) {
        super.handleOversizedMessage(ctx, oversized);
        return;
      }
      V2HttpHandler.refuse(
          ctx, codec, calls, (HttpRequest) oversized, new HttpProblem.BodyTooLarge(max));
    }
  }
}
