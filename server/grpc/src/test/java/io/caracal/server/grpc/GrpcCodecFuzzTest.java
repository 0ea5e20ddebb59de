package io.caracal.server.grpc;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.proto.inference.ModelInferRequest;

/**
 * Fuzzes the gRPC infer request decoder: bytes that parse as a {@code ModelInferRequest} (what
 * grpc-java hands the service) decode into a request, or are refused with {@code InvalidInput} (a
 * version no model can have: {@code ModelNotFound}); never another exception, and no allocation
 * before the sizes are checked.
 */
class GrpcCodecFuzzTest {
  @FuzzTest(maxDuration = "5m")
  void decodeInfer(byte[] message) {
    ModelInferRequest request;
    try {
      request = ModelInferRequest.parseFrom(message);
    } catch (InvalidProtocolBufferException e) {
      return; // grpc-java refuses it before the service sees it
    }
    try {
      GrpcCodec.decodeInfer(request);
    } catch (InferenceException e) {
      if (!(e.error() instanceof InferenceError.InvalidInput)
          && !(e.error() instanceof InferenceError.ModelNotFound)
          && !(e.error() instanceof InferenceError.RequestTooLarge)) {
        throw e;
      }
    }
  }
}
