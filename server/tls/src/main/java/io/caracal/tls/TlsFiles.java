package io.caracal.tls;

import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a listener's TLS material lives: a PEM certificate chain (leaf first), its PEM PKCS#8
 * private key, and optionally a PEM file of the CA certificates that client certificates must chain
 * to.
 *
 * @param certFile the certificate chain, leaf first
 * @param keyFile the leaf's private key, PKCS#8 ({@code BEGIN PRIVATE KEY}), unencrypted
 * @param clientCaFile the CAs client certificates are checked against, or null for none
 * @param clientAuth whether clients must present a certificate; not {@code NONE} only with a client
 *     CA file
 */
public record TlsFiles(
    Path certFile, Path keyFile, @Nullable Path clientCaFile, ClientAuth clientAuth) {
  public TlsFiles {
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    Objects.requireNonNull(clientAuth, "clientAuth");
    if (clientAuth != ClientAuth.NONE && clientCaFile == null) {
      throw new IllegalArgumentException(
          "tls-client-auth " + clientAuth.flagValue() + " needs --tls-client-ca-file");
    }
  }

  /** Server authentication only: no client certificates. */
  public static TlsFiles serverOnly(Path certFile, Path keyFile) {
    return new TlsFiles(certFile, keyFile, null, ClientAuth.NONE);
  }
}
