package io.caracal.api;

import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * The one unchecked exception that carries an {@link InferenceError}; futures fail with it.
 * Expected rejections (bad input, full queue, deadline) are created without a stack trace; the
 * unexpected ones ({@link #internal}, {@link #backendFailure}) keep the original failure as their
 * cause, for the one log line at the edge that names their correlation id.
 */
public final class InferenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient InferenceError error;

  private InferenceException(
      InferenceError error, @Nullable Throwable cause, boolean withStackTrace) {
    super(error.message(), cause, false, withStackTrace);
    this.error = error;
  }

  /** Returns a stackless exception for an expected rejection. */
  public static InferenceException of(InferenceError error) {
    return new InferenceException(Objects.requireNonNull(error, "error"), null, false);
  }

  /** Returns a stackless {@link InferenceError.InvalidInput}. */
  public static InferenceException invalid(String field, String message) {
    return of(new InferenceError.InvalidInput(field, message));
  }

  /** Returns an exception with a stack trace, for failures worth debugging. */
  public static InferenceException withStackTrace(InferenceError error) {
    return new InferenceException(Objects.requireNonNull(error, "error"), null, true);
  }

  /**
   * Returns an {@link InferenceError.Internal} with a new correlation id, {@code cause} kept for
   * the log.
   */
  public static InferenceException internal(Throwable cause) {
    return new InferenceException(
        new InferenceError.Internal(newCorrelationId()),
        Objects.requireNonNull(cause, "cause"),
        true);
  }

  /**
   * Returns an {@link InferenceError.BackendFailure} of {@code model} with a new correlation id,
   * {@code cause} (the backend's own failure) kept for the log.
   */
  public static InferenceException backendFailure(String model, Throwable cause) {
    return new InferenceException(
        new InferenceError.BackendFailure(model, newCorrelationId()),
        Objects.requireNonNull(cause, "cause"),
        false);
  }

  /**
   * Returns the {@link InferenceException} behind any failure: {@code t} itself (unwrapped from
   * {@link CompletionException} and {@link ExecutionException}), or, for anything else, a new
   * {@link #internal} one caused by it.
   */
  public static InferenceException from(Throwable t) {
    Throwable c = unwrap(t);
    return c instanceof InferenceException ie ? ie : internal(c);
  }

  /** Strips the {@link CompletionException} and {@link ExecutionException} wrappers futures add. */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }

  /** Returns whether this error is unexpected, so its cause belongs in the log. */
  public boolean isUnexpected() {
    return error instanceof InferenceError.Internal
        || error instanceof InferenceError.BackendFailure;
  }

  /** Returns the correlation id of an unexpected error, or empty. */
  public String correlationId() {
    return switch (error) {
      case InferenceError.Internal i -> i.correlationId();
      case InferenceError.BackendFailure b -> b.correlationId();
      default -> "";
    };
  }

  /** Returns the error. */
  public InferenceError error() {
    return error;
  }

  private static String newCorrelationId() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
  }
}
