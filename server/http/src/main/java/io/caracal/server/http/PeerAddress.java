package io.caracal.server.http;

import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * The text of a connection's peer address ({@code 127.0.0.1}, {@code ::1}) as call records carry
 * it: formatted once per connection and kept on the channel, not once per call (formatting an
 * address builds its text anew each time, and every call of a keep-alive connection has the same
 * one).
 */
public final class PeerAddress {
  private static final AttributeKey<String> TEXT = AttributeKey.valueOf("caracal.peerAddress");

  private PeerAddress() {}

  /** Returns the text of {@code channel}'s peer IP address, or null when it has none. */
  public static @Nullable String of(Channel channel) {
    Attribute<String> kept = channel.attr(TEXT);
    String text = kept.get();
    if (text == null
        && channel.remoteAddress() instanceof InetSocketAddress a
        && a.getAddress() != null) {
      text = a.getAddress().getHostAddress();
      kept.set(text); // the channel's own thread; a racing one sets the same text
    }
    return text;
  }
}
