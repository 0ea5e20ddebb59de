package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PeerAddressTest {
  @Test
  void aConnectionsPeerIsItsIpTextFormattedOnce() throws Exception {
    EventLoopGroup group = new NioEventLoopGroup(1);
    try {
      CompletableFuture<List<String>> seen = new CompletableFuture<>();
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                      List<String> texts = new ArrayList<>();
                      texts.add(PeerAddress.of(ctx.channel()));
                      texts.add(PeerAddress.of(ctx.channel()));
                      seen.complete(texts);
                      ctx.close();
                    }
                  })
              .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
              .sync()
              .channel();
      int port = ((InetSocketAddress) server.localAddress()).getPort();
      try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
        List<String> texts = seen.get(30, TimeUnit.SECONDS);
        assertThat(texts.get(0))
            .isEqualTo(InetAddress.getLoopbackAddress().getHostAddress())
            .isSameAs(texts.get(1)); // kept on the channel, not formatted again
      } finally {
        server.close().sync();
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void aChannelWithoutAnIpPeerHasNone() {
    EmbeddedChannel channel = new EmbeddedChannel();
    assertThat(PeerAddress.of(channel)).isNull();
    channel.finishAndReleaseAll();
  }
}
