package io.caracal.api;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * Every way a request can fail, as a closed set. Each transport maps it once, with an exhaustive
 * switch, to its own status; messages are written for clients and never carry paths, class names
 * or stack traces.
 */
public sealed interface InferenceError {

  /** Returns the gRPC-style code. */
  ErrorCode code();

  /** Returns the message for the client. */
  String message();

  /** No model by that name, or no such version of it. */
  record ModelNotFound(String model, OptionalLong version) implements InferenceError {
    public ModelNotFound {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(version, "version");
    }

    @Override
    public ErrorCode code() {
      return ErrorCode.NOT_FOUND;
    }

    @Override
    public String message() {
      return version.isPresent()
          ? "Request for unknown model: '" + model + "' version " + version.getAsLong() + " is not found"
          : "Request for unknown model: '" + model + "' is not found";
    }
  }

  /** The model (or version) exists but cannot serve; {@code reason} says why. */
  record ModelNotReady(String model, OptionalLong version, String reason) implements InferenceError {
    public ModelNotReady {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public ErrorCode code() {
      return ErrorCode.UNAVAILABLE;
    }

    @Override
    public String message() {
      String what =
          version.isPresent()
              ? "Request for unknown model: '" + model + "' version " + version.getAsLong() + " is not at ready state"
              : "Request for unknown model: '" + model + "' has no available versions";
      return reason.isEmpty() ? what : what + ": " + reason;
    }
  }

  /**
   * The request is malformed or does not fit the model.
   *
   * @param field the offending input, output, parameter or JSON member; empty when the request as
   *     a whole is wrong
   * @param message the full message, naming the field
   */
  record InvalidInput(String field, String message) implements InferenceError {
    public InvalidInput {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public ErrorCode code() {
      return ErrorCode.INVALID_ARGUMENT;
    }
  }

  /** The request exceeds a configured size limit. */
  record RequestTooLarge(String message) implements InferenceError {
    public RequestTooLarge {
      Objects.requireNonNull(message, "message");
    }

    @Override
    public ErrorCode code() {
      return ErrorCode.RESOURCE_EXHAUSTED;
    }
  }

  /** The model's queue is full; retry later. */
  record QueueFull(String model, int capacity) implements InferenceError {
    public QueueFull {
      Objects.requireNonNull(model, "model");
    }

    @Override
    public ErrorCode code() {
      return ErrorCode.UNAVAILABLE;
    }

    @Override
    public String message() {
      return "model '" + model + "' is overloaded: its queue of " + capacity + " requests is full, retry later";
    }
  }

  /** The request's deadline passed before it completed. */
  record DeadlineExceeded(String model) implements InferenceError {
    public DeadlineExceeded {
      Objects.requireNonNull(model, "model");
    }

    @Override
    public ErrorCode code() {
      return ErrorCode.DEADLINE_EXCEEDED;
    }

    @Override
    public String message() {
      return "request for model '" + model + "' exceeded its deadline";
    }
  }

  /** The client went away before the request completed. */
  record Cancelled(String model) implements InferenceError {
    public Cancelled {
      Objects.requireNonNull(model, "model");
    }

    @Override
    public ErrorCode code() {
      return ErrorCode.CANCELLED;
    }

    @Override
    public String message() {
      return "request for model '" + model + "' was cancelled";
    }
  }

  /** The backend failed while running the model. */
  record BackendFailure(String model, String detail) implements InferenceError {
    public BackendFailure {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(detail, "detail");
    }

    @Override
    public ErrorCode code() {
      return ErrorCode.INTERNAL;
    }

    @Override
    public String message() {
      return "inference failed for model '" + model + "': " + detail;
    }
  }

  /** The request asks for something this server does not do. */
  record Unsupported(String message) implements InferenceError {
    public Unsupported {
      Objects.requireNonNull(message, "message");
    }

    @Override
    public ErrorCode code() {
      return ErrorCode.UNIMPLEMENTED;
    }
  }

  /** The server is shutting down and takes no more work. */
  record ShuttingDown() implements InferenceError {
    @Override
    public ErrorCode code() {
      return ErrorCode.UNAVAILABLE;
    }

    @Override
    public String message() {
      return "the server is shutting down";
    }
  }

  /** An unexpected failure; details are logged, not sent. */
  record Internal(String message) implements InferenceError {
    public Internal {
      Objects.requireNonNull(message, "message");
    }

    @Override
    public ErrorCode code() {
      return ErrorCode.INTERNAL;
    }
  }
}
