package io.caracal.api;

/** The kind of an {@link InferenceError}, modelled on gRPC status codes. Core never speaks HTTP. */
public enum ErrorCode {
  INVALID_ARGUMENT,
  NOT_FOUND,
  FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED,
  DEADLINE_EXCEEDED,
  CANCELLED,
  UNAVAILABLE,
  UNIMPLEMENTED,
  INTERNAL
}
