package io.caracal.server.http;

import io.caracal.core.ModelRef;
import io.caracal.core.observe.CallRecord;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What answers one V2 route. {@link V2HttpHandler} has already framed the request, matched the
 * route, checked the method and parsed the model name and version; the endpoint reads what it needs
 * from the request before {@link #handle} returns (the handler releases the request then), and
 * fails by throwing or by failing the future with an {@link io.caracal.api.InferenceException} or
 * an {@link HttpProblemException}: {@link HttpErrors} turns either into the answer. Called on the
 * connection's event loop: it must not block.
 */
@FunctionalInterface
interface V2Endpoint {

  /** Starts answering {@code call}; the reply is rendered on the event loop once complete. */
  CompletableFuture<Reply> handle(Call call);

  /**
   * One request, as an endpoint sees it.
   *
   * @param request the aggregated request, valid until {@link #handle} returns
   * @param target the model and version the path names, empty for routes without a model
   * @param requestId the connection-scoped id used in log lines
   * @param record the call's record
   * @param moreBytes takes more bytes from the server's request budget for this request (what
   *     decompressing its body produces); false when the budget has not got them
   */
  record Call(
      FullHttpRequest request,
      Optional<ModelRef> target,
      String requestId,
      CallRecord record,
      java.util.function.LongPredicate moreBytes) {

    /** Returns the model the path names. */
    ModelRef model() {
      return target.orElseThrow(() -> new IllegalStateException("this route names no model"));
    }
  }

  /** A successful answer, rendered into a response on the event loop. */
  @FunctionalInterface
  interface Reply {
    /** Returns the response; its content is allocated from {@code alloc}. */
    FullHttpResponse render(ByteBufAllocator alloc);

    /** Returns a {@code 200} JSON reply. */
    static CompletableFuture<Reply> json(byte[] body) {
      return json(HttpResponseStatus.OK, body);
    }

    /** Returns a JSON reply with this status (chosen by {@link HttpErrors} unless 200). */
    static CompletableFuture<Reply> json(HttpResponseStatus status, byte[] body) {
      return CompletableFuture.completedFuture(alloc -> jsonResponse(status, body));
    }
  }

  /** Returns a JSON response. */
  static FullHttpResponse jsonResponse(HttpResponseStatus status, byte[] body) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    return r;
  }
}
