package io.caracal.server.http;

import io.caracal.core.observe.CallTracker;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * One connection's share of the server's {@link RequestBytes}, and the up-front refusal of a
 * chunked body that declares more than the body limit. Sits between the HTTP codec and the
 * aggregator.
 *
 * <ul>
 *   <li>A request with a {@code Content-Length} takes all of it from the budget when its header
 *       block arrives; a chunked one takes each piece as it arrives. Without budget: 503 {@code too
 *       many request bytes in flight: retry later} with {@code Retry-After: 1}, and the connection
 *       closes (what the client already sent cannot be skipped).
 *   <li>The handler takes more for the request it handles ({@link #acquireForHandled}: the output
 *       of decompression) and gives all of it back once that request is decoded ({@link #handled}).
 *       Whatever is held when the connection closes is given back then.
 *   <li>After each read, a chunked body whose bytes so far plus the rest of the chunk being read
 *       exceed the body limit is answered 413 at once (Netty's decoder would otherwise wait for a
 *       chunk of {@code 7FFFFFFF} bytes until the body deadline).
 * </ul>
 *
 * Event loop only. Other HTTP/1.1 listeners (TF Serving's REST API) put one in their pipeline with
 * their own {@link Refusal}, which answers in their error format.
 */
public final class BodyAccounting extends ChannelInboundHandlerAdapter {
  /** Why a request was refused before its handler saw it. */
  public enum Reason {
    /** A chunk declares more than the body limit: 413. */
    BODY_TOO_LARGE,
    /** The budget has not got the request's bytes: 503 with {@code Retry-After: 1}. */
    BYTES_IN_FLIGHT
  }

  /** Answers a refused request in the listener's format and closes the connection. */
  @FunctionalInterface
  public interface Refusal {
    /**
     * Answers {@code request} (413 or 503 as {@code reason} says; {@code message} is the text to
     * give) and closes the connection.
     */
    void refuse(ChannelHandlerContext ctx, HttpRequest request, Reason reason, String message);
  }

  private final RequestBytes budget;
  private final int maxBody;
  private final Refusal refusal;
  private final ChunkProbe probe;
  private final ArrayDeque<long[]> whole = new ArrayDeque<>(); // held by complete requests, oldest
  // first: the head is the one the handler handles
  private @Nullable HttpRequest current;
  private long held; // by the request being received
  private long received;
  private boolean declared;
  private boolean refused;

  BodyAccounting(
      RequestBytes budget, int maxBody, V2JsonCodec codec, CallTracker calls, ChunkProbe probe) {
    this(
        budget,
        maxBody,
        probe,
        (ctx, r, reason, message) ->
            V2HttpHandler.refuse(
                ctx,
                codec,
                calls,
                r,
                reason == Reason.BODY_TOO_LARGE
                    ? new HttpProblem.BodyTooLarge(maxBody)
                    : new HttpProblem.BytesInFlight()));
  }

  /**
   * Accounts the bodies of one connection whose HTTP decoder is {@code httpCodec}, against {@code
   * budget}, with {@code maxBody} the listener's body limit; put it between the codec and the
   * aggregator, and call {@link #handled()} once the handler decoded each request.
   */
  public BodyAccounting(
      RequestBytes budget, int maxBody, HttpServerCodec httpCodec, Refusal refusal) {
    this(budget, maxBody, ChunkProbe.of(httpCodec), refusal);
  }

  private BodyAccounting(RequestBytes budget, int maxBody, ChunkProbe probe, Refusal refusal) {
    this.budget = budget;
    this.maxBody = maxBody;
    this.refusal = refusal;
    this.probe = probe;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest r) {
      current = r;
      held = 0;
      received = 0;
      declared = false;
      // a request the decoder refused (a bad Content-Length, say) is the handler's to answer
      long length = r.decoderResult().isSuccess() ? HttpUtil.getContentLength(r, -1L) : -1L;
      if (length > 0 && length <= maxBody) { // beyond the limit the aggregator answers 413
        if (!acquire(length)) {
          refuse(ctx, msg, Reason.BYTES_IN_FLIGHT);
          return;
        }
        declared = true;
      }
    }
    if (msg instanceof HttpContent c) {
      int n = c.content().readableBytes();
      received += n;
      if (!declared && n > 0 && !acquire(n)) {
        refuse(ctx, msg, Reason.BYTES_IN_FLIGHT);
        return;
      }
      if (c instanceof LastHttpContent) {
        whole.add(new long[] {held});
        held = 0;
        current = null;
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    HttpRequest r = current;
    if (!refused && r != null && !declared) {
      long rest = probe.restOfChunk();
      if (rest > 0 && received + rest > maxBody) {
        refuse(ctx, null, Reason.BODY_TOO_LARGE);
        return;
      }
    }
    ctx.fireChannelReadComplete();
  }

  /**
   * Takes {@code n} more bytes for the request being handled; false when the budget has not got
   * them.
   */
  boolean acquireForHandled(long n) {
    long[] head = whole.peek();
    if (head == null || !budget.tryAcquire(n)) {
      return false;
    }
    head[0] += n;
    return true;
  }

  /** The handler is done with the oldest complete request: gives back what it held. */
  public void handled() {
    long[] head = whole.poll();
    if (head != null) {
      budget.release(head[0]);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    long[] h;
    while ((h = whole.poll()) != null) {
      budget.release(h[0]);
    }
    budget.release(held);
    held = 0;
    super.channelInactive(ctx);
  }

  private boolean acquire(long n) {
    if (!budget.tryAcquire(n)) {
      return false;
    }
    held += n;
    return true;
  }

  private void refuse(ChannelHandlerContext ctx, @Nullable Object msg, Reason reason) {
    refused = true;
    if (msg != null) {
      ReferenceCountUtil.release(msg);
    }
    ctx.channel().config().setAutoRead(false);
    HttpRequest r = current;
    if (r != null) {
      HttpProblem problem =
          reason == Reason.BODY_TOO_LARGE
              ? new HttpProblem.BodyTooLarge(maxBody)
              : new HttpProblem.BytesInFlight();
      refusal.refuse(ctx, r, reason, problem.message());
    } else {
      ctx.close();
    }
  }
}
