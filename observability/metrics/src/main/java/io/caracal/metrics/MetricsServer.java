package io.caracal.metrics;

import io.caracal.tls.NettyTls;
import io.caracal.tls.TlsCredentials;
import io.caracal.tls.TlsPolicy;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics listener: its own port, one event loop thread ({@code metrics-io}) that accepts,
 * renders and writes scrapes, apart from the inference listeners. Created bound ({@link #start});
 * {@link #close} stops it. Thread-safe.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

  /** Largest request accepted: a scrape has no body. */
  private static final int MAX_REQUEST_BYTES = 16 * 1024;

  private final EventLoopGroup group;
  private final Channel channel;
  private final InetSocketAddress address;
  private final boolean tls;

  private MetricsServer(EventLoopGroup group, Channel channel, boolean tls) {
    this.group = group;
    this.channel = channel;
    this.tls = tls;
    this.address = (InetSocketAddress) channel.localAddress();
  }

  /**
   * Binds {@code host:port} (0 = ephemeral) and serves {@code exposition}, over TLS with {@code
   * tls} (null: plaintext), to the scrapes {@code access} admits; logs the bound port.
   *
   * @throws UncheckedIOException wrapping the bind failure
   */
  static MetricsServer start(
      String host,
      int port,
      Exposition exposition,
      @Nullable TlsCredentials tls,
      io.caracal.core.auth.AccessControl access) {
    SslContext ssl;
    try {
      ssl = tls == null ? null : NettyTls.serverContext(tls, TlsPolicy.ALPN_HTTP_1_1);
    } catch (SSLException e) {
      throw new UncheckedIOException(
          new IOException("cannot set up TLS for metrics: " + e.getMessage(), e));
    }
    EventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("metrics-io", true));
    MetricsHandler handler = new MetricsHandler(exposition, access);
    ServerBootstrap sb =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 128)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (ssl != null) {
                      ch.pipeline().addLast(NettyTls.HANDLER_NAME, ssl.newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast(new IdleStateHandler(0, 0, 60, TimeUnit.SECONDS))
                        .addLast(new IdleClose())
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                        .addLast(handler);
                  }
                });
    Channel channel;
    try {
      channel = sb.bind(host, port).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new UncheckedIOException(
          new IOException(
              "cannot bind metrics server to " + host + ":" + port + ": " + e.getMessage(), e));
    }
    MetricsServer server = new MetricsServer(group, channel, tls != null);
    log.info(
        "metrics listening on {}:{}{}",
        server.address.getAddress().getHostAddress(),
        server.address.getPort(),
        tls == null ? "" : " (TLS)");
    return server;
  }

  /** Returns the bound address (the real port when 0 was asked). */
  public InetSocketAddress address() {
    return address;
  }

  /** Whether scrapes are served over TLS. */
  public boolean tls() {
    return tls;
  }

  /** Closes the listener and its connections; returns when the event loop has stopped. */
  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Closes a connection that was idle for the IdleStateHandler's time. */
  private static final class IdleClose extends ChannelDuplexHandler {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
    }
  }
}
