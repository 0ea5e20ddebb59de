package io.caracal.server.http;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the HTTP transport chooses a status: core's {@link InferenceError} and the
 * transport's own {@link HttpProblem}, each by an exhaustive switch, and anything else as {@code
 * 500 internal error} under a new correlation id. An unexpected failure (an {@code Internal} or
 * {@code BackendFailure}, or a throwable that is neither) is logged here, once, with the request
 * id, the correlation id the client sees, and the cause. Stateless.
 */
final class HttpErrors {
  private static final Logger log = LoggerFactory.getLogger(HttpErrors.class);

  /**
   * A mapped failure.
   *
   * @param status the HTTP status
   * @param message the message for the {@code error} member
   * @param retryAfterSeconds a {@code Retry-After} value, or 0 for none
   */
  /**
   * How a failure is answered.
   *
   * @param kind what failed, for logs and metrics: the simple name of the {@link InferenceError} or
   *     {@link HttpProblem} (a closed set)
   * @param challenge the {@code WWW-Authenticate} value of a 401, else empty
   */
  record Mapped(
      HttpResponseStatus status,
      String message,
      int retryAfterSeconds,
      String kind,
      String challenge) {

    Mapped(HttpResponseStatus status, String message, int retryAfterSeconds, String kind) {
      this(status, message, retryAfterSeconds, kind, "");
    }
  }

  /** The {@code WWW-Authenticate} challenge of a 401 (RFC 6750 §3). */
  static final String BEARER_CHALLENGE = "Bearer realm=\"caracal\"";

  private HttpErrors() {}

  /**
   * Maps a core error. An unknown model is 400 and an unknown version of it 404, as Triton's HTTP
   * endpoint answers them.
   */
  static Mapped map(InferenceError e) {
    HttpResponseStatus status =
        switch (e) {
          case InferenceError.ModelNotFound nf ->
              nf.namesVersion() ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.BAD_REQUEST;
          case InferenceError.ModelNotReady r -> HttpResponseStatus.SERVICE_UNAVAILABLE;
          case InferenceError.InvalidInput i -> HttpResponseStatus.BAD_REQUEST;
          case InferenceError.RequestTooLarge t -> HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
          case InferenceError.QueueFull q -> HttpResponseStatus.SERVICE_UNAVAILABLE;
          case InferenceError.TooManyCalls c -> HttpResponseStatus.SERVICE_UNAVAILABLE;
          case InferenceError.DeadlineExceeded d -> HttpResponseStatus.GATEWAY_TIMEOUT;
          case InferenceError.Cancelled c -> HttpResponseStatus.BAD_REQUEST;
          case InferenceError.BackendFailure b -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
          case InferenceError.Unsupported u -> HttpResponseStatus.NOT_IMPLEMENTED;
          case InferenceError.ShuttingDown s -> HttpResponseStatus.SERVICE_UNAVAILABLE;
          case InferenceError.Internal i -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
          case InferenceError.Unauthenticated u -> HttpResponseStatus.UNAUTHORIZED;
          case InferenceError.PermissionDenied d -> HttpResponseStatus.FORBIDDEN;
          case InferenceError.RateLimited r -> HttpResponseStatus.TOO_MANY_REQUESTS;
        };
    int retryAfter =
        e instanceof InferenceError.RateLimited r
            ? (int) Math.min(Integer.MAX_VALUE, r.retryAfterSeconds())
            : e instanceof InferenceError.QueueFull || e instanceof InferenceError.TooManyCalls
                ? 1
                : 0;
    return new Mapped(
        status,
        io.caracal.core.ErrorText.truncate(e.message()),
        retryAfter,
        e.getClass().getSimpleName(),
        e instanceof InferenceError.Unauthenticated ? BEARER_CHALLENGE : "");
  }

  /** Maps a failure of the HTTP layer. */
  static Mapped map(HttpProblem p) {
    HttpResponseStatus status =
        switch (p) {
          case HttpProblem.Malformed m -> HttpResponseStatus.BAD_REQUEST;
          case HttpProblem.RequestLineTooLong l -> HttpResponseStatus.REQUEST_URI_TOO_LONG;
          case HttpProblem.HeadersTooLarge h -> HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
          case HttpProblem.BodyTooLarge b -> HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
          case HttpProblem.VersionNotSupported v -> HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
          case HttpProblem.MissingHost h -> HttpResponseStatus.BAD_REQUEST;
          case HttpProblem.RequestTimeout t -> HttpResponseStatus.REQUEST_TIMEOUT;
          case HttpProblem.TooManyConnections c -> HttpResponseStatus.SERVICE_UNAVAILABLE;
          case HttpProblem.BytesInFlight b -> HttpResponseStatus.SERVICE_UNAVAILABLE;
          case HttpProblem.NoRoute n -> HttpResponseStatus.NOT_FOUND;
          case HttpProblem.MethodNotAllowed m -> HttpResponseStatus.METHOD_NOT_ALLOWED;
          case HttpProblem.UnsupportedEncoding u -> HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE;
          case HttpProblem.ModelVersionNotReady r -> HttpResponseStatus.BAD_REQUEST;
        };
    return new Mapped(
        status,
        p.message(),
        p instanceof HttpProblem.TooManyConnections || p instanceof HttpProblem.BytesInFlight
            ? 1
            : 0,
        p.getClass().getSimpleName());
  }

  /**
   * Maps any failure of the request {@code requestId}, unwrapping the wrappers futures add; logs it
   * when it is unexpected.
   */
  static Mapped map(Throwable t, String requestId) {
    return resolve(t, requestId, HttpErrors::map, HttpErrors::map);
  }

  /**
   * Resolves any failure of the request {@code requestId} to the HTTP layer's problem or core's
   * error, unwrapping the wrappers futures add, and logs it when it is unexpected; {@link V1Errors}
   * words the same failures in KServe V1's way.
   */
  static <R> R resolve(
      Throwable t,
      String requestId,
      java.util.function.Function<HttpProblem, R> problem,
      java.util.function.Function<InferenceError, R> error) {
    Throwable c = InferenceException.unwrap(t);
    if (c instanceof HttpProblemException p) {
      return problem.apply(p.problem());
    }
    InferenceException e = InferenceException.from(c);
    if (e.isUnexpected()) {
      log.error(
          "request {} failed (correlation id {})",
          requestId,
          e.correlationId(),
          e.getCause() == null ? e : e.getCause());
    }
    return error.apply(e.error());
  }

  /** Returns the status of a health probe's answer. */
  /**
   * The bytes of a complete HTTP/1.1 answer to {@code p} that closes the connection, for the
   * handlers in front of the HTTP codec (connection gate, request clock), which write raw bytes.
   */
  static byte[] rawClosingAnswer(HttpProblem p) {
    Mapped m = map(p);
    byte[] body =
        ("{\"error\":\"" + m.message() + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 "
            + m.status().code()
            + " "
            + m.status().reasonPhrase()
            + "\r\ncontent-type: application/json\r\n"
            + (m.retryAfterSeconds() > 0 ? "retry-after: " + m.retryAfterSeconds() + "\r\n" : "")
            + "connection: close\r\ncontent-length: "
            + body.length
            + "\r\n\r\n";
    byte[] h = head.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] all = java.util.Arrays.copyOf(h, h.length + body.length);
    System.arraycopy(body, 0, all, h.length, body.length);
    return all;
  }

  static HttpResponseStatus health(boolean ok) {
    return ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
  }
}
