package io.caracal.metrics;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code GET /metrics} (and {@code /metrics/}) with a scrape in the negotiated format
 * ({@link AcceptHeader}), or the format {@code ?debug=text|openmetrics|prometheus-protobuf} shows
 * as text; gzipped when {@code Accept-Encoding} allows. Other methods get 405 with {@code Allow:
 * GET}, other paths 404. Runs on the metrics listener's event loop; stateless and shared by every
 * connection.
 */
@ChannelHandler.Sharable
final class MetricsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(MetricsHandler.class);

  private final Exposition exposition;
  private final io.caracal.core.auth.AccessControl access;

  MetricsHandler(Exposition exposition, io.caracal.core.auth.AccessControl access) {
    this.exposition = exposition;
    this.access = access;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    if (!uri.path().equals("/metrics") && !uri.path().equals("/metrics/")) {
      send(
          ctx,
          plain(HttpResponseStatus.NOT_FOUND, "not found: only /metrics is served\n"),
          keepAlive);
      return;
    }
    if (!request.method().equals(HttpMethod.GET) && !request.method().equals(HttpMethod.HEAD)) {
      FullHttpResponse r = plain(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
      r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      send(ctx, r, keepAlive);
      return;
    }
    FullHttpResponse refused = admit(ctx, request);
    if (refused != null) {
      send(ctx, refused, keepAlive);
      return;
    }
    Exposition.Body body;
    try {
      List<String> debug = uri.parameters().get("debug");
      if (debug != null && !debug.isEmpty()) {
        Optional<ExpositionFormat> format = ExpositionFormat.ofDebugName(debug.get(0));
        if (format.isEmpty()) {
          send(
              ctx,
              plain(
                  HttpResponseStatus.BAD_REQUEST,
                  "debug must be text, openmetrics or prometheus-protobuf\n"),
              keepAlive);
          return;
        }
        body = exposition.debug(format.get());
      } else {
        body =
            exposition.render(
                AcceptHeader.negotiate(request.headers().get(HttpHeaderNames.ACCEPT)),
                AcceptHeader.allowsGzip(request.headers().get(HttpHeaderNames.ACCEPT_ENCODING)));
      }
    } catch (RuntimeException e) {
      log.warn("a metrics scrape failed", e);
      send(ctx, plain(HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed\n"), keepAlive);
      return;
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body.bytes()));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, body.contentType());
    if (body.gzipped()) {
      r.headers().set(HttpHeaderNames.CONTENT_ENCODING, HttpHeaderValues.GZIP);
    }
    send(ctx, r, keepAlive);
  }

  /**
   * The listener's one access check ({@code --metrics-auth}): null when the scrape is admitted,
   * else the refusal, mapped here as the HTTP transport maps it: 401 with a bearer challenge, 403,
   * or 429 with {@code Retry-After}.
   */
  private @Nullable FullHttpResponse admit(ChannelHandlerContext ctx, FullHttpRequest request) {
    java.net.SocketAddress peer = ctx.channel().remoteAddress();
    try {
      access
          .check(
              io.caracal.core.auth.Operation.METRICS,
              null,
              new io.caracal.core.auth.Caller(
                  request.headers().get(HttpHeaderNames.AUTHORIZATION),
                  request.headers()::get,
                  peer instanceof java.net.InetSocketAddress a && a.getAddress() != null
                      ? a.getAddress().getHostAddress()
                      : null,
                  io.caracal.tls.NettyTls.clientCertificate(ctx)))
          .finished(true, "ok");
      return null;
    } catch (io.caracal.api.InferenceException e) {
      return switch (e.error()) {
        case io.caracal.api.InferenceError.Unauthenticated u -> {
          FullHttpResponse u401 = plain(HttpResponseStatus.UNAUTHORIZED, u.message() + "\n");
          u401.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"caracal\"");
          yield u401;
        }
        case io.caracal.api.InferenceError.RateLimited l -> {
          FullHttpResponse r429 =
              plain(HttpResponseStatus.TOO_MANY_REQUESTS, "rate limit exceeded\n");
          r429.headers().set(HttpHeaderNames.RETRY_AFTER, l.retryAfterSeconds());
          yield r429;
        }
        default -> plain(HttpResponseStatus.FORBIDDEN, e.getMessage() + "\n");
      };
    }
  }

  private static FullHttpResponse plain(HttpResponseStatus status, String text) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
  }

  private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
    HttpUtil.setContentLength(r, r.content().readableBytes());
    HttpUtil.setKeepAlive(r, keepAlive);
    if (keepAlive) {
      ctx.writeAndFlush(r);
    } else {
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("metrics connection failed: {}", cause.toString());
    ctx.close();
  }
}
