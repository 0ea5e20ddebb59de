package io.caracal.bench.load;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/1.1 keep-alive connection for the load generator: writes a prepared request and reads
 * the response (status line, headers, a {@code Content-Length} body). Deliberately minimal so the
 * client spends as little of the shared CPUs as possible. Not thread-safe: one per client thread.
 */
final class HttpConnection implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final StringBuilder line = new StringBuilder(128);
  private byte[] body = new byte[1 << 16];
  private int bodyLength;

  HttpConnection(String host, int port) throws IOException {
    this(host, port, null);
  }

  /**
   * Connects, over TLS when {@code tls} is not null (the handshake happens here, so a cell's
   * warm-up absorbs it and the measured requests ride established sessions, as keep-alive clients'
   * do).
   */
  HttpConnection(String host, int port, javax.net.ssl.@Nullable SSLSocketFactory tls)
      throws IOException {
    Socket plain = new Socket();
    plain.setTcpNoDelay(true);
    plain.connect(new InetSocketAddress(host, port), 5_000);
    if (tls != null) {
      javax.net.ssl.SSLSocket s =
          (javax.net.ssl.SSLSocket) tls.createSocket(plain, host, port, true);
      s.startHandshake();
      socket = s;
    } else {
      socket = plain;
    }
    socket.setSoTimeout(60_000);
    out = socket.getOutputStream();
    in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
  }

  /** Sends {@code request} (head and body, prepared once) and returns the response status. */
  int exchange(byte[] request) throws IOException {
    out.write(request);
    out.flush();
    String status = readLine();
    if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
      throw new IOException("bad status line: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    int length = -1;
    boolean close = false;
    for (String h = readLine(); !h.isEmpty(); h = readLine()) {
      int colon = h.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String name = h.substring(0, colon).trim();
      String value = h.substring(colon + 1).trim();
      if (name.equalsIgnoreCase("content-length")) {
        length = Integer.parseInt(value);
      } else if (name.equalsIgnoreCase("connection") && value.equalsIgnoreCase("close")) {
        close = true;
      } else if (name.equalsIgnoreCase("transfer-encoding")) {
        throw new IOException("chunked responses are not supported by the load generator");
      }
    }
    if (length < 0) {
      throw new IOException("response without Content-Length");
    }
    if (body.length < length) {
      body = new byte[Math.max(length, body.length * 2)];
    }
    int n = in.readNBytes(body, 0, length);
    if (n != length) {
      throw new EOFException("response body cut short");
    }
    bodyLength = length;
    if (close) {
      throw new IOException("server closed the connection (status " + code + ")");
    }
    return code;
  }

  /** The last response's body, as text (for errors and statistics). */
  String bodyText() {
    return new String(body, 0, bodyLength, StandardCharsets.UTF_8);
  }

  private String readLine() throws IOException {
    line.setLength(0);
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed by the server");
      }
      if (b == '\n') {
        int len = line.length();
        if (len > 0 && line.charAt(len - 1) == '\r') {
          line.setLength(len - 1);
        }
        return line.toString();
      }
      line.append((char) b);
    }
  }

  static byte[] request(String method, String path, String host, String extraHeaders, byte[] body) {
    String head =
        method
            + " "
            + path
            + " HTTP/1.1\r\nHost: "
            + host
            + "\r\n"
            + extraHeaders
            + "Content-Length: "
            + body.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[h.length + body.length];
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
