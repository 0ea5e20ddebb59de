package io.caracal.server.tfserving;

import io.caracal.core.observe.CallRecord;
import io.caracal.core.observe.CallTracker;
import io.caracal.server.http.BodyAccounting;
import io.caracal.server.http.PeerAddress;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Serves TF Serving's REST routes on one connection: matches the route ({@link TfsRoute}), calls
 * {@link TfsRestApi}, and writes the JSON answer, or the failure as {@link TfsErrors} maps it
 * ({@code {"error": ...}} with TF's HTTP status). Every {@code /v1} answer is {@code
 * application/json}; other paths get a plain 404 page, as TF Serving's HTTP server answers them.
 * Runs on the channel's event loop and never blocks it; requests on one connection are answered in
 * order (reading pauses while one is in flight). Each call is reported to the {@link CallTracker}.
 */
final class TfsRestHandler extends ChannelInboundHandlerAdapter {
  private static final Pattern ORIGIN = Pattern.compile("https?://.*");
  private static final int CLIENT_CLOSED = 499;

  private final TfsRestApi api;
  private final CallTracker calls;
  private final boolean cors;
  private final ArrayDeque<FullHttpRequest> queue = new ArrayDeque<>();
  // Touched only on the channel's event loop.
  private boolean busy;
  private long requestCount;
  private @Nullable CompletableFuture<byte[]> inFlight;

  private final io.caracal.core.auth.AccessControl access;
  // the admitted request's grant, told its result when the answer is written
  private io.caracal.core.auth.Grant grant = io.caracal.core.auth.Grant.OPEN;

  private final BodyAccounting bytes;

  TfsRestHandler(
      TfsRestApi api,
      CallTracker calls,
      boolean cors,
      io.caracal.core.auth.AccessControl access,
      BodyAccounting bytes) {
    this.bytes = bytes;
    this.access = access;
    this.api = api;
    this.calls = calls;
    this.cors = cors;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest req)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    queue.add(req);
    if (busy) {
      ctx.channel().config().setAutoRead(false);
    } else {
      drain(ctx);
    }
  }

  private void drain(ChannelHandlerContext ctx) {
    FullHttpRequest next;
    while (!busy && ctx.channel().isActive() && (next = queue.poll()) != null) {
      handle(ctx, next);
    }
    if (!busy && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
      ctx.read();
    }
  }

  private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
    // a request that did not parse as HTTP closes the connection: its framing cannot be trusted
    boolean keepAlive = HttpUtil.isKeepAlive(req) && !req.decoderResult().isFailure();
    String reqId = ctx.channel().id().asShortText() + "-" + (++requestCount);
    String method = req.method().name();
    TfsRoute route;
    CompletableFuture<byte[]> reply;
    CallRecord call;
    try {
      if (req.decoderResult().isFailure()) {
        throw TfStatus.invalid("Malformed request").toException();
      }
      route = TfsRoute.match(method, req.uri());
    } catch (TfStatus.Failure f) {
      call = start(ctx, req, "malformed", null, reqId);
      done(req);
      write(ctx, CompletableFuture.failedFuture(f), keepAlive, reqId, call, false);
      return;
    }
    call = start(ctx, req, route.template(), route.model().isEmpty() ? null : route, reqId);
    if (route.kind() == TfsRoute.Kind.NOT_V1) {
      done(req);
      writeNotFound(ctx, keepAlive, call);
      return;
    }
    if (route.kind() == TfsRoute.Kind.PREFLIGHT) {
      String origin = req.headers().get(HttpHeaderNames.ORIGIN);
      done(req);
      reply =
          origin != null && ORIGIN.matcher(origin).matches()
              ? CompletableFuture.completedFuture(new byte[0])
              : CompletableFuture.failedFuture(
                  TfStatus.invalid("Origin header is missing in CORS preflight").toException());
      write(ctx, reply, keepAlive, reqId, call, true);
      return;
    }
    try {
      admit(ctx, req, route, call);
      reply = dispatch(route, req, call);
    } catch (Throwable t) {
      reply = CompletableFuture.failedFuture(t);
    } finally {
      done(req);
    }
    if (reply.isDone()) {
      write(ctx, reply, keepAlive, reqId, call, false);
      return;
    }
    busy = true;
    inFlight = reply;
    CompletableFuture<byte[]> pending = reply;
    reply.whenComplete((r, e) ->
        ctx.executor()
            .execute(() -> {
              inFlight = null;
              busy = false;
              if (ctx.channel().isActive()) {
                write(ctx, pending, keepAlive, reqId, call, false);
              } else {
                calls.finish(call, CLIENT_CLOSED, "Client Closed Request", "Cancelled", 0);
              }
              drain(ctx);
            }));
  }

  /** The request is decoded (or refused): frees it and gives its bytes back to the budget. */
  private void done(FullHttpRequest req) {
    req.release();
    bytes.handled();
  }

  /**
   * Refuses {@code req} before it reaches the handler (its body is too large, or the budget of
   * request bytes in flight is spent): answers {@code status} with the message as TF Serving's
   * {@code error}, closes the connection, and reports the call like any other.
   */
  static void refuse(
      ChannelHandlerContext ctx,
      CallTracker calls,
      HttpRequest req,
      HttpResponseStatus status,
      String message) {
    CallRecord call =
        calls.start(
            CallRecord.Protocol.HTTP,
            req.method().name(),
            "refused",
            ctx.channel().id().asShortText() + "-refused",
            PeerAddress.of(ctx.channel()),
            req.headers().get(HttpHeaderNames.USER_AGENT),
            Map.of());
    byte[] body = TfsRestApi.error(message);
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (status.code() == 503) {
      r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    }
    HttpUtil.setContentLength(r, body.length);
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    calls.finish(call, status.code(), status.reasonPhrase(), "Refused", body.length);
  }

  /** The one access check of this transport; a refusal is mapped by {@link TfsErrors}. */
  private void admit(
      ChannelHandlerContext ctx, FullHttpRequest req, TfsRoute route, CallRecord call) {
    io.caracal.core.auth.Operation op =
        switch (route.kind()) {
          case STATUS -> io.caracal.core.auth.Operation.HEALTH;
          case METADATA -> io.caracal.core.auth.Operation.MODEL_METADATA;
          case PREDICT, CLASSIFY, REGRESS -> io.caracal.core.auth.Operation.INFER;
          case PREFLIGHT, NOT_V1 -> null;
        };
    if (op == null) {
      return;
    }
    grant =
        access.check(
            op,
            route.model(),
            new io.caracal.core.auth.Caller(
                req.headers().get(HttpHeaderNames.AUTHORIZATION),
                req.headers()::get,
                call.clientAddress(),
                io.caracal.tls.NettyTls.clientCertificate(ctx)));
  }

  private CompletableFuture<byte[]> dispatch(TfsRoute route, FullHttpRequest req, CallRecord call) {
    return switch (route.kind()) {
      case STATUS -> CompletableFuture.completedFuture(api.status(route));
      case METADATA -> CompletableFuture.completedFuture(api.metadata(route));
      case PREDICT -> api.predict(route, ByteBufUtil.getBytes(req.content()), call);
      case CLASSIFY, REGRESS ->
          api.classifyOrRegress(
              route,
              ByteBufUtil.getBytes(req.content()),
              call,
              route.kind() == TfsRoute.Kind.CLASSIFY);
      case PREFLIGHT, NOT_V1 -> throw new IllegalStateException("answered before dispatch");
    };
  }

  private CallRecord start(
      ChannelHandlerContext ctx,
      HttpRequest req,
      String template,
      @Nullable TfsRoute route,
      String reqId) {
    String client = PeerAddress.of(ctx.channel());
    CallRecord call =
        calls.start(
            CallRecord.Protocol.HTTP,
            req.method().name(),
            template,
            reqId,
            client,
            req.headers().get(HttpHeaderNames.USER_AGENT),
            Map.of());
    if (route != null) {
      call.requested(route.model(), route.version());
    }
    if (req instanceof FullHttpRequest full) {
      call.bytesIn(full.content().readableBytes());
    }
    return call;
  }

  private void write(
      ChannelHandlerContext ctx,
      CompletableFuture<byte[]> reply,
      boolean keepAlive,
      String reqId,
      CallRecord call,
      boolean preflight) {
    HttpResponseStatus status;
    byte[] body;
    String errorKind = null;
    try {
      body = reply.join();
      status = HttpResponseStatus.OK;
    } catch (Throwable t) {
      TfsErrors.Mapped m = TfsErrors.map(t, reqId);
      status = HttpResponseStatus.valueOf(m.status().code().httpStatus());
      body = TfsRestApi.error(m.status().message());
      errorKind = m.kind();
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    io.caracal.core.auth.Grant admitted = grant;
    grant = io.caracal.core.auth.Grant.OPEN;
    admitted.finished(status.code() < 400, errorKind == null ? "ok" : errorKind);
    if (status.code() == 401) {
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"caracal\"");
    }
    if (!(preflight && status.code() == 200)) {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    }
    if (cors) {
      r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
      r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "POST, GET");
      r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type");
    }
    send(ctx, r, keepAlive, call, errorKind);
  }

  private void writeNotFound(ChannelHandlerContext ctx, boolean keepAlive, CallRecord call) {
    byte[] page =
        "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"
            .getBytes(StandardCharsets.US_ASCII);
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND, Unpooled.wrappedBuffer(page));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=ISO-8859-1");
    send(ctx, r, keepAlive, call, "NoRoute");
  }

  private void send(
      ChannelHandlerContext ctx,
      FullHttpResponse r,
      boolean keepAlive,
      CallRecord call,
      @Nullable String errorKind) {
    int bytesOut = r.content().readableBytes();
    HttpUtil.setContentLength(r, bytesOut);
    HttpResponseStatus status = r.status();
    if (!keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.writeAndFlush(r);
    }
    calls.finish(call, status.code(), status.reasonPhrase(), errorKind, bytesOut);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    FullHttpRequest r;
    while ((r = queue.poll()) != null) {
      r.release();
    }
    CompletableFuture<byte[]> f = inFlight;
    if (f != null) {
      f.cancel(false);
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
