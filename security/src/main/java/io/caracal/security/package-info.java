/**
 * Core's {@link io.caracal.core.auth.AccessControl} implemented ({@link
 * io.caracal.security.Gatekeeper}): principals from a tokens file ({@link
 * io.caracal.security.TokenFile}) and from JWTs ({@link io.caracal.security.JwtAuthenticator}),
 * Triton's restricted API categories ({@link io.caracal.security.Restrictions}), per-principal rate
 * limits ({@link io.caracal.security.RateLimits}). {@code docs/design.md} ("Authentication and
 * roles") and {@code SECURITY.md} describe the model.
 */
@NullMarked
package io.caracal.security;

import org.jspecify.annotations.NullMarked;
