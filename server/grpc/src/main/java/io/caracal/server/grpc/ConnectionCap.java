package io.caracal.server.grpc;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds a gRPC server's open connections, in all and per client address, as the HTTP listener's
 * {@code ConnectionGate} does: a connection beyond either bound is closed as soon as it is
 * accepted, before any HTTP/2 byte is read or any state is kept for it (a client sees its call fail
 * with {@code UNAVAILABLE} and retries later). grpc-java has no hook between accept and the
 * transport, so the check sits in the server socket channel itself ({@link #channel}). Refusals are
 * counted and logged at most once a minute. Thread-safe.
 */
final class ConnectionCap {
  private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);

  private final int max;
  private final int maxPerAddress;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
  private final Refusals refused = new Refusals();

  /** Allows {@code max} connections in all and {@code maxPerAddress} per address; 0 = unbounded. */
  ConnectionCap(int max, int maxPerAddress) {
    this.max = max == 0 ? Integer.MAX_VALUE : max;
    this.maxPerAddress = maxPerAddress == 0 ? Integer.MAX_VALUE : maxPerAddress;
  }

  /** Connections open now. */
  int open() {
    return open.get();
  }

  /** Connections refused so far. */
  long refused() {
    return refused.count();
  }

  /** A server socket channel that hands on only the connections this cap admits. */
  NioServerSocketChannel channel() {
    return new NioServerSocketChannel() {
      @Override
      protected int doReadMessages(List<Object> buf) throws Exception {
        int before = buf.size();
        int read = super.doReadMessages(buf);
        for (int i = buf.size() - 1; i >= before; i--) {
          Channel child = (Channel) buf.get(i);
          if (!admit(child)) {
            buf.remove(i);
            read--;
            child.unsafe().closeForcibly();
          }
        }
        return read;
      }
    };
  }

  private boolean admit(Channel child) {
    InetAddress address =
        child.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      refuse();
      return false;
    }
    if (address != null) {
      int[] n = new int[1];
      perAddress.compute(address, (k, v) -> n[0] = v == null ? 1 : v + 1);
      if (n[0] > maxPerAddress) {
        release(address);
        open.decrementAndGet();
        refuse();
        return false;
      }
    }
    child
        .closeFuture()
        .addListener(f -> {
          open.decrementAndGet();
          if (address != null) {
            release(address);
          }
        });
    return true;
  }

  private void release(InetAddress address) {
    perAddress.computeIfPresent(address, (k, v) -> v <= 1 ? null : v - 1);
  }

  private void refuse() {
    refused.refuse(n ->
        log.warn(
            "refused a gRPC connection: more than {} open, or {} from one address ({} refused so"
                + " far)",
            max == Integer.MAX_VALUE ? "unbounded" : max,
            maxPerAddress == Integer.MAX_VALUE ? "unbounded" : maxPerAddress,
            n));
  }
}
