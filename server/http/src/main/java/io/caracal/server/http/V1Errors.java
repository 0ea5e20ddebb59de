package io.caracal.server.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.caracal.api.InferenceError;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * The one place where the KServe V1 routes choose a status and a body, as KServe's python server
 * answers ({@code errors.py}, {@code protocol/rest/server.py}): {@code {"error": ...}} with 404
 * {@code Model with name <m> does not exist.}, 503 {@code Model with name <m> is not ready.}, 400
 * for a bad body, 501 for explain; FastAPI's {@code {"detail": "Not Found"}} (404) and {@code
 * {"detail": "Method Not Allowed"}} (405) for paths and methods it has no route for. Stateless.
 */
final class V1Errors {
  /**
   * How a failure is answered.
   *
   * @param status the HTTP status
   * @param body the JSON body
   * @param kind the {@link InferenceError} or {@link HttpProblem} record's simple name
   * @param retryAfterSeconds a {@code Retry-After} value, or 0 for none (as the V2 routes')
   * @param challenge the {@code WWW-Authenticate} value of a 401, else empty
   */
  record Mapped(
      HttpResponseStatus status,
      byte[] body,
      String kind,
      int retryAfterSeconds,
      String challenge) {

    Mapped(HttpResponseStatus status, byte[] body, String kind) {
      this(status, body, kind, 0, "");
    }
  }

  private V1Errors() {}

  /**
   * Maps a core error: an unknown model or version is always 404 here, everything else has the V2
   * routes' status ({@link HttpErrors}); the texts of unknown and unready models are KServe's.
   */
  static Mapped map(InferenceError e) {
    HttpErrors.Mapped v2 = HttpErrors.map(e);
    HttpResponseStatus status =
        e instanceof InferenceError.ModelNotFound ? HttpResponseStatus.NOT_FOUND : v2.status();
    String message =
        switch (e) {
          case InferenceError.ModelNotFound nf ->
              "Model with name " + nf.model() + " does not exist.";
          case InferenceError.ModelNotReady r -> "Model with name " + r.model() + " is not ready.";
          default -> e.message();
        };
    return new Mapped(
        status,
        body("error", message),
        e.getClass().getSimpleName(),
        v2.retryAfterSeconds(),
        v2.challenge());
  }

  /** Maps a failure of the HTTP layer: FastAPI's {@code detail} answers for route and method. */
  static Mapped map(HttpProblem p) {
    String kind = p.getClass().getSimpleName();
    return switch (p) {
      case HttpProblem.NoRoute n ->
          new Mapped(HttpResponseStatus.NOT_FOUND, body("detail", "Not Found"), kind);
      case HttpProblem.MethodNotAllowed m ->
          new Mapped(
              HttpResponseStatus.METHOD_NOT_ALLOWED, body("detail", "Method Not Allowed"), kind);
      default -> new Mapped(HttpErrors.map(p).status(), body("error", p.message()), kind);
    };
  }

  /** Maps any failure of the request {@code requestId}; logs it when it is unexpected. */
  static Mapped map(Throwable t, String requestId) {
    return HttpErrors.resolve(t, requestId, V1Errors::map, V1Errors::map);
  }

  /** Returns {@code s} as a JSON string literal (double-quoted, escaped). */
  static String jsonString(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }

  private static byte[] body(String key, String message) {
    return ("{\"" + key + "\":" + V1Errors.jsonString(message) + "}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
