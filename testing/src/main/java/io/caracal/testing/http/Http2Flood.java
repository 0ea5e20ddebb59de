package io.caracal.testing.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A hostile HTTP/2 client for tests, on a raw socket: sends the connection preface and an empty
 * SETTINGS frame, optionally acknowledges the server's SETTINGS, then opens gRPC streams with a
 * HEADERS frame each and never sends their DATA. What the server receives is exactly the frames
 * written here; what it answers is read and dropped by a daemon thread.
 */
public final class Http2Flood implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private int nextStream = 1;
  private final java.util.concurrent.Semaphore pingAcks = new java.util.concurrent.Semaphore(0);

  /**
   * Connects to {@code port} on loopback and sends the preface and SETTINGS.
   *
   * @param ack whether to acknowledge the server's SETTINGS (a well-behaved client does)
   */
  public Http2Flood(int port, boolean ack) throws IOException {
    socket = new Socket("127.0.0.1", port);
    Thread.ofPlatform().daemon().start(this::discard);
    out = socket.getOutputStream();
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.write(frame(4, 0, 0, new byte[0]));
    if (ack) {
      out.write(frame(4, 1, 0, new byte[0]));
    }
    out.flush();
  }

  /** Opens {@code n} streams calling {@code path} (a gRPC method), HEADERS only. */
  public void openStreams(int n, String path) throws IOException {
    byte[] block = headerBlock(path);
    for (int i = 0; i < n; i++) {
      out.write(frame(1, 0x4, nextStream, block)); // HEADERS, END_HEADERS, no END_STREAM
      nextStream += 2;
    }
    out.flush();
  }

  /**
   * Sends a PING and waits for its acknowledgement: the server has then read every frame sent
   * before it on this connection.
   */
  public void roundTrip() throws IOException, InterruptedException {
    out.write(frame(6, 0, 0, new byte[8]));
    out.flush();
    if (!pingAcks.tryAcquire(30, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IOException("no PING acknowledgement within 30 s");
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
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

  /** A gRPC call's request headers: HPACK literals without indexing and without Huffman coding. */
  static byte[] headerBlock(String path) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    String[][] headers = {
      {":method", "POST"},
      {":scheme", "http"},
      {":path", path},
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

  /** Reads the server's frames: counts PING acknowledgements, drops the rest. */
  private void discard() {
    try (InputStream in = new java.io.BufferedInputStream(socket.getInputStream())) {
      byte[] head = new byte[9];
      while (in.readNBytes(head, 0, 9) == 9) {
        int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
        in.skipNBytes(length);
        if (head[3] == 6 && (head[4] & 1) != 0) {
          pingAcks.release();
        }
      }
    } catch (IOException e) {
      // the socket closed
    }
  }
}
