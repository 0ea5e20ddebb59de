package io.caracal.client;

import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A failed call: the server answered with an error, the call timed out, or the transport failed.
 *
 * <p>Over HTTP {@link #httpStatus()} holds the status code (0 when no answer came) and {@link
 * #serverMessage()} the {@code error} member of the body. Over gRPC {@link #grpcCode()} holds the
 * status code name ({@code "INVALID_ARGUMENT"}, {@code "DEADLINE_EXCEEDED"}, ...) and {@link
 * #serverMessage()} the status description. {@link #isTimeout()} is true when the call's timeout
 * (or gRPC deadline) passed.
 */
public class CaracalClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final String grpcCode;
  private final String serverMessage;
  private final boolean timeout;

  CaracalClientException(
      String message,
      int httpStatus,
      String grpcCode,
      String serverMessage,
      boolean timeout,
      Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.grpcCode = grpcCode;
    this.serverMessage = serverMessage;
    this.timeout = timeout;
  }

  static CaracalClientException http(int status, String serverMessage) {
    return new CaracalClientException(
        "HTTP " + status + ": " + serverMessage, status, null, serverMessage, false, null);
  }

  static CaracalClientException grpc(String code, String serverMessage, Throwable cause) {
    boolean timeout = "DEADLINE_EXCEEDED".equals(code);
    return new CaracalClientException(
        code
            + ": "
            + (serverMessage != null ? serverMessage : cause != null ? cause.getMessage() : ""),
        0,
        code,
        serverMessage,
        timeout,
        cause);
  }

  static CaracalClientException timeout(String what, Throwable cause) {
    return new CaracalClientException(what + " timed out", 0, null, null, true, cause);
  }

  static CaracalClientException transport(String what, Throwable cause) {
    return new CaracalClientException(what + " failed: " + cause, 0, null, null, false, cause);
  }

  /** Returns the HTTP status of the server's answer, or 0 (gRPC, or no answer). */
  public int httpStatus() {
    return httpStatus;
  }

  /** Returns the gRPC status code name, when the call went over gRPC and failed with a status. */
  public Optional<String> grpcCode() {
    return Optional.ofNullable(grpcCode);
  }

  /** Returns the server's error message, when the server answered with one. */
  public Optional<String> serverMessage() {
    return Optional.ofNullable(serverMessage);
  }

  /** Returns whether the call's timeout passed before an answer came. */
  public boolean isTimeout() {
    return timeout;
  }

  /**
   * Unwraps {@link CompletionException}/{@link ExecutionException} layers around a client
   * exception.
   */
  static RuntimeException unwrap(Throwable t) {
    Throwable c = io.caracal.api.InferenceException.unwrap(t);
    if (c instanceof CaracalClientException e) {
      // rethrow a copy so the caller's stack trace shows the blocking call too
      CaracalClientException copy =
          new CaracalClientException(
              e.getMessage(), e.httpStatus, e.grpcCode, e.serverMessage, e.timeout, e.getCause());
      copy.addSuppressed(e);
      return copy;
    }
    if (c instanceof RuntimeException r) {
      return r;
    }
    return transport("call", c);
  }
}
