package io.caracal.tls;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One consistent set of TLS material: a certificate chain with the private key of its leaf, and the
 * client CAs (empty without mTLS). {@code generation} tells sets apart: a handshake that chose a
 * set's alias gets that set's chain and key even if a reload happened in between.
 *
 * @param chain the certificate chain, leaf first
 * @param key the leaf's private key
 * @param clientCas the CAs client certificates must chain to
 * @param generation 1 for the first set loaded, one more for each reload
 */
record TlsMaterial(
    List<X509Certificate> chain, PrivateKey key, List<X509Certificate> clientCas, long generation) {

  TlsMaterial {
    chain = List.copyOf(chain);
    clientCas = List.copyOf(clientCas);
  }

  /** The alias the key manager gives this set. */
  String alias() {
    return "caracal-" + generation;
  }

  X509Certificate leaf() {
    return chain.get(0);
  }

  /**
   * Parses and checks a set: the key must belong to the leaf certificate (a rotation that has
   * replaced the certificate but not yet the key is refused, and the previous set stays).
   */
  static TlsMaterial parse(
      byte[] certPem, byte[] keyPem, byte[] clientCaPem, boolean hasClientCa, long generation)
      throws GeneralSecurityException {
    List<X509Certificate> chain = PemFiles.certificates(certPem, "tls-cert-file");
    PrivateKey key = PemFiles.privateKey(keyPem, "tls-key-file");
    checkPair(chain.get(0), key);
    List<X509Certificate> cas =
        hasClientCa ? PemFiles.certificates(clientCaPem, "tls-client-ca-file") : List.of();
    return new TlsMaterial(chain, key, cas, generation);
  }

  /** Signs a challenge with the key and verifies it with the certificate's public key. */
  private static void checkPair(X509Certificate leaf, PrivateKey key)
      throws GeneralSecurityException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "EdDSA", "Ed25519" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return; // RSASSA-PSS: parameters vary; the handshake itself will tell
    }
    byte[] challenge = "caracal key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(challenge);
      matches = verifier.verify(signature);
    } catch (InvalidKeyException e) {
      matches = false; // e.g. an EC key with an RSA certificate
    }
    if (!matches) {
      throw new InvalidKeyException(
          "tls-key-file does not belong to the certificate of tls-cert-file ("
              + leaf.getSubjectX500Principal().getName()
              + ")");
    }
  }
}
