package io.caracal.server.tfserving;

/**
 * TensorFlow's status codes ({@code tensorflow.error.Code}, equal to gRPC's) with the HTTP status
 * TF Serving's REST server answers for each ({@code http_server.cc ToHTTPStatusCode}).
 */
enum TfCode {
  OK(200),
  CANCELLED(499),
  UNKNOWN(500),
  INVALID_ARGUMENT(400),
  DEADLINE_EXCEEDED(504),
  NOT_FOUND(404),
  ALREADY_EXISTS(409),
  PERMISSION_DENIED(403),
  RESOURCE_EXHAUSTED(429),
  FAILED_PRECONDITION(400),
  ABORTED(409),
  OUT_OF_RANGE(400),
  UNIMPLEMENTED(501),
  INTERNAL(500),
  UNAVAILABLE(503),
  DATA_LOSS(500),
  UNAUTHENTICATED(401);

  private final int http;

  TfCode(int http) {
    this.http = http;
  }

  /** Returns the HTTP status TF Serving's REST API answers with. */
  int httpStatus() {
    return http;
  }
}
