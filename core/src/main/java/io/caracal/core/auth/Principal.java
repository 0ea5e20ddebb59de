package io.caracal.core.auth;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * An authenticated caller.
 *
 * @param name the name the audit log and metrics use (a tokens-file entry's name, a JWT's {@code
 *     sub}, a certificate's subject); never a secret
 * @param roles the roles it has
 * @param models the models its {@link Role#INFER} role covers
 * @param ratePerSecond its inference rate per model, calls per second; 0 = the server's default
 * @param source how it was authenticated: {@code token}, {@code jwt}, {@code certificate}, or
 *     {@code anonymous} when authentication is off
 */
public record Principal(
    String name, Set<Role> roles, ModelPatterns models, double ratePerSecond, String source) {

  /** The caller of a server without authentication: every role, every model. */
  public static final Principal ANONYMOUS =
      new Principal("anonymous", EnumSet.allOf(Role.class), ModelPatterns.ALL, 0, "anonymous");

  public Principal {
    Objects.requireNonNull(name, "name");
    roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
    Objects.requireNonNull(models, "models");
    Objects.requireNonNull(source, "source");
    if (!(ratePerSecond >= 0)) {
      throw new IllegalArgumentException("ratePerSecond must be >= 0: " + ratePerSecond);
    }
  }

  /** Returns whether this principal is the anonymous caller of a server without authentication. */
  public boolean isAnonymous() {
    return source.equals("anonymous");
  }
}
