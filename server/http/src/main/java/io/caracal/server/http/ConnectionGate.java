package io.caracal.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Counts a server's open connections, in all and per client address, and refuses one beyond {@link
 * ConnectionLimits#maxConnections} or {@link ConnectionLimits#maxConnectionsPerAddress}: it answers
 * 503 with {@code Retry-After} before reading anything and closes. One per server, first in every
 * connection's pipeline. Behind TLS the refusal is a close without a word: a plaintext answer would
 * be noise to a client still in its handshake, and refusing before the handshake costs nothing.
 */
@ChannelHandler.Sharable
final class ConnectionGate extends ChannelInboundHandlerAdapter {
  private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("caracal.counted");
  private static final byte[] REFUSAL =
      HttpErrors.rawClosingAnswer(new HttpProblem.TooManyConnections());

  private final int max;
  private final int maxPerAddress;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();

  private final boolean answer;

  ConnectionGate(ConnectionLimits limits) {
    this(limits, true);
  }

  /** A gate that answers its refusals with a 503 ({@code answer}) or only closes. */
  ConnectionGate(ConnectionLimits limits, boolean answer) {
    this.answer = answer;
    this.max = limits.maxConnections();
    this.maxPerAddress = limits.maxConnectionsPerAddress();
  }

  /** Open connections now. */
  int open() {
    return open.get();
  }

  /** Connections refused so far. */
  long refused() {
    return refused.get();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    InetAddress address = address(ctx);
    if (!admit(address)) {
      refused.incrementAndGet();
      ctx.channel().config().setAutoRead(false);
      if (answer) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(REFUSAL)).addListener(ChannelFutureListener.CLOSE);
      } else {
        ctx.close();
      }
      return;
    }
    ctx.channel().attr(COUNTED).set(address);
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    InetAddress address = ctx.channel().attr(COUNTED).getAndSet(null);
    if (address != null) {
      release(address);
      super.channelInactive(ctx);
    }
  }

  private boolean admit(InetAddress address) {
    int total = open.incrementAndGet();
    int[] fromHere = new int[1];
    perAddress.compute(address, (a, n) -> fromHere[0] = n == null ? 1 : n + 1);
    if ((max > 0 && total > max) || (maxPerAddress > 0 && fromHere[0] > maxPerAddress)) {
      release(address);
      return false;
    }
    return true;
  }

  private void release(InetAddress address) {
    open.decrementAndGet();
    perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  private static InetAddress address(ChannelHandlerContext ctx) {
    @Nullable Object remote = ctx.channel().remoteAddress();
    if (remote instanceof InetSocketAddress a && a.getAddress() != null) {
      return a.getAddress();
    }
    return InetAddress.getLoopbackAddress();
  }
}
