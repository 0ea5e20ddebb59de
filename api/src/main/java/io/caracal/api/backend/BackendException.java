package io.caracal.api.backend;

import org.jspecify.annotations.Nullable;

/**
 * A backend call failed. {@link #isInvalidInput()} tells a rejected input (a client error) from a
 * failure.
 */
public class BackendException extends Exception {
  private static final long serialVersionUID = 1L;

  private final boolean invalidInput;

  public BackendException(String message, boolean invalidInput, @Nullable Throwable cause) {
    super(message, cause);
    this.invalidInput = invalidInput;
  }

  /** Returns whether the runtime rejected the inputs (as opposed to failing on valid ones). */
  public boolean isInvalidInput() {
    return invalidInput;
  }
}
