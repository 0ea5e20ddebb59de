package io.caracal.server.http;

import io.caracal.api.InferenceException;
import io.caracal.core.ModelRef;
import io.caracal.core.auth.AccessControl;
import io.caracal.core.auth.Caller;
import io.caracal.core.auth.Grant;
import io.caracal.core.auth.Operation;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.observe.CallTracker;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the KServe V2 REST routes on one connection: frames each request, matches its route,
 * checks the method, parses the model name and version (core's {@link ModelRef}), hands it to the
 * route's {@link V2Endpoint} and writes the reply, or the failure as {@link HttpErrors} maps it.
 * Runs on the channel's event loop and never blocks it: replies that complete on another thread are
 * rendered back on the loop. Requests are answered in order: while one is in flight, later ones on
 * the same connection wait (HTTP/1.1 pipelining) and reading pauses.
 */
final class V2HttpHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(V2HttpHandler.class);
  private static final String TRACEPARENT = "traceparent";
  private static final String TRACESTATE = "tracestate";

  /** nginx's status for a request whose client closed the connection before the answer. */
  private static final int CLIENT_CLOSED = 499;

  private final V2Endpoints endpoints;
  private final V1Endpoints v1;
  private final V2JsonCodec codec;
  private final CallTracker calls;
  private final AccessControl access;
  private final ArrayDeque<FullHttpRequest> queue = new ArrayDeque<>();
  // Touched only on the channel's event loop.
  private boolean busy;
  private long requestCount;
  private @Nullable CompletableFuture<V2Endpoint.Reply> inFlight;
  // the admitted request's grant, told its result when the answer is written
  private Grant grant = Grant.OPEN;
  private final BodyAccounting bytes;

  V2HttpHandler(
      V2Endpoints endpoints,
      V1Endpoints v1,
      V2JsonCodec codec,
      CallTracker calls,
      BodyAccounting bytes,
      AccessControl access) {
    this.bytes = bytes;
    this.access = access;
    this.endpoints = endpoints;
    this.v1 = v1;
    this.codec = codec;
    this.calls = calls;
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
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    String reqId = ctx.channel().id().asShortText() + "-" + (++requestCount);
    V1Route v1Route = V1Route.match(req.uri(), req.method().name());
    V2Route route = v1Route == null ? V2Route.match(req.uri()) : null;
    V1Route kserve = Objects.requireNonNullElse(v1Route, V1Route.NONE);
    CallRecord call =
        route != null
            ? startCall(ctx, req, route, reqId, calls)
            : startCall(ctx, req, kserve.template(), kserve.model(), null, reqId, calls);
    CompletableFuture<V2Endpoint.Reply> reply;
    try {
      reply =
          route != null
              ? dispatch(ctx, req, route, reqId, call)
              : dispatchV1(ctx, req, kserve, reqId, call);
    } catch (Throwable t) {
      reply = CompletableFuture.failedFuture(t);
    } finally {
      req.release(); // endpoints copy what they need before they return
      bytes.handled();
    }
    boolean kserveV1 = v1Route != null;
    if (reply.isDone()) {
      write(ctx, reply, keepAlive, reqId, call, kserveV1);
      return;
    }
    busy = true;
    inFlight = reply;
    CompletableFuture<V2Endpoint.Reply> pending = reply;
    reply.whenComplete((r, e) ->
        ctx.executor()
            .execute(() -> {
              inFlight = null;
              busy = false;
              if (ctx.channel().isActive()) {
                write(ctx, pending, keepAlive, reqId, call, kserveV1);
              } else { // the client went away; nothing to answer
                calls.finish(call, CLIENT_CLOSED, "Client Closed Request", "Cancelled", 0);
              }
              drain(ctx);
            }));
  }

  /** Starts the record of a call; {@code route} names it by its template, never its raw path. */
  static CallRecord startCall(
      ChannelHandlerContext ctx, HttpRequest req, V2Route route, String reqId, CallTracker calls) {
    return startCall(ctx, req, route.template(), route.model(), route.version(), reqId, calls);
  }

  /** Starts the record of a call to the route {@code template}, naming a model or not. */
  static CallRecord startCall(
      ChannelHandlerContext ctx,
      HttpRequest req,
      String template,
      @Nullable String model,
      @Nullable String version,
      String reqId,
      CallTracker calls) {
    Map<String, String> propagation = Map.of();
    String parent = req.headers().get(TRACEPARENT);
    if (parent != null) {
      String state = req.headers().get(TRACESTATE);
      propagation =
          state == null
              ? Map.of(TRACEPARENT, parent)
              : Map.of(TRACEPARENT, parent, TRACESTATE, state);
    }
    String client = PeerAddress.of(ctx.channel());
    CallRecord call =
        calls.start(
            CallRecord.Protocol.HTTP,
            req.method().name(),
            template,
            reqId,
            client,
            req.headers().get(HttpHeaderNames.USER_AGENT),
            propagation,
            model,
            version == null ? "" : version);
    if (req instanceof FullHttpRequest full) {
      call.bytesIn(full.content().readableBytes());
    }
    return call;
  }

  private CompletableFuture<V2Endpoint.Reply> dispatch(
      ChannelHandlerContext ctx,
      FullHttpRequest req,
      V2Route route,
      String reqId,
      CallRecord call) {
    checkFraming(req);
    String method = head(req) ? "GET" : req.method().name();
    Operation op = route.operation(method);
    if (op == null) {
      throw new HttpProblem.NoRoute().toException();
    }
    if (route.badSegment()) { // a traversal-looking path is a bad name whatever the method
      throw ModelRef.invalidName();
    }
    if (!route.kind().allows(method)) {
      throw new HttpProblem.MethodNotAllowed().toException();
    }
    admit(ctx, req, op, route.model(), call);
    Optional<ModelRef> target =
        route.model() == null
            ? Optional.empty()
            : Optional.of(
                ModelRef.parse(route.model(), route.version() == null ? "" : route.version()));
    return endpoints
        .get(route.kind())
        .handle(new V2Endpoint.Call(req, target, reqId, call, bytes::acquireForHandled));
  }

  private CompletableFuture<V2Endpoint.Reply> dispatchV1(
      ChannelHandlerContext ctx,
      FullHttpRequest req,
      V1Route route,
      String reqId,
      CallRecord call) {
    checkFraming(req);
    if (!route.allows(req.method().name())) {
      throw new HttpProblem.MethodNotAllowed().toException();
    }
    Operation op = route.operation();
    if (op != null) {
      admit(ctx, req, op, route.model(), call);
    }
    return v1.handle(
        route, new V2Endpoint.Call(req, Optional.empty(), reqId, call, bytes::acquireForHandled));
  }

  /**
   * The one access check of the HTTP transport: admits the request (keeping its grant for the
   * answer) or throws the refusal, which {@link HttpErrors} maps like any other failure.
   */
  private void admit(
      ChannelHandlerContext ctx,
      FullHttpRequest req,
      Operation op,
      @Nullable String model,
      CallRecord call) {
    grant =
        access.check(
            op,
            model,
            new Caller(
                req.headers().get(HttpHeaderNames.AUTHORIZATION),
                req.headers()::get,
                call.clientAddress(),
                io.caracal.tls.NettyTls.clientCertificate(ctx)));
  }

  /** Refuses a request that did not frame, or is not HTTP/1.x with a Host (1.1). */
  private static void checkFraming(FullHttpRequest req) {
    DecoderResult dr = req.decoderResult();
    if (dr.isFailure()) {
      throw framingProblem(dr.cause()).toException();
    }
    HttpVersion v = req.protocolVersion();
    if (v.majorVersion() != 1 || v.minorVersion() > 1) {
      throw new HttpProblem.VersionNotSupported().toException();
    }
    if (v.minorVersion() == 1 && !req.headers().contains(HttpHeaderNames.HOST)) {
      throw new HttpProblem.MissingHost().toException();
    }
  }

  /** A HEAD request: routed and answered as GET, without the body. */
  private static boolean head(HttpRequest req) {
    return req.method().equals(io.netty.handler.codec.http.HttpMethod.HEAD);
  }

  private static HttpProblem framingProblem(Throwable c) {
    if (c instanceof TooLongHttpLineException) {
      return new HttpProblem.RequestLineTooLong();
    }
    if (c instanceof TooLongHttpHeaderException
        || (c instanceof TooLongFrameException
            && String.valueOf(c.getMessage()).contains("header"))) {
      return new HttpProblem.HeadersTooLarge();
    }
    if (c instanceof TooLongFrameException) {
      return new HttpProblem.RequestLineTooLong();
    }
    return new HttpProblem.Malformed();
  }

  private void write(
      ChannelHandlerContext ctx,
      CompletableFuture<V2Endpoint.Reply> reply,
      boolean keepAlive,
      String reqId,
      CallRecord call,
      boolean kserveV1) {
    FullHttpResponse r;
    boolean framingFailed = false;
    String errorKind = null;
    try {
      r = reply.join().render(ctx.alloc());
    } catch (Throwable t) {
      framingFailed =
          InferenceException.unwrap(t) instanceof HttpProblemException p
              && p.problem().closesConnection();
      if (kserveV1) {
        V1Errors.Mapped m = V1Errors.map(t, reqId);
        r = V2Endpoint.jsonResponse(m.status(), m.body());
        authHeaders(r, m.retryAfterSeconds(), m.challenge());
        errorKind = m.kind();
      } else {
        HttpErrors.Mapped m = HttpErrors.map(t, reqId);
        r = errorResponse(codec, m);
        errorKind = m.kind();
      }
    }
    int bytesOut = r.content().readableBytes();
    HttpUtil.setContentLength(r, bytesOut);
    if (call.method().equals("HEAD")) { // as GET, without the body (RFC 9110 §9.3.2)
      FullHttpResponse full = r;
      r = full.replace(Unpooled.EMPTY_BUFFER);
      full.release();
      bytesOut = 0;
    }
    propagate(r, call);
    HttpResponseStatus status = r.status();
    Grant admitted = grant;
    grant = Grant.OPEN;
    admitted.finished(
        status.code() < 400, errorKind == null ? "ok" : errorKind + " (" + status.code() + ")");
    if (!keepAlive || framingFailed) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.writeAndFlush(r);
    }
    calls.finish(call, status.code(), status.reasonPhrase(), errorKind, bytesOut);
  }

  /** Tells the client which trace its call joined (W3C trace context), when it was traced. */
  private static void propagate(FullHttpResponse r, CallRecord call) {
    String parent = call.traceparent();
    if (parent != null) {
      r.headers().set(TRACEPARENT, parent);
    }
  }

  private static FullHttpResponse errorResponse(V2JsonCodec codec, HttpErrors.Mapped m) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, m.status(), Unpooled.wrappedBuffer(codec.error(m.message())));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    authHeaders(r, m.retryAfterSeconds(), m.challenge());
    return r;
  }

  /** Sets {@code Retry-After} and {@code WWW-Authenticate} when the failure has them. */
  private static void authHeaders(FullHttpResponse r, int retryAfterSeconds, String challenge) {
    if (retryAfterSeconds > 0) {
      r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
    }
    if (!challenge.isEmpty()) {
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, challenge);
    }
  }

  /** Writes a failure that happened outside a request (the aggregator's oversized body). */
  /**
   * Refuses {@code req} before it reaches the handler (its body is too large): answers the problem,
   * closes the connection, and reports the call like any other.
   */
  static void refuse(
      ChannelHandlerContext ctx,
      V2JsonCodec codec,
      CallTracker calls,
      HttpRequest req,
      HttpProblem problem) {
    CallRecord call = startCall(ctx, req, V2Route.match(req.uri()), refusedId(ctx), calls);
    HttpErrors.Mapped m = HttpErrors.map(problem);
    FullHttpResponse r = errorResponse(codec, m);
    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    int bytesOut = r.content().readableBytes();
    HttpUtil.setContentLength(r, bytesOut);
    ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    calls.finish(call, m.status().code(), m.status().reasonPhrase(), m.kind(), bytesOut);
  }

  private static String refusedId(ChannelHandlerContext ctx) {
    return ctx.channel().id().asShortText() + "-refused";
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      if (!busy && queue.isEmpty()) {
        ctx.close();
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    FullHttpRequest r;
    while ((r = queue.poll()) != null) {
      r.release();
    }
    CompletableFuture<V2Endpoint.Reply> f = inFlight;
    if (f != null) {
      f.cancel(false);
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("closing connection {} after an I/O error", ctx.channel().id().asShortText(), cause);
    ctx.close();
  }
}
