package io.caracal.core.auth;

import io.caracal.api.InferenceException;
import org.jspecify.annotations.Nullable;

/**
 * The one check a transport makes before it hands a call to the service chain: authenticate the
 * caller, check the operation's role, the model limits of the principal and any restriction of the
 * operation's API category, and take one call from the principal's rate for the model. A refused
 * call never reaches a counter, a cache or a model. Thread-safe; called on I/O threads, so it never
 * blocks.
 */
public interface AccessControl {

  /** Admits every call as {@link Principal#ANONYMOUS} and records nothing. */
  AccessControl OPEN = (operation, model, caller) -> Grant.OPEN;

  /**
   * Admits or refuses a call.
   *
   * @param operation what the call does
   * @param model the model the call names, or null when it names none (or not yet: a gRPC call's
   *     model is in its message, so the transport checks again with the model once it has it)
   * @param caller the call's credentials
   * @return the grant, whose {@link Grant#finished} the transport calls once it answered
   * @throws InferenceException {@code Unauthenticated}, {@code PermissionDenied} or {@code
   *     RateLimited}
   */
  Grant check(Operation operation, @Nullable String model, Caller caller);
}
