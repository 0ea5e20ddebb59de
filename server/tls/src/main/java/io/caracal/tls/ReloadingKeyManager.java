package io.caracal.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jspecify.annotations.Nullable;

/**
 * A server key manager over the current {@link TlsMaterial}: each handshake reads the set at that
 * moment, so a reload takes effect for the next handshake and never for one already done. The alias
 * names the set's generation; the chain and key are looked up by it, so a handshake that chose its
 * alias just before a reload still gets a matching chain and key (the previous set is kept).
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private final Supplier<TlsMaterial[]> sets; // [current, previous or null]

  ReloadingKeyManager(Supplier<TlsMaterial[]> sets) {
    this.sets = sets;
  }

  private @Nullable String alias(String keyType) {
    TlsMaterial current = sets.get()[0];
    return matches(current, keyType) ? current.alias() : null;
  }

  private static boolean matches(TlsMaterial m, String keyType) {
    String algorithm = m.key().getAlgorithm();
    return keyType.equals(algorithm)
        || (keyType.equals("EdDSA") && algorithm.equals("Ed25519"))
        || (keyType.equals("Ed25519") && algorithm.equals("EdDSA"));
  }

  private @Nullable TlsMaterial find(@Nullable String alias) {
    for (TlsMaterial m : sets.get()) {
      if (m != null && m.alias().equals(alias)) {
        return m;
      }
    }
    return null;
  }

  @Override
  public @Nullable String chooseEngineServerAlias(
      String keyType, Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public @Nullable String chooseServerAlias(
      String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    return alias(keyType);
  }

  @Override
  public X509Certificate @Nullable [] getCertificateChain(@Nullable String alias) {
    TlsMaterial m = find(alias);
    return m == null ? null : m.chain().toArray(new X509Certificate[0]);
  }

  @Override
  public @Nullable PrivateKey getPrivateKey(@Nullable String alias) {
    TlsMaterial m = find(alias);
    return m == null ? null : m.key();
  }

  @Override
  public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
    String a = alias(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
    return null; // a server key manager
  }

  @Override
  public @Nullable String chooseClientAlias(
      String[] keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    return null;
  }
}
