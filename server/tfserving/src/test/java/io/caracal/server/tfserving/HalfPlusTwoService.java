package io.caracal.server.tfserving;

import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.TensorMetadata;
import io.caracal.server.testing.FakeInferenceService;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * The fake core plus TF Serving's test model: {@code half_plus_two} (versions 123 ready and 124
 * failed; {@code x} FP32 of any shape, {@code y = 0.5 x + 2}); the fake's models otherwise.
 */
class HalfPlusTwoService extends FakeInferenceService {
  static final String MODEL = "half_plus_two";

  @Override
  public CompletableFuture<InferenceResponse> infer(InferenceRequest r) {
    if (!r.modelName().equals(MODEL)) {
      return super.infer(r);
    }
    if (r.version().isPresent() && r.version().getAsLong() != 123) {
      return CompletableFuture.failedFuture(
          InferenceException.of(new InferenceError.ModelNotFound(MODEL, r.version())));
    }
    Tensor x = r.inputs().get(0).tensor();
    ByteBuffer in = x.data();
    ByteBuffer out = ByteBuffer.allocate(x.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    while (in.hasRemaining()) {
      out.putFloat(0.5f * in.getFloat() + 2f);
    }
    List<NamedTensor> outs = new ArrayList<>();
    outs.add(new NamedTensor("y", Tensor.of(DataType.FP32, x.shape(), out.flip())));
    return CompletableFuture.completedFuture(
        new InferenceResponse(MODEL, 123, r.id(), outs, Map.of()));
  }

  @Override
  public ModelMetadata metadata(String model, OptionalLong version) {
    if (!model.equals(MODEL)) {
      return super.metadata(model, version);
    }
    if (version.isPresent() && version.getAsLong() != 123) {
      throw InferenceException.of(new InferenceError.ModelNotFound(MODEL, version));
    }
    return new ModelMetadata(
        MODEL,
        List.of("123"),
        "onnxruntime_onnx",
        List.of(new TensorMetadata("x", DataType.FP32, Shape.of(-1), List.of())),
        List.of(new TensorMetadata("y", DataType.FP32, Shape.of(-1), List.of())));
  }

  @Override
  public List<ModelStatus> index() {
    List<ModelStatus> all = new ArrayList<>(super.index());
    all.add(new ModelStatus(MODEL, 123, ModelState.READY, ""));
    all.add(new ModelStatus(MODEL, 124, ModelState.UNAVAILABLE, "model.onnx is not a model"));
    return all;
  }
}
