package io.caracal.server.grpc;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one mapping from {@link InferenceError} to an {@link io.grpc.Status}: an exhaustive switch, so
 * a new error case breaks this build until it is mapped. Anything that is not an {@link
 * InferenceException} becomes {@code INTERNAL} with a generic message; the caller logs it once.
 *
 * <p>Unlike REST, which answers an unknown model with 400 as Triton's HTTP endpoint does, gRPC
 * answers every {@code ModelNotFound} with {@code NOT_FOUND}; the message is the same.
 */
public final class GrpcErrors {

  /** The client message of an unexpected failure. */
  public static final String INTERNAL_MESSAGE = "internal error";

  /**
   * A mapped failure.
   *
   * @param status the status, with the client message as its description
   * @param unexpected whether the cause was not an {@link InferenceException} (log it)
   */
  public record Mapped(Status status, boolean unexpected) {}

  private GrpcErrors() {}

  /** Returns the status code of an error. */
  public static Status.Code code(InferenceError e) {
    return switch (e) {
      case InferenceError.ModelNotFound nf -> Status.Code.NOT_FOUND;
      case InferenceError.ModelNotReady r -> Status.Code.UNAVAILABLE;
      case InferenceError.InvalidInput i -> Status.Code.INVALID_ARGUMENT;
      case InferenceError.RequestTooLarge t -> Status.Code.RESOURCE_EXHAUSTED;
      case InferenceError.QueueFull q -> Status.Code.UNAVAILABLE;
      case InferenceError.DeadlineExceeded d -> Status.Code.DEADLINE_EXCEEDED;
      case InferenceError.Cancelled c -> Status.Code.CANCELLED;
      case InferenceError.BackendFailure b -> Status.Code.INTERNAL;
      case InferenceError.Unsupported u -> Status.Code.UNIMPLEMENTED;
      case InferenceError.ShuttingDown s -> Status.Code.UNAVAILABLE;
      case InferenceError.Internal i -> Status.Code.INTERNAL;
    };
  }

  /** Returns the status of an error, its message as the description. */
  public static Status status(InferenceError e) {
    return Status.fromCode(code(e)).withDescription(e.message());
  }

  /** Maps any failure, unwrapping the wrappers futures add. */
  public static Mapped map(Throwable t) {
    Throwable c = unwrap(t);
    if (c instanceof InferenceException ie) {
      return new Mapped(status(ie.error()), false);
    }
    if (c instanceof CancellationException) {
      return new Mapped(Status.CANCELLED.withDescription("request was cancelled"), false);
    }
    if (c instanceof StatusRuntimeException || c instanceof StatusException) {
      return new Mapped(Status.fromThrowable(c), false);
    }
    return new Mapped(Status.INTERNAL.withDescription(INTERNAL_MESSAGE), true);
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
