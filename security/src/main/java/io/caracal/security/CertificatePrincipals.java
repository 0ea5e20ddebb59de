package io.caracal.security;

import io.caracal.core.auth.Principal;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.jspecify.annotations.Nullable;

/**
 * Turns a verified TLS client certificate (mTLS) into a principal. The TLS layer has already
 * checked the chain against the client CA; this only names the holder.
 */
@FunctionalInterface
public interface CertificatePrincipals {

  /** Knows no certificate: a certificate alone authenticates nobody. */
  CertificatePrincipals NONE = c -> null;

  /** Returns the principal of {@code certificate}, or null when it names none. */
  @Nullable Principal of(X509Certificate certificate);

  /**
   * Looks the certificate's names up in {@code principals}: the subject's CN first, then its DNS,
   * e-mail and URI subject alternative names, in order.
   */
  static CertificatePrincipals byName(Function<String, @Nullable Principal> principals) {
    return c -> {
      for (String name : names(c)) {
        Principal p = principals.apply(name);
        if (p != null) {
          return p;
        }
      }
      return null;
    };
  }

  /** Returns the subject CN and the DNS (2), e-mail (1) and URI (6) alternative names. */
  static List<String> names(X509Certificate c) {
    List<String> out = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String cn) {
          out.add(cn);
        }
      }
    } catch (InvalidNameException e) {
      // no CN
    }
    try {
      Collection<List<?>> sans = c.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() == 2
              && san.get(0) instanceof Integer type
              && (type == 1 || type == 2 || type == 6)
              && san.get(1) instanceof String name) {
            out.add(name);
          }
        }
      }
    } catch (CertificateParsingException e) {
      // no alternative names
    }
    return out;
  }
}
