package io.caracal.api;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * Every way a request can fail, as a closed set. Each transport maps it exactly once, with an
 * exhaustive switch, to its own status ({@code HttpErrors}, {@code GrpcErrors}): adding a case
 * breaks both builds until it is mapped. Messages are written for clients and never carry paths,
 * class names or stack traces; an unexpected failure's details go to the log under a correlation id
 * that the client's message repeats.
 */
public sealed interface InferenceError {

  /** Returns the message for the client. */
  String message();

  /** The prefix Triton's clients look for in every unknown-model message. */
  private static String unknownModel(String model) {
    return "Request for unknown model: '" + model + "'";
  }

  /**
   * No model by that name, or no such version of it.
   *
   * @param model the model name as requested
   * @param version the requested version as the client wrote it (a well-formed decimal), empty when
   *     the request named none
   */
  record ModelNotFound(String model, String version) implements InferenceError {
    public ModelNotFound {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(version, "version");
    }

    /** Creates the error for a numeric version, or none. */
    public ModelNotFound(String model, OptionalLong version) {
      this(model, version.isPresent() ? Long.toString(version.getAsLong()) : "");
    }

    /** Returns whether the request named a version. */
    public boolean namesVersion() {
      return !version.isEmpty();
    }

    @Override
    public String message() {
      return namesVersion()
          ? unknownModel(model) + " version " + version + " is not found"
          : unknownModel(model) + " is not found";
    }
  }

  /** The model (or version) exists but cannot serve; {@code reason} says why. */
  record ModelNotReady(String model, OptionalLong version, String reason)
      implements InferenceError {
    public ModelNotReady {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String message() {
      String what =
          version.isPresent()
              ? unknownModel(model) + " version " + version.getAsLong() + " is not at ready state"
              : unknownModel(model) + " has no available versions";
      return reason.isEmpty() ? what : what + ": " + reason;
    }
  }

  /**
   * The request is malformed or does not fit the model.
   *
   * @param field the offending input, output, parameter or JSON member; empty when the request as a
   *     whole is wrong
   * @param message the full message, naming the field
   */
  record InvalidInput(String field, String message) implements InferenceError {
    public InvalidInput {
      Objects.requireNonNull(field, "field");
      Objects.requireNonNull(message, "message");
    }
  }

  /** The request exceeds a configured size limit. */
  record RequestTooLarge(String message) implements InferenceError {
    public RequestTooLarge {
      Objects.requireNonNull(message, "message");
    }
  }

  /** The model's queue is full; retry later. */
  record QueueFull(String model, int capacity) implements InferenceError {
    public QueueFull {
      Objects.requireNonNull(model, "model");
    }

    @Override
    public String message() {
      return "model '"
          + model
          + "' is overloaded: its queue of "
          + capacity
          + " requests is full, retry later";
    }
  }

  /**
   * Too many calls of one kind (e.g. repository load/unload) are in progress; retry later.
   *
   * @param what the kind of call, e.g. {@code repository}
   * @param limit how many may run at once
   */
  record TooManyCalls(String what, int limit) implements InferenceError {
    public TooManyCalls {
      Objects.requireNonNull(what, "what");
    }

    @Override
    public String message() {
      return "too many " + what + " requests in progress; retry later";
    }
  }

  /** The request's deadline passed before it completed. */
  record DeadlineExceeded(String model) implements InferenceError {
    public DeadlineExceeded {
      Objects.requireNonNull(model, "model");
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
    public String message() {
      return "request for model '" + model + "' was cancelled";
    }
  }

  /**
   * The backend failed while running the model. The backend's own message is logged under {@code
   * correlationId}, never sent: it may hold paths or internals.
   */
  record BackendFailure(String model, String correlationId) implements InferenceError {
    public BackendFailure {
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(correlationId, "correlationId");
    }

    @Override
    public String message() {
      return "inference failed for model '"
          + model
          + "': internal error (correlation id "
          + correlationId
          + ")";
    }
  }

  /** The request asks for something this server does not do. */
  record Unsupported(String message) implements InferenceError {
    public Unsupported {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * The call carries no credentials, or credentials that are not valid (unknown, expired, badly
   * signed). The message says which, and never repeats the credentials.
   */
  record Unauthenticated(String message) implements InferenceError {
    public Unauthenticated {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * The caller is known (or the call is anonymous) but may not make this call: its roles, its
   * models, or a restricted API category's header forbid it.
   */
  record PermissionDenied(String message) implements InferenceError {
    public PermissionDenied {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * The caller has used up its rate for the model; retry after {@code retryAfterSeconds}.
   *
   * @param model the model the call named, empty for calls that name none
   * @param retryAfterSeconds whole seconds until a call would be admitted again, at least 1
   */
  record RateLimited(String model, long retryAfterSeconds) implements InferenceError {
    public RateLimited {
      Objects.requireNonNull(model, "model");
      if (retryAfterSeconds < 1) {
        throw new IllegalArgumentException("retryAfterSeconds must be >= 1: " + retryAfterSeconds);
      }
    }

    @Override
    public String message() {
      return (model.isEmpty()
              ? "rate limit exceeded"
              : "rate limit exceeded for model '" + model + "'")
          + "; retry after "
          + retryAfterSeconds
          + " s";
    }
  }

  /** The server is shutting down and takes no more work. */
  record ShuttingDown() implements InferenceError {
    @Override
    public String message() {
      return "the server is shutting down";
    }
  }

  /**
   * An unexpected failure. Its details are logged once under {@code correlationId}; the client sees
   * only {@code internal error} and the id.
   */
  record Internal(String correlationId) implements InferenceError {
    public Internal {
      Objects.requireNonNull(correlationId, "correlationId");
    }

    @Override
    public String message() {
      return "internal error (correlation id " + correlationId + ")";
    }
  }
}
