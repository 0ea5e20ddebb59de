package io.caracal.server.tfserving;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.protocol.tf.TfJsonException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the TF Serving transport turns a failure into a TF status: core's {@link
 * InferenceError} by an exhaustive switch (an unknown or not yet loaded model or version is TF's
 * {@code NOT_FOUND Servable not found for request: Latest(m)} / {@code Specific(m, v)}), the JSON
 * converter's statuses, this module's own {@link TfStatus.Failure}s, and anything else as {@code
 * INTERNAL} under a correlation id, logged once here. Stateless.
 */
final class TfsErrors {
  private static final Logger log = LoggerFactory.getLogger(TfsErrors.class);

  /**
   * A mapped failure.
   *
   * @param status the TF status
   * @param kind what failed, for logs and metrics: the {@link InferenceError} record's simple name,
   *     or the TF code's name for this module's own statuses
   */
  record Mapped(TfStatus status, String kind) {}

  private TfsErrors() {}

  /** Returns TF's name of a servable request: {@code Latest(m)} or {@code Specific(m, v)}. */
  static String servable(String model, String version) {
    return version.isEmpty() ? "Latest(" + model + ")" : "Specific(" + model + ", " + version + ")";
  }

  /** Maps a core error. */
  static TfStatus map(InferenceError e) {
    return switch (e) {
      case InferenceError.ModelNotFound nf ->
          TfStatus.notFound(
              "Servable not found for request: " + servable(nf.model(), nf.version()));
      case InferenceError.ModelNotReady r ->
          TfStatus.notFound(
              "Servable not found for request: "
                  + servable(
                      r.model(),
                      r.version().isPresent() ? Long.toString(r.version().getAsLong()) : ""));
      case InferenceError.InvalidInput i -> TfStatus.invalid(i.message());
      case InferenceError.RequestTooLarge t -> new TfStatus(TfCode.RESOURCE_EXHAUSTED, t.message());
      case InferenceError.QueueFull q -> new TfStatus(TfCode.UNAVAILABLE, q.message());
      case InferenceError.TooManyCalls c -> new TfStatus(TfCode.UNAVAILABLE, c.message());
      case InferenceError.DeadlineExceeded d -> new TfStatus(TfCode.DEADLINE_EXCEEDED, d.message());
      case InferenceError.Cancelled c -> new TfStatus(TfCode.CANCELLED, c.message());
      case InferenceError.BackendFailure b -> new TfStatus(TfCode.INTERNAL, b.message());
      case InferenceError.Unsupported u -> new TfStatus(TfCode.UNIMPLEMENTED, u.message());
      case InferenceError.ShuttingDown s -> new TfStatus(TfCode.UNAVAILABLE, s.message());
      case InferenceError.Internal i -> new TfStatus(TfCode.INTERNAL, i.message());
      case InferenceError.Unauthenticated u -> new TfStatus(TfCode.UNAUTHENTICATED, u.message());
      case InferenceError.PermissionDenied d -> new TfStatus(TfCode.PERMISSION_DENIED, d.message());
      case InferenceError.RateLimited r -> new TfStatus(TfCode.RESOURCE_EXHAUSTED, r.message());
    };
  }

  /**
   * Returns the gRPC status of a TF status: TF's codes are gRPC's, and a message longer than 1024
   * characters is cut there with {@code ...TRUNCATED}, as TF Serving's gRPC server does.
   */
  static io.grpc.Status grpcStatus(TfStatus s) {
    String m = s.message();
    if (m.length() > 1024) {
      m = m.substring(0, 1024) + "...TRUNCATED";
    }
    return io.grpc.Status.fromCodeValue(s.code().ordinal()).withDescription(m);
  }

  /** Maps any failure of the request {@code requestId}; logs it when it is unexpected. */
  static Mapped map(Throwable t, String requestId) {
    Throwable c = InferenceException.unwrap(t);
    if (c instanceof TfStatus.Failure f) {
      return new Mapped(f.status(), f.status().code().name());
    }
    if (c instanceof TfJsonException j) {
      c = j.toInferenceException();
    }
    InferenceException e = InferenceException.from(c);
    if (e.isUnexpected()) {
      log.error(
          "request {} failed (correlation id {})",
          requestId,
          e.correlationId(),
          e.getCause() == null ? e : e.getCause());
    }
    return new Mapped(map(e.error()), e.error().getClass().getSimpleName());
  }
}
