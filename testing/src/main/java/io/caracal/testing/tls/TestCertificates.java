package io.caracal.testing.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Makes a test PKI at test time with BouncyCastle: CAs, server certificates for {@code localhost}
 * and {@code 127.0.0.1}, client certificates, any validity window. Keys are EC P-256 unless RSA is
 * asked for. Files are written as PEM, keys as unencrypted PKCS#8, as {@code openssl req -nodes}
 * writes them.
 *
 * <pre>{@code
 * TestCertificates.Ca ca = TestCertificates.ca("test CA");
 * TestCertificates.Issued server = ca.server("localhost");
 * server.write(dir.resolve("cert.pem"), dir.resolve("key.pem"));
 * SSLContext client = ca.trustingClient();
 * }</pre>
 */
public final class TestCertificates {
  private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime() & 0xffff_ffffL);
  private static final SecureRandom RANDOM = new SecureRandom();

  private TestCertificates() {}

  /** A new self-signed CA, valid from an hour ago for ten years, with an EC key. */
  public static Ca ca(String commonName) {
    KeyPair keys = keys(KeyKind.EC);
    X500Principal name = new X500Principal("CN=" + commonName);
    Instant now = Instant.now();
    X509Certificate cert =
        sign(
            name,
            name,
            keys.getPublic(),
            keys.getPrivate(),
            now.minus(Duration.ofHours(1)),
            now.plus(Duration.ofDays(3650)),
            true,
            List.of(),
            null);
    return new Ca(cert, keys.getPrivate());
  }

  /** The kind of a new key pair. */
  public enum KeyKind {
    /** EC P-256 (fast to make; ECDHE_ECDSA suites in TLS 1.2). */
    EC,
    /** RSA 2048 (ECDHE_RSA suites in TLS 1.2). */
    RSA
  }

  /** A CA: issues certificates. */
  public static final class Ca {
    private final X509Certificate cert;
    private final PrivateKey key;

    private Ca(X509Certificate cert, PrivateKey key) {
      this.cert = cert;
      this.key = key;
    }

    /** The CA's certificate. */
    public X509Certificate certificate() {
      return cert;
    }

    /**
     * A server certificate for {@code localhost} and 127.0.0.1, valid from an hour ago for a year.
     */
    public Issued server(String commonName) {
      Instant now = Instant.now();
      return server(
          commonName, KeyKind.EC, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)));
    }

    /** A server certificate for {@code localhost} and 127.0.0.1 with this key kind and window. */
    public Issued server(String commonName, KeyKind kind, Instant notBefore, Instant notAfter) {
      return issue(commonName, kind, notBefore, notAfter, KeyPurposeId.id_kp_serverAuth);
    }

    /** A client certificate, valid from an hour ago for a year. */
    public Issued client(String commonName) {
      Instant now = Instant.now();
      return client(commonName, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)));
    }

    /** A client certificate valid in this window (one in the past is expired). */
    public Issued client(String commonName, Instant notBefore, Instant notAfter) {
      return issue(commonName, KeyKind.EC, notBefore, notAfter, KeyPurposeId.id_kp_clientAuth);
    }

    private Issued issue(
        String commonName, KeyKind kind, Instant notBefore, Instant notAfter, KeyPurposeId use) {
      KeyPair keys = keys(kind);
      X509Certificate leaf =
          sign(
              new X500Principal("CN=" + commonName),
              cert.getSubjectX500Principal(),
              keys.getPublic(),
              key,
              notBefore,
              notAfter,
              false,
              use == KeyPurposeId.id_kp_serverAuth ? List.of("localhost", "127.0.0.1") : List.of(),
              use);
      return new Issued(List.of(leaf, cert), keys.getPrivate(), this);
    }

    /** Writes the CA certificate as PEM (the server's {@code --tls-client-ca-file}). */
    public void writeCertificate(Path file) {
      writeAtomically(file, pem(List.of(cert)));
    }

    /** A client context that trusts this CA and presents no certificate. */
    public SSLContext trustingClient() {
      return clientContext(this, null);
    }

    /** The trust managers of a client that trusts this CA. */
    public TrustManagerFactory trustManagers() {
      try {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", cert);
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return tmf;
      } catch (GeneralSecurityException | IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * An issued certificate: the chain (leaf, then its CA) and the leaf's private key.
   *
   * @param chain the leaf then the issuing CA
   * @param key the leaf's private key
   * @param issuer the CA that signed it
   */
  public record Issued(List<X509Certificate> chain, PrivateKey key, Ca issuer) {
    /** The leaf certificate. */
    public X509Certificate leaf() {
      return chain.get(0);
    }

    /**
     * Writes the chain and the key as PEM files; each file is replaced in one rename, as a
     * certificate manager rotates them.
     */
    public void write(Path certFile, Path keyFile) {
      writeAtomically(certFile, pem(chain));
      try {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
          pw.writeObject(new JcaPKCS8Generator(key, null));
        }
        writeAtomically(keyFile, w.toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** A client context that presents this certificate and trusts {@code serverCa}. */
    public SSLContext sslContext(Ca serverCa) {
      return clientContext(serverCa, this);
    }

    /**
     * A client key manager that always presents this certificate, even when the server asks for
     * another CA's (the JDK's own would then send none), so a test can show the server refuses it.
     */
    public X509ExtendedKeyManager keyManager() {
      X509Certificate[] certs = chain.toArray(new X509Certificate[0]);
      return new X509ExtendedKeyManager() {
        @Override
        public String chooseEngineClientAlias(
            String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
          return "me";
        }

        @Override
        public String chooseClientAlias(
            String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
          return "me";
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
          return new String[] {"me"};
        }

        @Override
        public String @Nullable [] getServerAliases(
            String keyType, java.security.Principal[] issuers) {
          return null;
        }

        @Override
        public @Nullable String chooseServerAlias(
            String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
          return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
          return certs.clone();
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
          return key;
        }
      };
    }
  }

  private static SSLContext clientContext(Ca trusted, @Nullable Issued identity) {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(
          identity == null ? null : new javax.net.ssl.KeyManager[] {identity.keyManager()},
          trusted.trustManagers().getTrustManagers(),
          RANDOM);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keys(KeyKind kind) {
    try {
      if (kind == KeyKind.RSA) {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, RANDOM);
        return g.generateKeyPair();
      }
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate sign(
      X500Principal subject,
      X500Principal issuer,
      java.security.PublicKey subjectKey,
      PrivateKey issuerKey,
      Instant notBefore,
      Instant notAfter,
      boolean ca,
      List<String> sans,
      @Nullable KeyPurposeId use) {
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuer,
              BigInteger.valueOf(SERIALS.incrementAndGet()),
              Date.from(notBefore),
              Date.from(notAfter),
              subject,
              subjectKey);
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(
          Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      if (ca) {
        b.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      } else {
        b.addExtension(
            Extension.keyUsage,
            true,
            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      }
      if (use != null) {
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(use));
      }
      if (!sans.isEmpty()) {
        List<GeneralName> names = new ArrayList<>();
        for (String san : sans) {
          names.add(
              Character.isDigit(san.charAt(0))
                  ? new GeneralName(
                      GeneralName.iPAddress,
                      new org.bouncycastle.asn1.DEROctetString(
                          InetAddress.getByName(san).getAddress()))
                  : new GeneralName(GeneralName.dNSName, san));
        }
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(names.toArray(new GeneralName[0])));
      }
      String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(List<X509Certificate> certs) {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      for (X509Certificate c : certs) {
        pw.writeObject(c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString();
  }

  private static void writeAtomically(Path file, String text) {
    try {
      Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".rotate", ".tmp");
      Files.writeString(tmp, text);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
