package io.caracal.server.grpc;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.grpc.Status;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where the gRPC transport chooses a status: an exhaustive switch over {@link
 * InferenceError}, so a new error case breaks this build until it is mapped; anything else is
 * {@code INTERNAL internal error} under a new correlation id. An unexpected failure is logged here,
 * once, with the call, the correlation id the client sees, and the cause.
 *
 * <p>An unknown model is {@code INVALID_ARGUMENT} and an unknown version of a model {@code
 * NOT_FOUND}, as Triton's gRPC endpoint answers them (its clients match on the code and on the
 * {@code Request for unknown model} text).
 */
public final class GrpcErrors {
  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  /** Returns the status code of an error. */
  static Status.Code code(InferenceError e) {
    return switch (e) {
      case InferenceError.ModelNotFound nf ->
          nf.namesVersion() ? Status.Code.NOT_FOUND : Status.Code.INVALID_ARGUMENT;
      case InferenceError.ModelNotReady r -> Status.Code.UNAVAILABLE;
      case InferenceError.InvalidInput i -> Status.Code.INVALID_ARGUMENT;
      case InferenceError.RequestTooLarge t -> Status.Code.RESOURCE_EXHAUSTED;
      case InferenceError.QueueFull q -> Status.Code.UNAVAILABLE;
      case InferenceError.TooManyCalls c -> Status.Code.UNAVAILABLE;
      case InferenceError.DeadlineExceeded d -> Status.Code.DEADLINE_EXCEEDED;
      case InferenceError.Cancelled c -> Status.Code.CANCELLED;
      case InferenceError.BackendFailure b -> Status.Code.INTERNAL;
      case InferenceError.Unsupported u -> Status.Code.UNIMPLEMENTED;
      case InferenceError.ShuttingDown s -> Status.Code.UNAVAILABLE;
      case InferenceError.Internal i -> Status.Code.INTERNAL;
      case InferenceError.Unauthenticated u -> Status.Code.UNAUTHENTICATED;
      case InferenceError.PermissionDenied d -> Status.Code.PERMISSION_DENIED;
      case InferenceError.RateLimited r -> Status.Code.RESOURCE_EXHAUSTED;
    };
  }

  /** Returns the status of an error, its message as the description. */
  static Status status(InferenceError e) {
    return Status.fromCode(code(e))
        .withDescription(io.caracal.core.ErrorText.truncate(e.message()));
  }

  /**
   * The status of {@code e}, carrying it as the cause (which gRPC never sends) so that the call's
   * record can name what failed.
   */
  static Status status(InferenceException e) {
    return status(e.error()).withCause(e);
  }

  /**
   * Maps any failure of the call {@code rpc} (request id {@code id}, may be empty), unwrapping the
   * wrappers futures add; logs it when it is unexpected.
   */
  static Status map(Throwable t, String rpc, String id) {
    Throwable c = InferenceException.unwrap(t);
    if (c instanceof CancellationException) {
      return Status.CANCELLED.withDescription("request was cancelled");
    }
    InferenceException e = InferenceException.from(c);
    if (e.isUnexpected()) {
      log.error(
          "{}{} failed (correlation id {})",
          rpc,
          id.isEmpty() ? "" : " request " + (id.length() <= 64 ? id : id.substring(0, 64) + "..."),
          e.correlationId(),
          e.getCause() == null ? e : e.getCause());
    }
    return status(e);
  }
}
