package io.caracal.core.auth;

/** Told of every call refused by a rate limit (metrics count them). Thread-safe and cheap. */
@FunctionalInterface
public interface RateLimitListener {

  /** Counts nothing. */
  RateLimitListener NONE = (principal, model) -> {};

  /** A call of {@code principal} on {@code model} was refused by its rate limit. */
  void limited(String principal, String model);
}
