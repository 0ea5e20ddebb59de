package io.caracal.tls;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's TLS credentials, read from {@link TlsFiles} and reloaded by {@link
 * #reloadIfChanged()} when the files' contents change. The {@link #keyManager()} and {@link
 * #trustManager()} read the current set at each handshake, so an {@code SslContext} built once over
 * them serves the new certificate to new connections after a reload, while connections already
 * established keep theirs. Whoever owns the credentials calls {@link #reloadIfChanged()} on a
 * schedule (the app, every {@code --tls-reload-secs}); tests call it directly. Thread-safe.
 *
 * <p>A reload that fails (a file missing or half-written, a key that does not match the
 * certificate) keeps the previous set, logs one warning per bad content, and is retried at the next
 * call. Contents are compared, not modification times, so two rotations within one second are both
 * seen.
 */
public final class TlsCredentials {
  private static final Logger log = LoggerFactory.getLogger(TlsCredentials.class);

  private final TlsFiles files;
  private final ReloadingKeyManager keyManager;
  private final @Nullable ReloadingTrustManager trustManager;

  /** Current and previous material, swapped together (one volatile write). */
  private volatile State state;

  private final Object reloadLock = new Object();

  @GuardedBy("reloadLock")
  private byte @Nullable [] failedDigest;

  private record State(
      TlsMaterial current,
      @Nullable TlsMaterial previous,
      @Nullable X509ExtendedTrustManager trust,
      byte[] digest) {}

  private TlsCredentials(TlsFiles files, State initial) {
    this.files = files;
    this.state = initial;
    this.keyManager =
        new ReloadingKeyManager(() -> new TlsMaterial[] {state.current, state.previous});
    this.trustManager =
        files.clientCaFile() == null
            ? null
            : new ReloadingTrustManager(() -> Objects.requireNonNull(state.trust));
  }

  /**
   * Reads the files once.
   *
   * @throws IOException naming the file and the problem when a file cannot be read, is not PEM of
   *     the expected kind, or the key does not belong to the certificate
   */
  public static TlsCredentials load(TlsFiles files) throws IOException {
    Contents c = Contents.read(files);
    try {
      return new TlsCredentials(files, c.parse(1));
    } catch (GeneralSecurityException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** The files these credentials come from. */
  public TlsFiles files() {
    return files;
  }

  /** Whether and how clients are asked for a certificate. */
  public ClientAuth clientAuth() {
    return files.clientAuth();
  }

  /** The key manager every handshake asks for the current certificate chain and key. */
  public KeyManager keyManager() {
    return keyManager;
  }

  /** The trust manager for client certificates, or null without a client CA file. */
  public @Nullable TrustManager trustManager() {
    return trustManager;
  }

  /** The leaf certificate served now. */
  public X509Certificate certificate() {
    return state.current.leaf();
  }

  /** How many sets were loaded: 1 after {@link #load}, one more per successful reload. */
  public long generation() {
    return state.current.generation();
  }

  /** One line about the certificate served now: subject, serial and expiry. */
  public String describe() {
    X509Certificate leaf = certificate();
    return leaf.getSubjectX500Principal().getName()
        + ", serial "
        + leaf.getSerialNumber().toString(16)
        + ", expires "
        + DateTimeFormatter.ISO_INSTANT.format(leaf.getNotAfter().toInstant());
  }

  /**
   * Reads the files and, when their contents changed and parse, makes them the set that new
   * handshakes use.
   *
   * @return true when a new set was loaded
   */
  public boolean reloadIfChanged() {
    synchronized (reloadLock) {
      Contents c;
      try {
        c = Contents.read(files);
      } catch (IOException e) {
        log.warn("TLS files not reloaded, the current certificate stays: {}", e.getMessage());
        return false;
      }
      State s = state;
      if (Arrays.equals(c.digest, s.digest) || Arrays.equals(c.digest, failedDigest)) {
        return false;
      }
      State next;
      try {
        next = c.parse(s.current.generation() + 1);
      } catch (GeneralSecurityException e) {
        failedDigest = c.digest;
        log.warn(
            "TLS files changed but were not reloaded, the current certificate stays: {}",
            e.getMessage());
        return false;
      }
      failedDigest = null;
      state = new State(next.current, s.current, next.trust, next.digest);
      log.info("TLS certificate reloaded: {}", describe());
      return true;
    }
  }

  /** The bytes of the files and their digest. */
  private record Contents(byte[] cert, byte[] key, byte[] clientCa, boolean hasCa, byte[] digest) {
    static Contents read(TlsFiles f) throws IOException {
      byte[] cert = readRole(f.certFile(), "tls-cert-file");
      byte[] key = readRole(f.keyFile(), "tls-key-file");
      Path ca = f.clientCaFile();
      byte[] clientCa = ca == null ? new byte[0] : readRole(ca, "tls-client-ca-file");
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e); // every JDK has SHA-256
      }
      for (byte[] part : new byte[][] {cert, key, clientCa}) {
        sha.update(java.nio.ByteBuffer.allocate(4).putInt(part.length).array());
        sha.update(part);
      }
      return new Contents(cert, key, clientCa, ca != null, sha.digest());
    }

    private static byte[] readRole(Path p, String role) throws IOException {
      try {
        return Files.readAllBytes(p);
      } catch (IOException e) {
        throw new IOException(role + ": cannot read " + p + " (" + e + ")", e);
      }
    }

    State parse(long generation) throws GeneralSecurityException {
      TlsMaterial m = TlsMaterial.parse(cert, key, clientCa, hasCa, generation);
      return new State(m, null, hasCa ? trustManagerOver(m) : null, digest);
    }

    private static X509ExtendedTrustManager trustManagerOver(TlsMaterial m)
        throws GeneralSecurityException {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      try {
        store.load(null, null);
      } catch (IOException e) {
        throw new GeneralSecurityException(e); // an empty store reads nothing
      }
      int i = 0;
      for (X509Certificate ca : m.clientCas()) {
        store.setCertificateEntry("client-ca-" + i++, ca);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(store);
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new GeneralSecurityException("no X.509 trust manager in the JDK");
    }
  }
}
