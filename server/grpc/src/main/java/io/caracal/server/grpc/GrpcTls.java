package io.caracal.server.grpc;

import io.caracal.tls.TlsCredentials;
import io.caracal.tls.TlsPolicy;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * The TLS context of a gRPC listener on grpc-java's shaded Netty, over {@link TlsCredentials}: ALPN
 * {@code h2} only, {@link TlsPolicy}'s protocols and ciphers, the credentials' client
 * authentication. Built once: the credentials' key and trust managers are asked at each handshake,
 * so a reload applies to new connections. grpc-java puts the handshake's {@code SSLSession} in each
 * call's {@code Grpc.TRANSPORT_ATTR_SSL_SESSION} attribute, where the client's certificate is read.
 */
public final class GrpcTls {
  private GrpcTls() {}

  /**
   * Applies TLS to a server builder.
   *
   * @throws UncheckedIOException when the TLS engine refuses the configuration
   */
  public static NettyServerBuilder apply(NettyServerBuilder builder, TlsCredentials credentials) {
    return builder.sslContext(context(credentials));
  }

  /** The server context for {@code credentials}. */
  public static SslContext context(TlsCredentials credentials) {
    SslContextBuilder b =
        GrpcSslContexts.configure(SslContextBuilder.forServer(credentials.keyManager()));
    b.protocols(TlsPolicy.PROTOCOLS)
        .ciphers(TlsPolicy.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
        .clientAuth(
            switch (credentials.clientAuth()) {
              case NONE -> ClientAuth.NONE;
              case OPTIONAL -> ClientAuth.OPTIONAL;
              case REQUIRE -> ClientAuth.REQUIRE;
            });
    TrustManager trust = credentials.trustManager();
    if (trust != null) {
      b.trustManager(trust);
    }
    try {
      return b.build();
    } catch (SSLException e) {
      throw new UncheckedIOException(
          new IOException("cannot set up TLS for gRPC: " + e.getMessage(), e));
    }
  }
}
