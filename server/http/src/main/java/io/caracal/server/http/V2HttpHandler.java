package io.caracal.server.http;

import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.core.InferenceService;
import io.caracal.core.logging.LogSettings;
import io.caracal.core.repository.ConfigJson;
import io.netty.buffer.ByteBuf;
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
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the KServe V2 REST routes on one connection. Runs on the channel's event loop and never
 * blocks it: inference completes on another thread, and the response is written back on the loop.
 * Requests are answered in order: while one is in flight, later ones on the same connection wait
 * (HTTP/1.1 pipelining) and reading pauses.
 */
final class V2HttpHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(V2HttpHandler.class);
  static final List<String> EXTENSIONS = io.caracal.core.Extensions.SUPPORTED;

  private final InferenceService service;
  private final V2JsonCodec codec;
  private final String serverName;
  private final String serverVersion;
  private final LogSettings logSettings;
  private final V2AdminCodec admin = new V2AdminCodec();
  private final int maxBodyBytes;
  private final AdminCalls adminCalls;
  private final ArrayDeque<FullHttpRequest> queue = new ArrayDeque<>();
  private boolean busy;
  private long requestCount;
  private @Nullable CompletableFuture<InferenceResponse> inFlight;

  V2HttpHandler(InferenceService service, V2JsonCodec codec, String serverName, String serverVersion) {
    this(service, codec, serverName, serverVersion, LogSettings.inMemory(), HttpLimits.DEFAULTS.maxBodyBytes(),
        new AdminCalls(AdminCalls.DEFAULT_LIMIT));
  }

  V2HttpHandler(
      InferenceService service,
      V2JsonCodec codec,
      String serverName,
      String serverVersion,
      LogSettings logSettings,
      int maxBodyBytes,
      AdminCalls adminCalls) {
    this.adminCalls = adminCalls;
    this.service = service;
    this.codec = codec;
    this.serverName = serverName;
    this.serverVersion = serverVersion;
    this.logSettings = logSettings;
    this.maxBodyBytes = maxBodyBytes;
  }

  static V2JsonCodec newCodec(HttpLimits limits) {
    return new V2JsonCodec(limits);
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
    boolean released = false;
    try {
      DecoderResult dr = req.decoderResult();
      if (dr.isFailure()) {
        Throwable c = dr.cause();
        HttpResponseStatus st =
            c instanceof TooLongHttpLineException
                ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                : c instanceof TooLongHttpHeaderException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : c instanceof TooLongFrameException && String.valueOf(c.getMessage()).contains("header")
                        ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                        : c instanceof TooLongFrameException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                        : HttpResponseStatus.BAD_REQUEST;
        String m =
            st == HttpResponseStatus.REQUEST_URI_TOO_LONG
                ? "request line too long"
                : st == HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE ? "request headers too large" : "malformed HTTP request";
        sendError(ctx, st, m, false, 0);
        return;
      }
      V2Route route = V2Route.match(req.uri());
      if (route.kind() == V2Route.Kind.NOT_FOUND) {
        sendError(ctx, HttpResponseStatus.NOT_FOUND, "Not Found", keepAlive, 0);
        return;
      }
      if (route.badSegment()) {
        sendError(ctx, HttpResponseStatus.BAD_REQUEST, ModelNameCheck.invalidMessage(), keepAlive, 0);
        return;
      }
      if (!route.kind().allows(req.method().name())) {
        sendError(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed", keepAlive, 0);
        return;
      }
      if (route.model() != null && !ModelNameCheck.isValid(route.model())) {
        sendError(ctx, HttpResponseStatus.BAD_REQUEST, ModelNameCheck.invalidMessage(), keepAlive, 0);
        return;
      }
      OptionalLong version = OptionalLong.empty();
      if (route.version() != null) {
        version = parseVersion(route.version());
        if (version.isEmpty() && route.version().matches("0|[1-9][0-9]*")) {
          // A well-formed decimal that no version can have (0, or beyond a long): unknown version.
          sendError(
              ctx,
              HttpResponseStatus.NOT_FOUND,
              "Request for unknown model: " + V2JsonCodec.quote(route.modelName()) + " version " + route.version() + " is not found",
              keepAlive,
              0);
          return;
        }
        if (version.isEmpty()) {
          sendError(
              ctx,
              HttpResponseStatus.BAD_REQUEST,
              "failed to get model version from specified version string " + V2JsonCodec.quote(route.version()),
              keepAlive,
              0);
          return;
        }
      }
      switch (route.kind()) {
        case SERVER_METADATA ->
            sendJson(ctx, HttpResponseStatus.OK, codec.serverMetadata(serverName, serverVersion, EXTENSIONS), keepAlive);
        case HEALTH_LIVE -> {
          boolean live = service.isLive();
          sendJson(ctx, live ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, codec.flag("live", live), keepAlive);
        }
        case HEALTH_READY -> {
          boolean ready = service.isReady();
          sendJson(ctx, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, codec.flag("ready", ready), keepAlive);
        }
        case MODEL_METADATA -> {
          ModelMetadata md = service.metadata(route.modelName(), version);
          sendJson(ctx, HttpResponseStatus.OK, codec.modelMetadata(md), keepAlive);
        }
        case MODEL_READY -> {
          if (service.isModelReady(route.modelName(), version)) {
            sendJson(ctx, HttpResponseStatus.OK, codec.modelReady(route.modelName(), true), keepAlive);
          } else {
            sendError(ctx, HttpResponseStatus.BAD_REQUEST, notReadyMessage(route.modelName(), version), keepAlive, 0);
          }
        }
        case INFER -> {
          released = true;
          infer(ctx, req, route.modelName(), version, keepAlive, reqId);
        }
        case MODEL_CONFIG -> {
          byte[] json = ConfigJson.print(service.modelConfig(route.modelName(), version)).getBytes(StandardCharsets.UTF_8);
          sendJson(ctx, HttpResponseStatus.OK, json, keepAlive);
        }
        case MODEL_STATS ->
            sendJson(ctx, HttpResponseStatus.OK, admin.statistics(service.statistics(route.modelName(), version)), keepAlive);
        case ALL_STATS -> sendJson(ctx, HttpResponseStatus.OK, admin.statistics(service.statistics("", OptionalLong.empty())), keepAlive);
        case REPOSITORY_INDEX -> {
          boolean readyOnly = admin.readyFilter(req.content());
          sendJson(ctx, HttpResponseStatus.OK, admin.index(service.index(), readyOnly), keepAlive);
        }
        case REPOSITORY_LOAD, REPOSITORY_UNLOAD -> {
          boolean load = route.kind() == V2Route.Kind.REPOSITORY_LOAD;
          admin.checkControlBody(req.content(), load ? "load" : "unload");
          String model = route.modelName();
          runAdmin(ctx, keepAlive, reqId, () -> {
            if (load) {
              service.loadModel(model);
            } else {
              service.unloadModel(model);
            }
            return new byte[0];
          });
        }
        case REPOSITORY_NAMED ->
            sendError(ctx, HttpResponseStatus.NOT_IMPLEMENTED, "'repository_name' specification is not supported", keepAlive, 0);
        case LOGGING -> {
          LogSettings.Values v =
              req.method().name().equals("POST") ? logSettings.update(admin.object(req.content(), "logging")) : logSettings.get();
          sendJson(ctx, HttpResponseStatus.OK, admin.logSettings(v), keepAlive);
        }
        case NOT_FOUND -> sendError(ctx, HttpResponseStatus.NOT_FOUND, "Not Found", keepAlive, 0);
      }
    } catch (Throwable t) {
      fail(ctx, t, keepAlive, reqId);
    } finally {
      if (!released) {
        req.release();
      }
    }
  }

  /*
   * Repository load/unload block while models load or drain, so they run on a virtual thread; the
   * connection stays busy (later pipelined requests wait) and the answer is written on the loop.
   * At most AdminCalls' limit run at once per server; beyond that the request gets 503.
   */
  private void runAdmin(ChannelHandlerContext ctx, boolean keepAlive, String reqId, java.util.function.Supplier<byte[]> task) {
    Optional<CompletableFuture<byte[]>> started = adminCalls.start(task);
    if (started.isEmpty()) {
      sendError(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "too many repository requests in progress; retry later", keepAlive, 1);
      return;
    }
    busy = true;
    started.get().whenComplete(
        (body, err) ->
            ctx.executor()
                .execute(
                    () -> {
                      try {
                        if (!ctx.channel().isActive()) {
                          return;
                        }
                        if (err != null) {
                          fail(ctx, err, keepAlive, reqId);
                        } else {
                          sendJson(ctx, HttpResponseStatus.OK, body, keepAlive);
                        }
                      } catch (Throwable t) {
                        fail(ctx, t, keepAlive, reqId);
                      } finally {
                        busy = false;
                        drain(ctx);
                      }
                    }));
  }

  private void infer(
      ChannelHandlerContext ctx, FullHttpRequest req, String model, OptionalLong version, boolean keepAlive, String reqId) {
    V2JsonCodec.DecodedInfer decoded;
    HttpCompression.Coding responseCoding;
    try {
      String enc = req.headers().get(HttpHeaderNames.CONTENT_ENCODING);
      HttpCompression.Coding coding = HttpCompression.requestCoding(enc);
      if (coding == null) {
        sendError(
            ctx,
            HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
            "Content-Encoding " + V2JsonCodec.quote(enc.trim()) + " is not supported: send gzip, deflate or identity",
            keepAlive,
            0);
        return;
      }
      responseCoding = HttpCompression.responseCoding(req.headers().get(HttpHeaderNames.ACCEPT_ENCODING));
      if (coding == HttpCompression.Coding.IDENTITY) {
        decoded = codec.decodeInfer(model, version, req.content(), req.headers().get(V2JsonCodec.HEADER_LENGTH));
      } else {
        ByteBuf plain = HttpCompression.decompress(req.content(), coding, maxBodyBytes, ctx.alloc());
        try {
          decoded = codec.decodeInfer(model, version, plain, req.headers().get(V2JsonCodec.HEADER_LENGTH));
        } finally {
          plain.release();
        }
      }
    } catch (Throwable t) {
      fail(ctx, t, keepAlive, reqId);
      return;
    } finally {
      req.release(); // inputs were copied out of the request buffer
    }
    String logId = decoded.request().id().isEmpty() ? reqId : V2JsonCodec.truncate(decoded.request().id(), 64);
    CompletableFuture<InferenceResponse> f;
    try {
      f = service.infer(decoded.request());
    } catch (Throwable t) {
      fail(ctx, t, keepAlive, logId);
      return;
    }
    busy = true;
    inFlight = f;
    f.whenComplete(
        (resp, err) ->
            ctx.executor()
                .execute(
                    () -> {
                      inFlight = null;
                      try {
                        if (!ctx.channel().isActive()) {
                          return; // the client went away; nothing to answer
                        }
                        if (err != null) {
                          fail(ctx, err, keepAlive, logId);
                        } else {
                          writeInfer(ctx, resp, decoded, keepAlive, responseCoding);
                        }
                      } catch (Throwable t) {
                        fail(ctx, t, keepAlive, logId);
                      } finally {
                        busy = false;
                        drain(ctx);
                      }
                    }));
  }

  private void writeInfer(
      ChannelHandlerContext ctx,
      InferenceResponse resp,
      V2JsonCodec.DecodedInfer decoded,
      boolean keepAlive,
      HttpCompression.Coding coding) {
    V2JsonCodec.Encoded enc = codec.encodeInfer(resp, decoded, ctx.alloc());
    ByteBuf body = enc.body();
    if (coding != HttpCompression.Coding.IDENTITY) {
      body = HttpCompression.compress(body, coding, ctx.alloc());
    }
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    if (coding != HttpCompression.Coding.IDENTITY) {
      r.headers().set(HttpHeaderNames.CONTENT_ENCODING, coding.token());
    }
    if (enc.binary()) {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
      r.headers().set(V2JsonCodec.HEADER_LENGTH, enc.jsonLength());
    } else {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    }
    send(ctx, r, keepAlive);
  }

  private String notReadyMessage(String model, OptionalLong version) {
    String reason = "";
    try {
      for (ModelStatus s : service.index()) {
        if (s.name().equals(model)
            && s.state() != ModelState.READY
            && (version.isEmpty() || s.version() == version.getAsLong())
            && !s.reason().isEmpty()) {
          reason = s.reason();
        }
      }
    } catch (RuntimeException e) {
      log.debug("index() failed while explaining a not-ready model", e);
    }
    return reason.isEmpty() ? "Model version not ready" : "Model version not ready: " + reason;
  }

  /** Parses a version segment: a positive decimal without sign or leading zeros that fits a long. */
  static OptionalLong parseVersion(String v) {
    if (!v.matches("[1-9][0-9]{0,18}")) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(v));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private void fail(ChannelHandlerContext ctx, Throwable t, boolean keepAlive, String reqId) {
    HttpErrors.Mapped m = HttpErrors.map(t);
    if (m.unexpected()) {
      log.error("request {} failed unexpectedly", reqId, HttpErrors.unwrap(t));
    }
    sendError(ctx, m.status(), m.message(), keepAlive, m.retryAfterSeconds());
  }

  private void sendError(ChannelHandlerContext ctx, HttpResponseStatus st, String message, boolean keepAlive, int retryAfter) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, st, Unpooled.wrappedBuffer(codec.error(message)));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    if (retryAfter > 0) {
      r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
    }
    send(ctx, r, keepAlive);
  }

  private void sendJson(ChannelHandlerContext ctx, HttpResponseStatus st, byte[] body, boolean keepAlive) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, st, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    send(ctx, r, keepAlive);
  }

  private void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
    HttpUtil.setContentLength(r, r.content().readableBytes());
    if (!keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.writeAndFlush(r);
    }
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
    CompletableFuture<InferenceResponse> f = inFlight;
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
