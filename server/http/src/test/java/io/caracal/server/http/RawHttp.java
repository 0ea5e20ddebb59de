package io.caracal.server.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A minimal HTTP/1.1 client over one socket, so tests control every byte and reuse a connection. */
final class RawHttp implements Closeable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  record Resp(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  RawHttp(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(10_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  void write(byte[] raw) throws IOException {
    out.write(raw);
    out.flush();
  }

  void write(String raw) throws IOException {
    write(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  Resp send(String method, String target, Map<String, String> headers, byte[] body) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
    boolean chunked = false;
    for (Map.Entry<String, String> h : headers.entrySet()) {
      sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
      chunked |= h.getKey().equalsIgnoreCase("Transfer-Encoding");
    }
    if (!chunked && body != null) {
      sb.append("Content-Length: ").append(body.length).append("\r\n");
    }
    sb.append("\r\n");
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
    if (body != null) {
      b.writeBytes(body);
    }
    write(b.toByteArray());
    return read();
  }

  Resp get(String target) throws IOException {
    return send("GET", target, Map.of(), null);
  }

  Resp post(String target, String json) throws IOException {
    return send("POST", target, Map.of(), json.getBytes(StandardCharsets.UTF_8));
  }

  Resp read() throws IOException {
    String status = line();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    int code = Integer.parseInt(status.split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    String l;
    while ((l = line()) != null && !l.isEmpty()) {
      int c = l.indexOf(':');
      headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
    }
    int len = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(len);
    if (body.length != len) {
      throw new IOException("short body");
    }
    return new Resp(code, headers, body);
  }

  /** Returns whether the server closed the connection (EOF within the timeout). */
  boolean isClosedByServer() throws IOException {
    try {
      socket.setSoTimeout(5000);
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        byte[] a = b.toByteArray();
        int n = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
        return new String(a, 0, n, StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
