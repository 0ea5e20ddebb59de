package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.testing.Await;
import io.caracal.testing.models.TestModels;
import io.caracal.testing.tls.TestCertificates;
import io.caracal.testing.tls.TlsProbe;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on a real server's listeners with real clients and real handshakes: HTTPS with the JDK's
 * HttpClient, gRPC with grpc-java over TLS (ALPN h2), the TF Serving listeners and metrics; client
 * certificates valid, expired, from another CA and absent; TLS 1.1 and weak suites refused by the
 * server; and a certificate rotation under load with no failed request.
 */
class TlsIT {
  @TempDir Path repo;
  @TempDir Path pki;
  private final TestCertificates.Ca serverCa = TestCertificates.ca("server CA");
  private final TestCertificates.Ca clientCa = TestCertificates.ca("client CA");
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private ItServer start(String clientAuth) throws IOException {
    TestModels.identity(repo, "id", DataType.FP32, 8);
    serverCa.server("localhost").write(pki.resolve("cert.pem"), pki.resolve("key.pem"));
    clientCa.writeCertificate(pki.resolve("client-ca.pem"));
    ItServer s =
        ItServer.start(
            repo,
            b -> {
              b.tlsCertFile(pki.resolve("cert.pem").toString())
                  .tlsKeyFile(pki.resolve("key.pem").toString())
                  .tlsReloadSecs(0) // the test reloads by hand
                  .tfsRestPort(0)
                  .tfsGrpcPort(0);
              if (!clientAuth.equals("none")) {
                b.tlsClientCaFile(pki.resolve("client-ca.pem").toString())
                    .tlsClientAuth(clientAuth);
              }
              return b;
            });
    open.add(s);
    return s;
  }

  private HttpClient https(SSLContext ctx) {
    HttpClient c =
        HttpClient.newBuilder()
            .sslContext(ctx)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    open.add(c);
    return c;
  }

  private static URI uri(int port, String path) {
    return URI.create("https://localhost:" + port + path);
  }

  private static HttpResponse<String> get(HttpClient c, URI uri) throws Exception {
    return c.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static final String INFER =
      "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[1.5,2.5]}]}";

  private static HttpResponse<String> infer(HttpClient c, int port) throws Exception {
    return c.send(
        HttpRequest.newBuilder(uri(port, "/v2/models/id/infer"))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(INFER))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private ManagedChannel grpc(int port, TestCertificates.Issued identity) throws Exception {
    var ssl = GrpcSslContexts.forClient().trustManager(serverCa.certificate());
    if (identity != null) {
      ssl.keyManager(identity.keyManager());
    }
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("localhost", port).sslContext(ssl.build()).build();
    open.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return ch;
  }

  @Test
  void httpsAndGrpcOverTlsWithRealClients_andPlaintextIsRefused() throws Exception {
    ItServer s = start("none");
    int port = s.server.httpAddress().getPort();
    HttpClient c = https(serverCa.trustingClient());
    HttpResponse<String> r = infer(c, port);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"OUTPUT0\"").contains("[1.5,2.5]");
    assertThat(r.sslSession().orElseThrow().getProtocol()).isEqualTo("TLSv1.3");
    // plaintext HTTP to the TLS port gets no HTTP answer
    HttpClient plain = HttpClient.newHttpClient();
    open.add(plain);
    assertThatThrownBy(
            () -> get(plain, URI.create("http://127.0.0.1:" + port + "/v2/health/ready")))
        .isInstanceOf(IOException.class);

    ManagedChannel ch = grpc(s.server.grpcAddress().getPort(), null);
    var stub = GRPCInferenceServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
    assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    ModelInferResponse out =
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("id")
                .addInputs(
                    ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("INPUT0")
                        .setDatatype("FP32")
                        .addShape(1)
                        .addShape(2)
                        .setContents(
                            io.caracal.proto.inference.InferTensorContents.newBuilder()
                                .addFp32Contents(1.5f)
                                .addFp32Contents(2.5f)))
                .build());
    assertThat(out.getOutputs(0).getName()).isEqualTo("OUTPUT0");
    ManagedChannel plainGrpc =
        NettyChannelBuilder.forAddress("127.0.0.1", s.server.grpcAddress().getPort())
            .usePlaintext()
            .build();
    open.add(() -> plainGrpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    assertThatThrownBy(() ->
            GRPCInferenceServiceGrpc.newBlockingStub(plainGrpc)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .serverLive(ServerLiveRequest.getDefaultInstance()))
        .isInstanceOf(StatusRuntimeException.class);
  }

  /** A TLS handshake offering {@code alpn}; returns the protocol the server chose. */
  private static String alpn(SSLContext ctx, InetSocketAddress addr, String alpn)
      throws IOException {
    try (SSLSocket sock =
        (SSLSocket) ctx.getSocketFactory().createSocket("localhost", addr.getPort())) {
      sock.setSoTimeout(30_000);
      SSLParameters p = sock.getSSLParameters();
      p.setApplicationProtocols(new String[] {alpn});
      sock.setSSLParameters(p);
      sock.startHandshake();
      return sock.getApplicationProtocol();
    }
  }

  @Test
  void everyListenerSpeaksTls_gRpcNegotiatesH2_metricsAndTfServingToo() throws Exception {
    ItServer s = start("none");
    SSLContext ctx = serverCa.trustingClient();
    assertThat(alpn(ctx, s.server.grpcAddress(), "h2")).isEqualTo("h2");
    assertThat(alpn(ctx, s.server.tfsGrpcAddress().orElseThrow(), "h2")).isEqualTo("h2");
    assertThat(alpn(ctx, s.server.httpAddress(), "http/1.1")).isEqualTo("http/1.1");
    HttpClient c = https(ctx);
    HttpResponse<String> metrics =
        get(c, uri(s.server.metricsAddress().orElseThrow().getPort(), "/metrics"));
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("nv_inference_request_success");
    HttpResponse<String> tfs =
        get(c, uri(s.server.tfsRestAddress().orElseThrow().getPort(), "/v1/models/id"));
    assertThat(tfs.statusCode()).isEqualTo(200);
    assertThat(tfs.body()).contains("AVAILABLE");
    assertThat(s.server.listeners())
        .allSatisfy(l -> assertThat(l.tls()).startsWith("yes"))
        .extracting(l -> l.name())
        .containsExactly("http", "grpc", "tfs-rest", "tfs-grpc", "metrics");
  }

  @Test
  void aKeyOfAnotherCertificateStopsTheStartNamingTheFlag() throws Exception {
    TestModels.identity(repo, "id", DataType.FP32, 8);
    serverCa.server("localhost").write(pki.resolve("cert.pem"), pki.resolve("key.pem"));
    serverCa.server("localhost").write(pki.resolve("other.pem"), pki.resolve("other-key.pem"));
    assertThatThrownBy(() ->
            ItServer.start(
                repo,
                b ->
                    b.tlsCertFile(pki.resolve("cert.pem").toString())
                        .tlsKeyFile(pki.resolve("other-key.pem").toString())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("tls-key-file does not belong to the certificate of tls-cert-file");
  }

  @Test
  void serverRefusesTls11AndWeakSuites_onHttpAndGrpc() throws Exception {
    ItServer s = start("none");
    for (InetSocketAddress addr : List.of(s.server.httpAddress(), s.server.grpcAddress())) {
      assertThat(
              TlsProbe.hello(addr, TlsProbe.TLS_1_2, TlsProbe.ECDHE_ECDSA_AES_128_GCM_SHA256)
                  .serverHello())
          .as("control: ECDHE + GCM on " + addr)
          .isTrue();
      assertThat(
              TlsProbe.hello(
                      addr,
                      TlsProbe.TLS_1_1,
                      TlsProbe.ECDHE_ECDSA_AES_128_CBC_SHA,
                      TlsProbe.RSA_AES_128_CBC_SHA)
                  .serverHello())
          .as("TLS 1.1 on " + addr)
          .isFalse();
      assertThat(
              TlsProbe.hello(
                      addr,
                      TlsProbe.TLS_1_2,
                      TlsProbe.ECDHE_ECDSA_AES_128_CBC_SHA,
                      TlsProbe.RSA_AES_128_CBC_SHA)
                  .serverHello())
          .as("CBC and RSA key exchange on " + addr)
          .isFalse();
    }
  }

  @Test
  void requiredClientCertificates_validPasses_expiredForeignAndMissingFail() throws Exception {
    ItServer s = start("require");
    int port = s.server.httpAddress().getPort();
    assertThat(infer(https(clientCa.client("alice").sslContext(serverCa)), port).statusCode())
        .isEqualTo(200);
    Instant now = Instant.now();
    TestCertificates.Issued expired =
        clientCa.client("old", now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)));
    TestCertificates.Issued foreign = TestCertificates.ca("other CA").client("mallory");
    for (SSLContext refused :
        List.of(
            expired.sslContext(serverCa),
            foreign.sslContext(serverCa),
            serverCa.trustingClient())) {
      HttpClient c = https(refused);
      assertThatThrownBy(() -> infer(c, port)).isInstanceOf(IOException.class);
    }
    // gRPC: with a valid certificate the call runs, without one the handshake fails
    int grpcPort = s.server.grpcAddress().getPort();
    assertThat(
            GRPCInferenceServiceGrpc.newBlockingStub(grpc(grpcPort, clientCa.client("bob")))
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .serverLive(ServerLiveRequest.getDefaultInstance())
                .getLive())
        .isTrue();
    for (TestCertificates.Issued bad : new TestCertificates.Issued[] {null, expired, foreign}) {
      var stub =
          GRPCInferenceServiceGrpc.newBlockingStub(grpc(grpcPort, bad))
              .withDeadlineAfter(30, TimeUnit.SECONDS);
      assertThatThrownBy(() -> stub.serverLive(ServerLiveRequest.getDefaultInstance()))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("UNAVAILABLE");
    }
  }

  @Test
  void optionalClientCertificates_noneAndValidPass_expiredAndForeignFail() throws Exception {
    ItServer s = start("optional");
    int port = s.server.httpAddress().getPort();
    assertThat(infer(https(serverCa.trustingClient()), port).statusCode()).isEqualTo(200);
    assertThat(infer(https(clientCa.client("carol").sslContext(serverCa)), port).statusCode())
        .isEqualTo(200);
    Instant now = Instant.now();
    for (TestCertificates.Issued bad :
        List.of(
            clientCa.client("old", now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1))),
            TestCertificates.ca("other CA").client("mallory"))) {
      HttpClient c = https(bad.sslContext(serverCa));
      assertThatThrownBy(() -> infer(c, port)).isInstanceOf(IOException.class);
    }
  }

  /** One GET on a new TLS connection; returns the serial of the certificate the server showed. */
  private static BigInteger newConnectionRequest(SSLContext ctx, int port) throws IOException {
    try (SSLSocket sock = (SSLSocket) ctx.getSocketFactory().createSocket("localhost", port)) {
      sock.setSoTimeout(60_000);
      sock.getOutputStream()
          .write(
              ("GET /v2/health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      sock.getOutputStream().flush();
      InputStream in = sock.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      if (!answer.startsWith("HTTP/1.1 200 ")) {
        throw new IOException("unexpected answer: " + answer.lines().findFirst().orElse(""));
      }
      return ((X509Certificate) sock.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  @Test
  void rotationUnderLoad_noRequestFails_newConnectionsGetTheNewCertificate() throws Exception {
    ItServer s = start("none");
    int port = s.server.httpAddress().getPort();
    SSLContext ctx = serverCa.trustingClient();
    HttpClient keepAlive = https(ctx);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean rotated = new AtomicBoolean();
    AtomicInteger keepAliveOk = new AtomicInteger();
    AtomicInteger newConnOk = new AtomicInteger();
    AtomicInteger afterRotation = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<BigInteger> servedAfter = new ConcurrentLinkedQueue<>();
    List<Thread> loops = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      loops.add(
          Thread.ofPlatform()
              .name("keep-alive-" + i)
              .start(() -> {
                while (!stop.get()) {
                  try {
                    HttpResponse<String> r = infer(keepAlive, port);
                    if (r.statusCode() != 200) {
                      failures.add(new AssertionError("status " + r.statusCode()));
                    }
                    keepAliveOk.incrementAndGet();
                  } catch (Exception e) {
                    failures.add(e);
                  }
                }
              }));
      loops.add(
          Thread.ofPlatform()
              .name("new-connection-" + i)
              .start(() -> {
                while (!stop.get()) {
                  try {
                    boolean after = rotated.get(); // read before the handshake starts
                    // a fresh client context: a full handshake, not the resumption of a session
                    // cached from before the rotation (which keeps its certificate)
                    BigInteger serial = newConnectionRequest(serverCa.trustingClient(), port);
                    newConnOk.incrementAndGet();
                    if (after) {
                      servedAfter.add(serial);
                      afterRotation.incrementAndGet();
                    }
                  } catch (Exception e) {
                    failures.add(e);
                  }
                }
              }));
    }
    try {
      Await.until(
          "requests before the rotation",
          Duration.ofSeconds(120),
          () -> keepAliveOk.get() >= 50 && newConnOk.get() >= 20);
      TestCertificates.Issued next = serverCa.server("localhost");
      next.write(pki.resolve("cert.pem"), pki.resolve("key.pem"));
      assertThat(s.server.reloadTls()).as("main and metrics credentials").isEqualTo(2);
      rotated.set(true);
      int keepAliveAtRotation = keepAliveOk.get();
      Await.until(
          "requests after the rotation",
          Duration.ofSeconds(120),
          () -> afterRotation.get() >= 20 && keepAliveOk.get() >= keepAliveAtRotation + 50);
      stop.set(true);
      for (Thread t : loops) {
        t.join();
      }
      assertThat(failures).isEmpty();
      assertThat(servedAfter).isNotEmpty().allMatch(n -> n.equals(next.leaf().getSerialNumber()));
    } finally {
      stop.set(true);
      for (Thread t : loops) {
        t.join();
      }
    }
  }
}
