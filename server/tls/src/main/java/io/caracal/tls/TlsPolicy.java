package io.caracal.tls;

import java.util.List;

/**
 * The one protocol and cipher policy of every listener: TLS 1.3 and 1.2 only; in TLS 1.2 only ECDHE
 * key exchange (forward secrecy) with AEAD ciphers (AES-GCM, ChaCha20-Poly1305). Nothing with CBC,
 * RSA key exchange, SHA-1 MACs or static DH is offered, so a TLS 1.0/1.1 client or one that offers
 * only weak suites fails the handshake. The same list as grpc-java's HTTP/2 suites plus the TLS 1.3
 * ones, in the JDK's names (Netty maps them for OpenSSL).
 */
public final class TlsPolicy {
  /** The protocols offered, newest first. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** The cipher suites offered, in order of preference. */
  public static final List<String> CIPHERS =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** ALPN id of HTTP/2, the only protocol the gRPC listeners speak. */
  public static final String ALPN_H2 = "h2";

  /** ALPN id of HTTP/1.1, the only protocol the REST and metrics listeners speak. */
  public static final String ALPN_HTTP_1_1 = "http/1.1";

  private TlsPolicy() {}
}
