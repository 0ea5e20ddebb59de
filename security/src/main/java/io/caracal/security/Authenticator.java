package io.caracal.security;

import io.caracal.api.InferenceException;
import io.caracal.core.auth.Principal;

/** Turns a bearer token into a principal. Thread-safe; must not block on the hot path. */
@FunctionalInterface
public interface Authenticator {

  /**
   * Returns the principal {@code token} stands for.
   *
   * @throws InferenceException {@code Unauthenticated} saying why (never repeating the token)
   */
  Principal authenticate(String token);
}
