package io.caracal.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Checks client certificates against the current client CAs: each handshake asks the delegate of
 * that moment (the JDK's PKIX trust manager over the CAs last loaded), so a reload of the CA file
 * applies to the next handshake. Expired, not-yet-valid and foreign certificates are refused by the
 * delegate.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
  private final Supplier<X509ExtendedTrustManager> delegate;

  ReloadingTrustManager(Supplier<X509ExtendedTrustManager> delegate) {
    this.delegate = delegate;
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    delegate.get().checkClientTrusted(chain, authType, engine);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    delegate.get().checkClientTrusted(chain, authType, socket);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    delegate.get().checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("a server trust manager checks clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("a server trust manager checks clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a server trust manager checks clients only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.get().getAcceptedIssuers();
  }
}
