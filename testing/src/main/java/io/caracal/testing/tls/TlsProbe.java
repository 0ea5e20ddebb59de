package io.caracal.testing.tls;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;

/**
 * Sends one hand-made TLS ClientHello with the protocol version and cipher suites a test chooses,
 * and reads what the server answers first: a ServerHello, an alert, or nothing. It speaks versions
 * and suites that the JDK's own client refuses to offer (TLS 1.1, CBC suites), so a test can show
 * the server refuses them, not the client.
 */
public final class TlsProbe {
  /** TLS 1.1 on the wire. */
  public static final int TLS_1_1 = 0x0302;

  /** TLS 1.2 on the wire. */
  public static final int TLS_1_2 = 0x0303;

  /** TLS_RSA_WITH_AES_128_CBC_SHA: RSA key exchange, CBC, SHA-1 MAC. */
  public static final int RSA_AES_128_CBC_SHA = 0x002F;

  /** TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: CBC with SHA-1. */
  public static final int ECDHE_RSA_AES_128_CBC_SHA = 0xC013;

  /** TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: CBC with SHA-1. */
  public static final int ECDHE_ECDSA_AES_128_CBC_SHA = 0xC009;

  /** TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: ECDHE + AEAD. */
  public static final int ECDHE_ECDSA_AES_128_GCM_SHA256 = 0xC02B;

  /** TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: ECDHE + AEAD. */
  public static final int ECDHE_RSA_AES_128_GCM_SHA256 = 0xC02F;

  private TlsProbe() {}

  /**
   * What the server sent first.
   *
   * @param contentType 22 (handshake: a ServerHello), 21 (alert), or -1 (closed without a word)
   * @param alert the alert description when {@code contentType} is 21 (40 handshake_failure, 70
   *     protocol_version), else -1
   */
  public record Answer(int contentType, int alert) {
    /** Whether the server went on with the handshake. */
    public boolean serverHello() {
      return contentType == 22;
    }
  }

  /** Sends a ClientHello of {@code version} offering {@code suites}; returns the first answer. */
  public static Answer hello(InetSocketAddress server, int version, int... suites)
      throws IOException {
    try (Socket s = new Socket(server.getAddress(), server.getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(clientHello(version, suites));
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      int type;
      try {
        type = in.readUnsignedByte();
        in.readUnsignedShort(); // record version
        in.readUnsignedShort(); // length
        if (type == 21) {
          in.readUnsignedByte(); // level
          return new Answer(21, in.readUnsignedByte());
        }
      } catch (EOFException | java.net.SocketException e) {
        return new Answer(-1, -1);
      }
      return new Answer(type, -1);
    }
  }

  private static byte[] clientHello(int version, int[] suites) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    u16(body, version);
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    body.writeBytes(random);
    body.write(0); // no session id
    u16(body, suites.length * 2);
    for (int s : suites) {
      u16(body, s);
    }
    body.write(1); // one compression method: null
    body.write(0);
    ByteArrayOutputStream ext = new ByteArrayOutputStream();
    extension(ext, 0x000a, new int[] {0x001d, 0x0017}); // supported_groups: x25519, secp256r1
    ext.writeBytes(new byte[] {0x00, 0x0b, 0x00, 0x02, 0x01, 0x00}); // ec_point_formats
    extension(ext, 0x000d, new int[] {0x0403, 0x0804, 0x0401}); // signature_algorithms
    ext.writeBytes(new byte[] {(byte) 0xff, 0x01, 0x00, 0x01, 0x00}); // renegotiation_info
    u16(body, ext.size());
    body.writeBytes(ext.toByteArray());
    ByteArrayOutputStream hs = new ByteArrayOutputStream();
    hs.write(1); // client_hello
    u24(hs, body.size());
    hs.writeBytes(body.toByteArray());
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    record.write(22);
    u16(record, 0x0301); // record layer version, as clients send
    u16(record, hs.size());
    record.writeBytes(hs.toByteArray());
    return record.toByteArray();
  }

  /** An extension whose body is a u16-length list of u16 values. */
  private static void extension(ByteArrayOutputStream out, int type, int[] values) {
    u16(out, type);
    u16(out, 2 + values.length * 2);
    u16(out, values.length * 2);
    for (int v : values) {
      u16(out, v);
    }
  }

  private static void u16(ByteArrayOutputStream out, int v) {
    out.write(v >>> 8);
    out.write(v & 0xff);
  }

  private static void u24(ByteArrayOutputStream out, int v) {
    out.write(v >>> 16);
    out.write((v >>> 8) & 0xff);
    out.write(v & 0xff);
  }
}
