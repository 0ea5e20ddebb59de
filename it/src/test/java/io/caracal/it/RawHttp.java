package io.caracal.it;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One raw HTTP/1.1 connection: writes exact bytes (malformed requests, several requests on one
 * keep-alive connection, chunked bodies) and reads responses framed by Content-Length or chunked
 * encoding. Every read has a socket timeout, so a server that never answers fails the test.
 */
final class RawHttp implements Closeable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttp(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setSoTimeout(30_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** A response read off the wire. */
  record Reply(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    V2Client.Response asResponse() {
      return new V2Client.Response(status, headers, body);
    }

    @Override
    public String toString() {
      return status + " " + V2Client.abbreviate(text());
    }
  }

  void timeoutMillis(int ms) throws IOException {
    socket.setSoTimeout(ms);
  }

  void write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void write(String ascii) throws IOException {
    write(ascii.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends a request with Content-Length and reads the reply. */
  Reply exchange(String method, String target, byte[] body, String... headers) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      b.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    if (body != null) {
      b.append("Content-Length: ").append(body.length).append("\r\n");
    }
    b.append("\r\n");
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(b.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (body != null) {
      all.writeBytes(body);
    }
    write(all.toByteArray());
    return read();
  }

  Reply get(String target) throws IOException {
    return exchange("GET", target, null);
  }

  /** Reads one response. */
  Reply read() throws IOException {
    String status = line();
    while (status.isEmpty()) {
      status = line();
    }
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      throw new IOException("bad status line: " + status);
    }
    int code = Integer.parseInt(parts[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(); !h.isEmpty(); h = line()) {
      int c = h.indexOf(':');
      headers.put(h.substring(0, c).trim().toLowerCase(Locale.ROOT), h.substring(c + 1).trim());
    }
    byte[] body;
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (; ; ) {
        String sizeLine = line();
        int semi = sizeLine.indexOf(';');
        int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
        if (size == 0) {
          while (!line().isEmpty()) {
            // trailers
          }
          break;
        }
        b.writeBytes(in.readNBytes(size));
        line();
      }
      body = b.toByteArray();
    } else if (headers.containsKey("content-length")) {
      int n = Integer.parseInt(headers.get("content-length"));
      body = in.readNBytes(n);
      if (body.length != n) {
        throw new IOException("connection closed after " + body.length + " of " + n + " body bytes");
      }
    } else if (code == 204 || code == 304 || (code >= 100 && code < 200)) {
      body = new byte[0];
    } else {
      body = in.readAllBytes(); // close-delimited
    }
    return new Reply(code, headers, body);
  }

  /** Returns true when the server closed the connection (EOF within the socket timeout). */
  boolean closedByPeer() throws IOException {
    try {
      return in.read() < 0;
    } catch (java.net.SocketException e) {
      return true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (; ; ) {
      int c = in.read();
      if (c < 0) {
        if (b.size() == 0) {
          throw new java.io.EOFException("connection closed by the server");
        }
        break;
      }
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
