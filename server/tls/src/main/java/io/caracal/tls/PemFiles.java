package io.caracal.tls;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM: certificates through the JDK's X.509 factory (which reads PEM itself), private keys in
 * PKCS#8. Errors name the file's role and what was wrong, never the key's bytes.
 */
final class PemFiles {
  private static final Pattern PRIVATE_KEY =
      Pattern.compile(
          "-----BEGIN ([A-Z ]*)PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1PRIVATE KEY-----");

  /** Key algorithms tried in turn on a PKCS#8 key. */
  private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "RSASSA-PSS");

  private PemFiles() {}

  /**
   * The certificates of a PEM file, in file order.
   *
   * @throws GeneralSecurityException when the file holds no certificate or a malformed one
   */
  static List<X509Certificate> certificates(byte[] pem, String role)
      throws GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    try {
      for (var c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem))) {
        out.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new CertificateException(
          role + ": not a PEM certificate file (" + e.getMessage() + ")");
    }
    if (out.isEmpty()) {
      throw new CertificateException(role + ": no certificate in the file");
    }
    return List.copyOf(out);
  }

  /**
   * The private key of a PEM file, PKCS#8 unencrypted ({@code BEGIN PRIVATE KEY}).
   *
   * @throws GeneralSecurityException when there is no such key, or another PEM key form
   */
  static PrivateKey privateKey(byte[] pem, String role) throws GeneralSecurityException {
    Matcher m = PRIVATE_KEY.matcher(new String(pem, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new InvalidKeySpecException(role + ": no PEM private key in the file");
    }
    String kind = m.group(1).trim();
    if (!kind.isEmpty()) {
      throw new InvalidKeySpecException(
          role
              + ": a '"
              + kind
              + " PRIVATE KEY' is not supported; convert it to unencrypted PKCS#8 with"
              + " 'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(2));
    } catch (IllegalArgumentException e) {
      throw new InvalidKeySpecException(role + ": the private key is not valid base64");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        // not this algorithm: try the next
      }
    }
    throw new InvalidKeySpecException(
        role + ": the private key is not an RSA, EC or Ed25519 PKCS#8 key");
  }
}
