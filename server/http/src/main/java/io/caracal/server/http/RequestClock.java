package io.caracal.server.http;

import io.caracal.core.observe.CallRecord;
import io.caracal.core.observe.CallTracker;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Bounds how slowly one request may arrive on a connection: from its first byte until its header
 * block is complete ({@link ConnectionLimits#headerTimeout}), then until its body is complete
 * ({@link ConnectionLimits#bodyTimeout}). Past either, the client gets 408 and the connection is
 * closed, so a client that trickles bytes (slowloris) holds a connection for a bounded time, not
 * for as long as it keeps sending. The idle timeout covers the time between requests.
 *
 * <p>Two handlers share this state: the clock itself, in front of the HTTP codec (it sees the first
 * bytes of a request), and its {@link #progress()} handler behind the codec (it sees the header
 * block and the last content). Event-loop only.
 */
final class RequestClock extends ChannelInboundHandlerAdapter {
  private final long headerNanos;
  private final long bodyNanos;
  private final CallTracker calls;
  private final AtomicLong timedOut;
  private @Nullable ScheduledFuture<?> timer;
  private boolean reading;
  private @Nullable HttpRequest head;
  private @Nullable ChannelHandlerContext front; // this handler's context, in front of the codec

  /**
   * @param timedOut counts the requests this clock refused (shared by the server's connections)
   */
  RequestClock(ConnectionLimits limits, CallTracker calls, AtomicLong timedOut) {
    this.headerNanos = limits.headerTimeout().toNanos();
    this.bodyNanos = limits.bodyTimeout().toNanos();
    this.calls = calls;
    this.timedOut = timedOut;
  }

  /** Whether the limits ask for a clock at all. */
  static boolean needed(ConnectionLimits limits) {
    return !limits.headerTimeout().equals(Duration.ZERO)
        || !limits.bodyTimeout().equals(Duration.ZERO);
  }

  /** The handler that goes behind the HTTP codec and tells this clock how the request advances. */
  ChannelInboundHandlerAdapter progress() {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ChannelHandlerContext f = front;
        if (msg instanceof HttpRequest r && f != null) {
          headerDone(f, r);
        }
        if (msg instanceof LastHttpContent) {
          requestDone();
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    front = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!reading && msg instanceof ByteBuf b && b.isReadable()) {
      reading = true;
      arm(ctx, headerNanos, "header block");
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel();
    super.channelInactive(ctx);
  }

  private void headerDone(ChannelHandlerContext front, HttpRequest r) {
    cancel();
    reading = true;
    head = r;
    arm(front, bodyNanos, "body");
  }

  private void requestDone() {
    cancel();
    reading = false;
    head = null;
  }

  private void arm(ChannelHandlerContext ctx, long nanos, String part) {
    if (nanos > 0) {
      timer = ctx.executor().schedule(() -> expire(ctx, part), nanos, TimeUnit.NANOSECONDS);
    }
  }

  private void cancel() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
      timer = null;
    }
  }

  private void expire(ChannelHandlerContext ctx, String part) {
    timer = null;
    if (!ctx.channel().isActive()) {
      return;
    }
    timedOut.incrementAndGet();
    HttpProblem problem = new HttpProblem.RequestTimeout(part);
    HttpErrors.Mapped m = HttpErrors.map(problem);
    HttpRequest r = head;
    CallRecord call =
        r != null
            ? V2HttpHandler.startCall(
                ctx, r, V2Route.match(r.uri()), ctx.channel().id().asShortText() + "-late", calls)
            : calls.start(
                CallRecord.Protocol.HTTP,
                "",
                "unmatched",
                ctx.channel().id().asShortText() + "-late",
                null,
                null,
                Map.of());
    byte[] answer = HttpErrors.rawClosingAnswer(problem);
    ctx.channel().config().setAutoRead(false);
    // in front of the codec: raw bytes, straight to the socket
    ctx.writeAndFlush(Unpooled.wrappedBuffer(answer)).addListener(ChannelFutureListener.CLOSE);
    calls.finish(call, m.status().code(), m.status().reasonPhrase(), m.kind(), answer.length);
  }
}
