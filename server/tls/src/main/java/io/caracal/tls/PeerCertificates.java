package io.caracal.tls;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;

/**
 * The client certificate a TLS session verified (mTLS), looked up once per session and kept in the
 * session itself ({@link SSLSession#putValue}). The transports ask for it on every request; asking
 * the session each time would throw and catch an exception per request whenever the client sent no
 * certificate (what {@link SSLSession#getPeerCertificates} does on both the JDK's and OpenSSL's
 * engines), which is most TLS traffic. (Once compiled the difference did not show in
 * bench/secure-test.sh.) A session's peer never changes; a connection that negotiates again gets a
 * new session.
 */
public final class PeerCertificates {
  private static final String KEY = PeerCertificates.class.getName();

  /** What a session's lookup found: a certificate or none. */
  private record Peer(@Nullable X509Certificate certificate) {}

  private PeerCertificates() {}

  /** Returns the verified client certificate of {@code session}, or null: no session, or none. */
  public static @Nullable X509Certificate of(@Nullable SSLSession session) {
    if (session == null) {
      return null;
    }
    if (session.getValue(KEY) instanceof Peer known) {
      return known.certificate();
    }
    X509Certificate found = lookUp(session);
    session.putValue(KEY, new Peer(found));
    return found;
  }

  private static @Nullable X509Certificate lookUp(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }
}
