package io.caracal.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.testing.tls.TestCertificates;
import io.caracal.testing.tls.TlsProbe;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real handshakes against a Netty listener with {@link NettyTls}'s context: server certificates,
 * client certificates (valid, expired, from another CA, none) under each client-auth mode, the
 * protocol and cipher policy, and rotation.
 */
class NettyTlsTest {
  @TempDir Path dir;
  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final TestCertificates.Ca serverCa = TestCertificates.ca("server CA");
  private final TestCertificates.Ca clientCa = TestCertificates.ca("client CA");
  private final TestCertificates.Ca otherCa = TestCertificates.ca("other CA");

  @Test
  void boringSslIsThereForTheOpenSslRuns() {
    assertThat(OpenSsl.isAvailable()).as(String.valueOf(OpenSsl.unavailabilityCause())).isTrue();
  }

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private TlsCredentials credentials(ClientAuth auth) throws IOException {
    serverCa.server("localhost").write(dir.resolve("cert.pem"), dir.resolve("key.pem"));
    Path ca = null;
    if (auth != ClientAuth.NONE) {
      ca = dir.resolve("client-ca.pem");
      clientCa.writeCertificate(ca);
    }
    return TlsCredentials.load(
        new TlsFiles(dir.resolve("cert.pem"), dir.resolve("key.pem"), ca, auth));
  }

  /** A listener that answers each line with the peer's subject, or "none". */
  private InetSocketAddress serve(TlsCredentials creds, SslProvider provider) throws SSLException {
    SslContext ctx = NettyTls.serverContext(creds, TlsPolicy.ALPN_HTTP_1_1, provider);
    Channel ch =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel c) {
                    c.pipeline().addLast(NettyTls.HANDLER_NAME, ctx.newHandler(c.alloc()));
                    c.pipeline()
                        .addLast(
                            new SimpleChannelInboundHandler<ByteBuf>() {
                              @Override
                              protected void channelRead0(ChannelHandlerContext cx, ByteBuf msg) {
                                X509Certificate cert = NettyTls.clientCertificate(cx);
                                String peer =
                                    cert == null
                                        ? "none"
                                        : cert.getSubjectX500Principal().getName();
                                cx.writeAndFlush(
                                    Unpooled.copiedBuffer(peer + "\n", StandardCharsets.UTF_8));
                              }
                            });
                  }
                })
            .bind("127.0.0.1", 0)
            .syncUninterruptibly()
            .channel();
    return (InetSocketAddress) ch.localAddress();
  }

  private static SSLSocket connect(SSLContext ctx, InetSocketAddress addr) throws IOException {
    SSLSocket s =
        (SSLSocket) ctx.getSocketFactory().createSocket(addr.getAddress(), addr.getPort());
    s.setSoTimeout(30_000);
    return s;
  }

  /** Handshakes, sends a line, returns the server's answer (the peer it saw). */
  private static String ask(SSLSocket s) throws IOException {
    s.getOutputStream().write("hi\n".getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
    String line =
        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
    if (line == null) {
      throw new SSLException("closed by the server");
    }
    return line;
  }

  @ParameterizedTest
  @EnumSource(names = {"JDK", "OPENSSL"})
  void servesTheCertificateOverTls13AndTls12(SslProvider provider) throws Exception {
    InetSocketAddress addr = serve(credentials(ClientAuth.NONE), provider);
    try (SSLSocket s = connect(serverCa.trustingClient(), addr)) {
      assertThat(ask(s)).isEqualTo("none");
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
      assertThat(
              ((X509Certificate) s.getSession().getPeerCertificates()[0])
                  .getSubjectX500Principal()
                  .getName())
          .isEqualTo("CN=localhost");
    }
    try (SSLSocket s = connect(serverCa.trustingClient(), addr)) {
      s.setEnabledProtocols(new String[] {"TLSv1.2"});
      assertThat(ask(s)).isEqualTo("none");
      assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
      assertThat(s.getSession().getCipherSuite()).startsWith("TLS_ECDHE_").contains("_GCM_");
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"JDK", "OPENSSL"})
  void refusesTls11AndWeakCiphers(SslProvider provider) throws Exception {
    InetSocketAddress addr = serve(credentials(ClientAuth.NONE), provider);
    // the probe's hello works when it offers a suite of the policy ...
    assertThat(
            TlsProbe.hello(
                    addr,
                    TlsProbe.TLS_1_2,
                    TlsProbe.ECDHE_ECDSA_AES_128_GCM_SHA256,
                    TlsProbe.ECDHE_RSA_AES_128_GCM_SHA256)
                .serverHello())
        .isTrue();
    // ... and the server refuses TLS 1.1, and TLS 1.2 with only CBC or RSA key exchange
    TlsProbe.Answer tls11 =
        TlsProbe.hello(
            addr,
            TlsProbe.TLS_1_1,
            TlsProbe.ECDHE_ECDSA_AES_128_CBC_SHA,
            TlsProbe.ECDHE_RSA_AES_128_CBC_SHA,
            TlsProbe.RSA_AES_128_CBC_SHA);
    assertThat(tls11.serverHello()).isFalse();
    assertThat(tls11.contentType()).isIn(21, -1);
    TlsProbe.Answer weak =
        TlsProbe.hello(
            addr,
            TlsProbe.TLS_1_2,
            TlsProbe.ECDHE_ECDSA_AES_128_CBC_SHA,
            TlsProbe.ECDHE_RSA_AES_128_CBC_SHA,
            TlsProbe.RSA_AES_128_CBC_SHA);
    assertThat(weak.serverHello()).isFalse();
    assertThat(weak.contentType()).isIn(21, -1);
  }

  @ParameterizedTest
  @EnumSource(names = {"JDK", "OPENSSL"})
  void requireTakesOnlyValidClientCertificatesOfTheClientCa(SslProvider provider) throws Exception {
    InetSocketAddress addr = serve(credentials(ClientAuth.REQUIRE), provider);
    try (SSLSocket s = connect(clientCa.client("alice").sslContext(serverCa), addr)) {
      assertThat(ask(s)).isEqualTo("CN=alice");
    }
    Instant now = Instant.now();
    TestCertificates.Issued expired =
        clientCa.client("expired", now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
    for (SSLContext refused :
        new SSLContext[] {
          expired.sslContext(serverCa),
          otherCa.client("mallory").sslContext(serverCa),
          serverCa.trustingClient() // no certificate
        }) {
      try (SSLSocket s = connect(refused, addr)) {
        assertThatThrownBy(() -> ask(s)).isInstanceOf(IOException.class);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"JDK", "OPENSSL"})
  void everyRequestOfAConnectionSeesItsSessionsPeer(SslProvider provider) throws Exception {
    InetSocketAddress addr = serve(credentials(ClientAuth.OPTIONAL), provider);
    try (SSLSocket s = connect(serverCa.trustingClient(), addr)) {
      assertThat(ask(s)).isEqualTo("none");
      assertThat(ask(s)).isEqualTo("none"); // kept in the session: no exception per request
      assertThat(s.getSession().isValid()).isTrue();
    }
    try (SSLSocket s = connect(clientCa.client("carol").sslContext(serverCa), addr)) {
      assertThat(ask(s)).isEqualTo("CN=carol");
      assertThat(ask(s)).isEqualTo("CN=carol");
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"JDK", "OPENSSL"})
  void optionalServesClientsWithoutACertificateButNotWithABadOne(SslProvider provider)
      throws Exception {
    InetSocketAddress addr = serve(credentials(ClientAuth.OPTIONAL), provider);
    try (SSLSocket s = connect(serverCa.trustingClient(), addr)) {
      assertThat(ask(s)).isEqualTo("none");
    }
    try (SSLSocket s = connect(clientCa.client("bob").sslContext(serverCa), addr)) {
      assertThat(ask(s)).isEqualTo("CN=bob");
    }
    try (SSLSocket s = connect(otherCa.client("mallory").sslContext(serverCa), addr)) {
      assertThatThrownBy(() -> ask(s)).isInstanceOf(IOException.class);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"JDK", "OPENSSL"})
  void aReloadServesTheNewCertificateToNewConnectionsAndKeepsOpenOnes(SslProvider provider)
      throws Exception {
    TlsCredentials creds = credentials(ClientAuth.NONE);
    InetSocketAddress addr = serve(creds, provider);
    assertThat(creds.reloadIfChanged()).isFalse(); // nothing changed
    try (SSLSocket before = connect(serverCa.trustingClient(), addr)) {
      ask(before);
      X509Certificate old = (X509Certificate) before.getSession().getPeerCertificates()[0];
      TestCertificates.Issued next = serverCa.server("localhost");
      next.write(dir.resolve("cert.pem"), dir.resolve("key.pem"));
      assertThat(creds.reloadIfChanged()).isTrue();
      assertThat(creds.generation()).isEqualTo(2);
      try (SSLSocket after = connect(serverCa.trustingClient(), addr)) {
        ask(after);
        X509Certificate served = (X509Certificate) after.getSession().getPeerCertificates()[0];
        assertThat(served.getSerialNumber()).isEqualTo(next.leaf().getSerialNumber());
        assertThat(served.getSerialNumber()).isNotEqualTo(old.getSerialNumber());
      }
      assertThat(ask(before)).isEqualTo("none"); // the open connection goes on
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"JDK", "OPENSSL"})
  void aHalfRotatedPairIsNotLoadedAndTheOldCertificateStays(SslProvider provider) throws Exception {
    TlsCredentials creds = credentials(ClientAuth.NONE);
    java.math.BigInteger serial = creds.certificate().getSerialNumber();
    // the certificate is replaced, the key not yet: the pair does not match
    TestCertificates.Issued next = serverCa.server("localhost");
    next.write(dir.resolve("cert.pem"), dir.resolve("next-key.pem"));
    assertThat(creds.reloadIfChanged()).isFalse();
    assertThat(creds.certificate().getSerialNumber()).isEqualTo(serial);
    InetSocketAddress addr = serve(creds, provider);
    try (SSLSocket s = connect(serverCa.trustingClient(), addr)) {
      ask(s);
      assertThat(((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber())
          .isEqualTo(serial);
    }
    java.nio.file.Files.move(
        dir.resolve("next-key.pem"),
        dir.resolve("key.pem"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(creds.reloadIfChanged()).isTrue();
    assertThat(creds.certificate().getSerialNumber()).isEqualTo(next.leaf().getSerialNumber());
  }

  @Test
  void badFilesAreRefusedAtLoadNamingTheFile() throws Exception {
    serverCa.server("localhost").write(dir.resolve("cert.pem"), dir.resolve("key.pem"));
    java.nio.file.Files.writeString(
        dir.resolve("rsa.pem"),
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    assertThatThrownBy(() ->
            TlsCredentials.load(
                TlsFiles.serverOnly(dir.resolve("cert.pem"), dir.resolve("rsa.pem"))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("tls-key-file")
        .hasMessageContaining("openssl pkcs8 -topk8");
    assertThatThrownBy(() ->
            TlsCredentials.load(
                TlsFiles.serverOnly(dir.resolve("key.pem"), dir.resolve("key.pem"))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("tls-cert-file");
    assertThatThrownBy(() ->
            TlsCredentials.load(
                TlsFiles.serverOnly(dir.resolve("missing.pem"), dir.resolve("key.pem"))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("tls-cert-file: cannot read");
    assertThatThrownBy(() ->
            new TlsFiles(dir.resolve("cert.pem"), dir.resolve("key.pem"), null, ClientAuth.REQUIRE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs --tls-client-ca-file");
  }
}
