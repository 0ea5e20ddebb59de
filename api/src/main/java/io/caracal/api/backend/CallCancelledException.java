package io.caracal.api.backend;

/**
 * A backend call stopped because its {@link Cancellation} was cancelled (nobody waits for its
 * result). The scheduler does not count it as a failure of the instance.
 */
public final class CallCancelledException extends BackendException {
  private static final long serialVersionUID = 1L;

  public CallCancelledException(String message) {
    super(message, false, null);
  }
}
