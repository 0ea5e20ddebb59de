package io.caracal.api;

import java.util.Objects;

/**
 * The one unchecked exception that carries an {@link InferenceError}; futures fail with it.
 * Expected rejections (bad input, full queue, deadline) are created without a stack trace.
 */
public final class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient InferenceError error;

  private InferenceException(InferenceError error, boolean withStackTrace) {
    super(error.message(), null, false, withStackTrace);
    this.error = error;
  }

  /** Returns a stackless exception for an expected rejection. */
  public static InferenceException of(InferenceError error) {
    return new InferenceException(Objects.requireNonNull(error, "error"), false);
  }

  /** Returns a stackless {@link InferenceError.InvalidInput}. */
  public static InferenceException invalid(String field, String message) {
    return of(new InferenceError.InvalidInput(field, message));
  }

  /** Returns an exception with a stack trace, for failures worth debugging. */
  public static InferenceException withStackTrace(InferenceError error) {
    return new InferenceException(Objects.requireNonNull(error, "error"), true);
  }

  /** Returns the error. */
  public InferenceError error() {
    return error;
  }
}
