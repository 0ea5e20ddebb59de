package io.caracal.testing.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One raw HTTP/1.1 connection to {@code 127.0.0.1}: writes exact bytes (malformed requests,
 * pipelined requests, chunked bodies, several requests on one keep-alive connection) and reads
 * responses framed by Content-Length, chunked encoding or the connection's close. Every read has a
 * socket timeout (30 s unless {@link #timeoutMillis} changes it), so a server that never answers
 * fails the test instead of hanging it.
 */
public final class RawHttp implements Closeable {
  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final int READ_TIMEOUT_MILLIS = 30_000;
  private static final int CLOSE_TIMEOUT_MILLIS = 10_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  /**
   * A response read off the wire.
   *
   * @param headers the header fields, names in lower case
   */
  public record Resp(int status, Map<String, String> headers, byte[] body) {
    /** Returns the body decoded as UTF-8. */
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** Returns the value of a header field (any case), or null when absent. */
    public @Nullable String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** Returns the status and the start of the body. */
    @Override
    public String toString() {
      String t = text();
      return status
          + " "
          + (t.length() > 600 ? t.substring(0, 600) + "...(" + t.length() + " chars)" : t);
    }
  }

  /** Connects to {@code 127.0.0.1:port}. */
  public RawHttp(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), CONNECT_TIMEOUT_MILLIS);
    socket.setSoTimeout(READ_TIMEOUT_MILLIS);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Sets how long a read waits for the server. */
  public void timeoutMillis(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  /** Writes these bytes as they are. */
  public void write(byte[] raw) throws IOException {
    out.write(raw);
    out.flush();
  }

  /** Writes this text as ISO-8859-1 bytes (one byte per char). */
  public void write(String raw) throws IOException {
    write(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * Sends a request and reads the response. The request line and header fields go out as UTF-8; a
   * Content-Length field is added for a body unless {@code headers} has a Transfer-Encoding, in
   * which case {@code body} must already be encoded that way.
   */
  public Resp send(
      String method, String target, Map<String, String> headers, byte @Nullable [] body)
      throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    boolean transferEncoding = false;
    for (Map.Entry<String, String> h : headers.entrySet()) {
      sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
      transferEncoding |= h.getKey().equalsIgnoreCase("Transfer-Encoding");
    }
    if (!transferEncoding && body != null) {
      sb.append("Content-Length: ").append(body.length).append("\r\n");
    }
    sb.append("\r\n");
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
    if (body != null) {
      all.writeBytes(body);
    }
    write(all.toByteArray());
    return read();
  }

  /** Sends a request without extra header fields and reads the response. */
  public Resp send(String method, String target, byte @Nullable [] body) throws IOException {
    return send(method, target, Map.of(), body);
  }

  /** Sends a GET and reads the response. */
  public Resp get(String target) throws IOException {
    return send("GET", target, Map.of(), null);
  }

  /** POSTs this text as UTF-8 and reads the response. */
  public Resp post(String target, String json) throws IOException {
    return send("POST", target, Map.of(), json.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads one response (an interim 1xx response counts as one). */
  public Resp read() throws IOException {
    return read(false);
  }

  /** Reads the response to a HEAD request: its headers, never a body (RFC 9110 §9.3.2). */
  public Resp readHead() throws IOException {
    return read(true);
  }

  private Resp read(boolean head) throws IOException {
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
    if (head) {
      body = new byte[0];
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      body = readChunked();
    } else if (headers.containsKey("content-length")) {
      int n = Integer.parseInt(headers.get("content-length"));
      body = in.readNBytes(n);
      if (body.length != n) {
        throw new IOException(
            "connection closed after " + body.length + " of " + n + " body bytes");
      }
    } else if (code == 204 || code == 304 || (code >= 100 && code < 200)) {
      body = new byte[0];
    } else {
      body = in.readAllBytes(); // close-delimited
    }
    return new Resp(code, headers, body);
  }

  private byte[] readChunked() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (; ; ) {
      String sizeLine = line();
      int semi = sizeLine.indexOf(';');
      int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
      if (size == 0) {
        while (!line().isEmpty()) {
          // trailers
        }
        return b.toByteArray();
      }
      b.writeBytes(in.readNBytes(size));
      line();
    }
  }

  /**
   * Returns whether the server closed the connection: true on end of stream or a reset, false when
   * nothing arrives for 10 s (or a byte arrives).
   */
  public boolean isClosedByServer() throws IOException {
    socket.setSoTimeout(CLOSE_TIMEOUT_MILLIS);
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true; // reset
    }
  }

  /** Reads a line without its CRLF (or LF); throws at the end of the stream before any byte. */
  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (; ; ) {
      int c = in.read();
      if (c < 0) {
        if (b.size() == 0) {
          throw new EOFException("connection closed by the server");
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
