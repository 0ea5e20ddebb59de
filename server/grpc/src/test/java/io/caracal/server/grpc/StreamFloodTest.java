package io.caracal.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.Await;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 12's gRPC heap exhaustion: a client that sends the HTTP/2 preface and an empty SETTINGS
 * frame, never acknowledges the server's SETTINGS (so MAX_CONCURRENT_STREAMS never binds it), and
 * opens stream after stream with HEADERS only. Each such stream used to hold a started call until
 * the heap ran out; now at most the per-connection bound stays open and the rest are refused.
 */
class StreamFloodTest {
  static final int STREAMS = 2_000;

  @Test
  void headersOnlyStreamsWithoutSettingsAckAreBoundedPerConnection() throws Exception {
    try (GrpcServer server =
        GrpcServer.builder()
            .service(new FakeInferenceService())
            .port(0)
            .maxConcurrentCallsPerConnection(50)
            .build()) {
      int port = server.start().getPort();
      try (Socket s = new Socket("127.0.0.1", port)) {
        Thread drain = Thread.ofPlatform().daemon().start(() -> discard(s)); // never ACK, just read
        OutputStream out = s.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(frame(4, 0, 0, new byte[0])); // an empty SETTINGS frame, no ACK of the server's
        byte[] block = headerBlock();
        for (int i = 0; i < STREAMS; i++) {
          out.write(frame(1, 0x4, 1 + 2 * i, block)); // HEADERS, END_HEADERS, no END_STREAM
        }
        out.flush();
        Await.until(
            "every stream seen",
            Duration.ofSeconds(60),
            () -> server.refusedCalls() + server.openCalls() >= STREAMS);
        assertThat(server.openCalls()).isLessThanOrEqualTo(50);
        assertThat(server.refusedCalls()).isGreaterThanOrEqualTo(STREAMS - 50);

        // a well-behaved client is still served meanwhile
        ManagedChannel ch =
            NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
          assertThat(
                  GRPCInferenceServiceGrpc.newBlockingStub(ch)
                      .withDeadlineAfter(30, TimeUnit.SECONDS)
                      .serverLive(ServerLiveRequest.getDefaultInstance())
                      .getLive())
              .isTrue();
        } finally {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        drain.interrupt();
      }
      Await.until("the flood's calls ended", Duration.ofSeconds(30), () -> server.openCalls() == 0);
    }
  }

  /** An HTTP/2 frame: 24-bit length, type, flags, 31-bit stream id, payload. */
  static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write(payload.length >>> 16);
    f.write(payload.length >>> 8);
    f.write(payload.length);
    f.write(type);
    f.write(flags);
    f.write(stream >>> 24);
    f.write(stream >>> 16);
    f.write(stream >>> 8);
    f.write(stream);
    f.writeBytes(payload);
    return f.toByteArray();
  }

  /** A ModelInfer call's request headers, HPACK literals without indexing and without Huffman. */
  static byte[] headerBlock() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    String[][] headers = {
      {":method", "POST"},
      {":scheme", "http"},
      {":path", "/inference.GRPCInferenceService/ModelInfer"},
      {":authority", "127.0.0.1"},
      {"content-type", "application/grpc"},
      {"te", "trailers"},
    };
    for (String[] h : headers) {
      b.write(0x00); // literal header field without indexing, new name
      byte[] name = h[0].getBytes(StandardCharsets.US_ASCII);
      byte[] value = h[1].getBytes(StandardCharsets.US_ASCII);
      b.write(name.length);
      b.writeBytes(name);
      b.write(value.length);
      b.writeBytes(value);
    }
    return b.toByteArray();
  }

  static void discard(Socket s) {
    try (InputStream in = s.getInputStream()) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (Exception e) {
      // the socket closed
    }
  }
}
