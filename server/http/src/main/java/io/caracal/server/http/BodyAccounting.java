package io.caracal.server.http;

import io.caracal.core.observe.CallTracker;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
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
 * Event loop only.
 */
final class BodyAccounting extends ChannelInboundHandlerAdapter {
  private final RequestBytes budget;
  private final int maxBody;
  private final V2JsonCodec codec;
  private final CallTracker calls;
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
    this.budget = budget;
    this.maxBody = maxBody;
    this.codec = codec;
    this.calls = calls;
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
      long length = HttpUtil.getContentLength(r, -1L);
      if (length > 0 && length <= maxBody) { // beyond the limit the aggregator answers 413
        if (!acquire(length)) {
          refuse(ctx, msg, new HttpProblem.BytesInFlight());
          return;
        }
        declared = true;
      }
    }
    if (msg instanceof HttpContent c) {
      int n = c.content().readableBytes();
      received += n;
      if (!declared && n > 0 && !acquire(n)) {
        refuse(ctx, msg, new HttpProblem.BytesInFlight());
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
        refuse(ctx, null, new HttpProblem.BodyTooLarge(maxBody));
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
  void handled() {
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

  private void refuse(ChannelHandlerContext ctx, @Nullable Object msg, HttpProblem problem) {
    refused = true;
    if (msg != null) {
      ReferenceCountUtil.release(msg);
    }
    ctx.channel().config().setAutoRead(false);
    HttpRequest r = current;
    if (r != null) {
      V2HttpHandler.refuse(ctx, codec, calls, r, problem);
    } else {
      ctx.close();
    }
  }
}
