package io.caracal.security;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import org.jspecify.annotations.Nullable;

/** Combines the configured authenticators: a JWT-shaped token goes to the JWT verifier. */
public final class Authenticators {
  private Authenticators() {}

  /**
   * Returns the authenticator of a server with a tokens file, a JWT verifier, both or neither (then
   * null: authentication is off).
   */
  public static @Nullable Authenticator of(
      @Nullable Authenticator tokens, @Nullable Authenticator jwt) {
    if (tokens == null) {
      return jwt;
    }
    if (jwt == null) {
      return tokens;
    }
    return token ->
        BearerToken.looksLikeJwt(token) ? jwt.authenticate(token) : tokens.authenticate(token);
  }

  /** An authenticator that knows no token (a server whose every principal comes from mTLS). */
  public static Authenticator none() {
    return token -> {
      throw InferenceException.of(new InferenceError.Unauthenticated("invalid bearer token"));
    };
  }
}
