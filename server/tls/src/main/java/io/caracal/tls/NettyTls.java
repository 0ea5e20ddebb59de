package io.caracal.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Builds the Netty {@code SslContext} of a listener that uses Netty directly (HTTP, TF Serving
 * REST, metrics) over {@link TlsCredentials}: built once, it asks the credentials' key and trust
 * managers at each handshake, so reloads need no new context. Its {@code SslHandler} goes first in
 * each connection's pipeline (named {@link #HANDLER_NAME}); what comes after reads the peer's
 * certificates from {@code pipeline.get(SslHandler.class).engine().getSession()}.
 */
public final class NettyTls {
  /** The pipeline name of the TLS handler. */
  public static final String HANDLER_NAME = "tls";

  private NettyTls() {}

  /**
   * A server context with {@link TlsPolicy}'s protocols and ciphers, the credentials' client
   * authentication, and ALPN offering {@code alpn}. Netty's OpenSSL engine is used when
   * netty-tcnative is on the class path, the JDK's otherwise.
   *
   * @throws SSLException when the TLS engine refuses the configuration
   */
  public static SslContext serverContext(TlsCredentials credentials, String alpn)
      throws SSLException {
    return serverContext(credentials, alpn, SslContext.defaultServerProvider());
  }

  /**
   * Returns the client certificate a connection's TLS handshake verified (mTLS), or null: no TLS,
   * or no certificate sent. For the access checks of the listeners built on Netty.
   */
  public static java.security.cert.@Nullable X509Certificate clientCertificate(
      io.netty.channel.ChannelHandlerContext ctx) {
    io.netty.handler.ssl.SslHandler ssl = ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class);
    if (ssl == null) {
      return null;
    }
    return PeerCertificates.of(ssl.engine().getSession());
  }

  /**
   * The engine {@link #serverContext(TlsCredentials, String)} uses: {@code JDK} or {@code OPENSSL}.
   */
  public static String engine() {
    return SslContext.defaultServerProvider().name();
  }

  /** As {@link #serverContext(TlsCredentials, String)} with a chosen engine. */
  public static SslContext serverContext(
      TlsCredentials credentials, String alpn, SslProvider provider) throws SSLException {
    SslContextBuilder b =
        SslContextBuilder.forServer(credentials.keyManager())
            .sslProvider(provider)
            .protocols(TlsPolicy.PROTOCOLS)
            .ciphers(TlsPolicy.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    Protocol.ALPN,
                    SelectorFailureBehavior.NO_ADVERTISE,
                    SelectedListenerFailureBehavior.ACCEPT,
                    alpn))
            .clientAuth(
                switch (credentials.clientAuth()) {
                  case NONE -> io.netty.handler.ssl.ClientAuth.NONE;
                  case OPTIONAL -> io.netty.handler.ssl.ClientAuth.OPTIONAL;
                  case REQUIRE -> io.netty.handler.ssl.ClientAuth.REQUIRE;
                });
    TrustManager trust = credentials.trustManager();
    if (trust != null) {
      b.trustManager(trust);
    }
    return b.build();
  }
}
