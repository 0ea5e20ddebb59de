package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.caracal.api.DataType;
import io.caracal.app.ListenerPosture;
import io.caracal.testing.models.TestModels;
import io.caracal.testing.tls.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listening sockets a start opens, read from the kernel ({@code /proc/net/tcp} and {@code
 * tcp6}, the sockets whose inodes this process holds): a default start listens on loopback only; a
 * secured start on every address speaks only TLS on every socket; in both, every socket is in the
 * start-up table ({@link io.caracal.app.Caracal#listeners()}) and nothing else listens.
 */
class ListenerPostureIT {
  @TempDir Path repo;
  @TempDir Path pki;

  /** A listening socket of this process. */
  record Listening(InetAddress address, int port) {}

  /** The TCP sockets of this process in LISTEN state, from /proc. */
  static Set<Listening> listening() throws IOException {
    Set<String> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException e) {
          // closed while we listed
        }
      }
    }
    Set<Listening> out = new HashSet<>();
    for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p).subList(1, Files.readAllLines(p).size())) {
        String[] f = line.trim().split("\\s+");
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        if (!f[3].equals("0A") || !inodes.contains(f[9])) {
          continue;
        }
        String[] local = f[1].split(":");
        out.add(new Listening(address(local[0]), Integer.parseInt(local[1], 16)));
      }
    }
    return out;
  }

  /** /proc's hex address: 32-bit words in host (little-endian) order. */
  private static InetAddress address(String hex) throws IOException {
    byte[] b = new byte[hex.length() / 2];
    for (int word = 0; word < b.length / 4; word++) {
      for (int i = 0; i < 4; i++) {
        b[word * 4 + i] =
            (byte)
                Integer.parseInt(hex.substring((word * 4 + 3 - i) * 2, (word * 4 + 4 - i) * 2), 16);
      }
    }
    return InetAddress.getByAddress(b);
  }

  private static Set<Listening> opened(Set<Listening> before) throws IOException {
    Set<Listening> now = listening();
    now.removeAll(before);
    return now;
  }

  private static Set<Integer> ports(List<ListenerPosture> table) {
    return table.stream().map(l -> l.address().getPort()).collect(Collectors.toSet());
  }

  @Test
  void aDefaultStartListensOnLoopbackOnly_everySocketIsInTheTable() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/self/net/tcp")), "needs Linux /proc");
    TestModels.identity(repo, "id", DataType.FP32, 8);
    Set<Listening> before = listening();
    try (ItServer s = ItServer.start(repo, b -> b.tfsRestPort(0).tfsGrpcPort(0))) {
      Set<Listening> opened = opened(before);
      assertThat(opened).hasSize(5);
      assertThat(opened).allSatisfy(l -> assertThat(l.address().isLoopbackAddress()).isTrue());
      assertThat(opened.stream().map(Listening::port).collect(Collectors.toSet()))
          .isEqualTo(ports(s.server.listeners()));
      assertThat(s.server.listeners())
          .allSatisfy(l -> {
            assertThat(l.loopback()).isTrue();
            assertThat(l.tls()).isEqualTo("no");
            assertThat(l.exposed()).isFalse();
          });
    }
  }

  @Test
  void aSecuredStartOnEveryAddressSpeaksOnlyTlsOnEverySocket() throws Exception {
    assumeTrue(Files.exists(Path.of("/proc/self/net/tcp")), "needs Linux /proc");
    TestModels.identity(repo, "id", DataType.FP32, 8);
    TestCertificates.Ca ca = TestCertificates.ca("posture CA");
    ca.server("localhost").write(pki.resolve("cert.pem"), pki.resolve("key.pem"));
    Set<Listening> before = listening();
    try (ItServer s =
        ItServer.start(
            repo,
            b ->
                b.host("0.0.0.0")
                    .tfsRestPort(0)
                    .tfsGrpcPort(0)
                    .tlsCertFile(pki.resolve("cert.pem").toString())
                    .tlsKeyFile(pki.resolve("key.pem").toString()))) {
      Set<Listening> opened = opened(before);
      assertThat(opened).hasSize(5);
      assertThat(opened).allSatisfy(l -> assertThat(l.address().isAnyLocalAddress()).isTrue());
      assertThat(opened.stream().map(Listening::port).collect(Collectors.toSet()))
          .isEqualTo(ports(s.server.listeners()));
      SSLContext client = ca.trustingClient();
      for (ListenerPosture l : s.server.listeners()) {
        assertThat(l.loopback()).isFalse();
        assertThat(l.exposed()).as(l.name()).isFalse();
        int port = l.address().getPort();
        String alpn = l.name().endsWith("grpc") ? "h2" : "http/1.1";
        try (SSLSocket sock =
            (SSLSocket) client.getSocketFactory().createSocket("localhost", port)) {
          sock.setSoTimeout(30_000);
          SSLParameters p = sock.getSSLParameters();
          p.setApplicationProtocols(new String[] {alpn});
          sock.setSSLParameters(p);
          sock.startHandshake();
          assertThat(sock.getSession().getProtocol()).as(l.name()).isEqualTo("TLSv1.3");
          assertThat(sock.getApplicationProtocol()).as(l.name()).isEqualTo(alpn);
        }
        // plaintext gets no HTTP answer
        try (Socket plain = new Socket("127.0.0.1", port)) {
          plain.setSoTimeout(30_000);
          plain
              .getOutputStream()
              .write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          InputStream in = plain.getInputStream();
          byte[] first = in.readNBytes(5);
          assertThat(new String(first, StandardCharsets.US_ASCII))
              .as(l.name())
              .isNotEqualTo("HTTP/");
        } catch (java.net.SocketException reset) {
          // closed on us: no answer either
        }
      }
    }
  }
}
