package io.caracal.server.http;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one mapping from {@link InferenceError} to an HTTP status and a KServe V2 {@code {"error":
 * message}} body. Anything that is not an {@link InferenceException} becomes 500 {@code internal
 * error}; the caller logs it once.
 */
public final class HttpErrors {

  /** The client message of an unexpected failure. */
  public static final String INTERNAL_MESSAGE = "internal error";

  /**
   * A mapped error.
   *
   * @param status the HTTP status
   * @param message the message for the {@code error} member
   * @param retryAfterSeconds a {@code Retry-After} value, or 0 for none
   * @param unexpected whether this was not an {@link InferenceException} (log it)
   */
  public record Mapped(HttpResponseStatus status, String message, int retryAfterSeconds, boolean unexpected) {}

  private HttpErrors() {}

  /** Maps an error; {@code ModelNotFound} is 404 when the request named a version, else 400 (Triton). */
  public static Mapped map(InferenceError e) {
    HttpResponseStatus status =
        switch (e) {
          case InferenceError.ModelNotFound nf ->
              nf.version().isPresent() ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.BAD_REQUEST;
          case InferenceError.ModelNotReady r -> HttpResponseStatus.SERVICE_UNAVAILABLE;
          case InferenceError.InvalidInput i -> HttpResponseStatus.BAD_REQUEST;
          case InferenceError.RequestTooLarge t -> HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
          case InferenceError.QueueFull q -> HttpResponseStatus.SERVICE_UNAVAILABLE;
          case InferenceError.DeadlineExceeded d -> HttpResponseStatus.GATEWAY_TIMEOUT;
          case InferenceError.Cancelled c -> HttpResponseStatus.BAD_REQUEST;
          case InferenceError.BackendFailure b -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
          case InferenceError.Unsupported u -> HttpResponseStatus.NOT_IMPLEMENTED;
          case InferenceError.ShuttingDown s -> HttpResponseStatus.SERVICE_UNAVAILABLE;
          case InferenceError.Internal i -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
        };
    int retryAfter = e instanceof InferenceError.QueueFull ? 1 : 0;
    return new Mapped(status, e.message(), retryAfter, false);
  }

  /** Maps any failure, unwrapping the wrappers futures add. */
  public static Mapped map(Throwable t) {
    Throwable c = unwrap(t);
    if (c instanceof InferenceException ie) {
      return map(ie.error());
    }
    return new Mapped(HttpResponseStatus.INTERNAL_SERVER_ERROR, INTERNAL_MESSAGE, 0, true);
  }

  /** Strips {@link CompletionException} and {@link ExecutionException} wrappers. */
  public static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
