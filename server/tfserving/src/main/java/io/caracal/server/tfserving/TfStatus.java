package io.caracal.server.tfserving;

import java.util.Objects;

/**
 * A TF Serving status: a code and the bare message clients see ({@code {"error": message}}).
 *
 * @param code the code
 * @param message the message, without the code prefix
 */
record TfStatus(TfCode code, String message) {
  TfStatus {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  static TfStatus invalid(String message) {
    return new TfStatus(TfCode.INVALID_ARGUMENT, message);
  }

  static TfStatus notFound(String message) {
    return new TfStatus(TfCode.NOT_FOUND, message);
  }

  /** Returns an exception carrying this status, without a stack trace. */
  Failure toException() {
    return new Failure(this);
  }

  /** A failure that already is a TF status (path, label and signature errors of this module). */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    @SuppressWarnings("serial")
    private final TfStatus status;

    Failure(TfStatus status) {
      super(status.message(), null, false, false);
      this.status = status;
    }

    TfStatus status() {
      return status;
    }
  }
}
