package io.caracal.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.testing.tls.TestCertificates;
import io.caracal.tls.ClientAuth;
import io.caracal.tls.TlsCredentials;
import io.caracal.tls.TlsFiles;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the authentication layer relies on: with {@link GrpcTls}'s context, an interceptor finds the
 * client's certificate in the call's {@code Grpc.TRANSPORT_ATTR_SSL_SESSION}.
 */
class GrpcTlsTest {
  @TempDir Path dir;

  @Test
  void anInterceptorReadsTheClientCertificateFromTheCallsTlsSession() throws Exception {
    TestCertificates.Ca serverCa = TestCertificates.ca("server CA");
    TestCertificates.Ca clientCa = TestCertificates.ca("client CA");
    serverCa.server("localhost").write(dir.resolve("cert.pem"), dir.resolve("key.pem"));
    clientCa.writeCertificate(dir.resolve("ca.pem"));
    TlsCredentials creds =
        TlsCredentials.load(
            new TlsFiles(
                dir.resolve("cert.pem"),
                dir.resolve("key.pem"),
                dir.resolve("ca.pem"),
                ClientAuth.OPTIONAL));
    AtomicReference<String> peer = new AtomicReference<>();
    ServerInterceptor identity =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            try {
              peer.set(
                  ((X509Certificate) session.getPeerCertificates()[0])
                      .getSubjectX500Principal()
                      .getName());
            } catch (SSLPeerUnverifiedException e) {
              peer.set("none");
            }
            return next.startCall(call, headers);
          }
        };
    Server server =
        GrpcTls.apply(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), creds)
            .addService(
                ServerInterceptors.intercept(
                    new HealthStatusManager().getHealthService(), identity))
            .build()
            .start();
    try {
      int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
      for (TestCertificates.Issued client :
          new TestCertificates.Issued[] {clientCa.client("alice"), null}) {
        var ssl = GrpcSslContexts.forClient().trustManager(serverCa.certificate());
        if (client != null) {
          ssl.keyManager(client.keyManager());
        }
        ManagedChannel ch =
            NettyChannelBuilder.forAddress("localhost", port).sslContext(ssl.build()).build();
        try {
          HealthGrpc.newBlockingStub(ch)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance());
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertThat(peer.get()).isEqualTo(client == null ? "none" : "CN=alice");
      }
    } finally {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
