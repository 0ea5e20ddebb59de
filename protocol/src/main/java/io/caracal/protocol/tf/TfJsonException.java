package io.caracal.protocol.tf;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;

/**
 * A TF Serving status raised while converting JSON: {@code INVALID_ARGUMENT} (400) or, for a dtype
 * the JSON API cannot carry, {@code UNIMPLEMENTED} (501). Stackless; {@link #toInferenceException}
 * turns it into core's error for the transport's mapping.
 */
public final class TfJsonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean unimplemented;

  private TfJsonException(String message, boolean unimplemented) {
    super(message, null, false, false);
    this.unimplemented = unimplemented;
  }

  static TfJsonException invalid(String message) {
    return new TfJsonException(message, false);
  }

  static TfJsonException unimplemented(String message) {
    return new TfJsonException(message, true);
  }

  /** Returns whether the status is {@code UNIMPLEMENTED} rather than {@code INVALID_ARGUMENT}. */
  public boolean isUnimplemented() {
    return unimplemented;
  }

  /** Returns the status as {@code absl::Status::ToString} prints it: code name, colon, message. */
  String statusString() {
    return (unimplemented ? "UNIMPLEMENTED: " : "INVALID_ARGUMENT: ") + getMessage();
  }

  /** Returns core's error for this status: {@code InvalidInput} or {@code Unsupported}. */
  public InferenceException toInferenceException() {
    String m = String.valueOf(getMessage());
    return InferenceException.of(
        unimplemented ? new InferenceError.Unsupported(m) : new InferenceError.InvalidInput("", m));
  }
}
