package io.caracal.app;

import io.caracal.tls.ClientAuth;
import io.caracal.tls.TlsFiles;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The TLS settings of {@code caracal serve}: the main listeners' certificate, key and client CA
 * (HTTP, gRPC, TF Serving REST and gRPC), the metrics listener's own, and the reload period.
 * Checked at once: a certificate without its key, a client CA without a certificate, or client
 * authentication without a client CA is an error naming the options.
 *
 * @param certFile {@code --tls-cert-file}; empty = plaintext
 * @param keyFile {@code --tls-key-file}
 * @param clientCaFile {@code --tls-client-ca-file}; empty = no client certificates
 * @param clientAuth {@code --tls-client-auth}; {@code require} by default with a client CA, else
 *     {@code none}
 * @param reloadSecs {@code --tls-reload-secs}: seconds between two reads of the files; 0 = never
 * @param metricsCertFile {@code --metrics-tls-cert-file}; empty = the main certificate
 * @param metricsKeyFile {@code --metrics-tls-key-file}
 * @param metricsTls {@code --metrics-tls}: false serves metrics in plaintext even when a
 *     certificate is configured
 */
public record TlsSettings(
    String certFile,
    String keyFile,
    String clientCaFile,
    ClientAuth clientAuth,
    int reloadSecs,
    String metricsCertFile,
    String metricsKeyFile,
    boolean metricsTls) {

  public TlsSettings {
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    Objects.requireNonNull(clientCaFile, "clientCaFile");
    Objects.requireNonNull(clientAuth, "clientAuth");
    Objects.requireNonNull(metricsCertFile, "metricsCertFile");
    Objects.requireNonNull(metricsKeyFile, "metricsKeyFile");
    pair(certFile, keyFile, "tls-cert-file", "tls-key-file");
    pair(metricsCertFile, metricsKeyFile, "metrics-tls-cert-file", "metrics-tls-key-file");
    if (!clientCaFile.isEmpty() && certFile.isEmpty()) {
      throw new IllegalArgumentException("tls-client-ca-file needs tls-cert-file and tls-key-file");
    }
    if (clientAuth != ClientAuth.NONE && clientCaFile.isEmpty()) {
      throw new IllegalArgumentException(
          "tls-client-auth " + clientAuth.flagValue() + " needs tls-client-ca-file");
    }
    if (reloadSecs < 0 || reloadSecs > 86400) {
      throw new IllegalArgumentException("tls-reload-secs must be 0..86400, got " + reloadSecs);
    }
  }

  private static void pair(String cert, String key, String certName, String keyName) {
    if (cert.isEmpty() != key.isEmpty()) {
      throw new IllegalArgumentException(
          certName + " and " + keyName + " go together: set both or neither");
    }
  }

  /**
   * Reads {@code --tls-client-auth}: empty means {@code require} when a client CA is set, {@code
   * none} otherwise.
   */
  static ClientAuth clientAuth(String flag, String clientCaFile) {
    if (flag.isBlank()) {
      return clientCaFile.isEmpty() ? ClientAuth.NONE : ClientAuth.REQUIRE;
    }
    return ClientAuth.parse(flag);
  }

  /** The main listeners' files, empty for plaintext. */
  public Optional<TlsFiles> main() {
    if (certFile.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new TlsFiles(
            Path.of(certFile),
            Path.of(keyFile),
            clientCaFile.isEmpty() ? null : Path.of(clientCaFile),
            clientAuth));
  }

  /**
   * The metrics listener's files: its own certificate if set, else the main one (without client
   * authentication: scrapers rarely hold client certificates), empty for plaintext.
   */
  public Optional<TlsFiles> metrics() {
    if (!metricsTls) {
      return Optional.empty();
    }
    if (!metricsCertFile.isEmpty()) {
      return Optional.of(TlsFiles.serverOnly(Path.of(metricsCertFile), Path.of(metricsKeyFile)));
    }
    return main().map(m -> TlsFiles.serverOnly(m.certFile(), m.keyFile()));
  }
}
