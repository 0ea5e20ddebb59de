package io.caracal.server.grpc;

import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatus;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.TensorMetadata;
import io.caracal.core.InferenceService;
import io.caracal.core.ModelConfigDocument;
import io.caracal.proto.inference.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A core stand-in. Models: {@code echo} returns each input as output {@code OUT_<name>}; {@code
 * boom} fails with an unexpected exception; {@code hang} never completes (its futures are kept);
 * {@code down} exists but is not ready; every other name is unknown.
 */
final class FakeInferenceService implements InferenceService {
  final List<CompletableFuture<InferenceResponse>> hanging = new CopyOnWriteArrayList<>();
  final CountDownLatch hangingStarted = new CountDownLatch(1);
  final List<String> loaded = new CopyOnWriteArrayList<>();
  final List<String> unloaded = new CopyOnWriteArrayList<>();
  volatile InferenceRequest lastRequest;
  volatile boolean ready = true;

  @Override
  public CompletableFuture<InferenceResponse> infer(InferenceRequest r) {
    lastRequest = r;
    switch (r.modelName()) {
      case "echo" -> {
        List<NamedTensor> out = new ArrayList<>();
        for (NamedTensor t : r.inputs()) {
          out.add(new NamedTensor("OUT_" + t.name(), t.tensor()));
        }
        return CompletableFuture.completedFuture(new InferenceResponse("echo", 1, r.id(), out, Map.of()));
      }
      case "boom" -> {
        return CompletableFuture.failedFuture(new IllegalStateException("/internal/path exploded"));
      }
      case "hang" -> {
        CompletableFuture<InferenceResponse> f = new CompletableFuture<>();
        hanging.add(f);
        hangingStarted.countDown();
        return f;
      }
      case "down" -> throw InferenceException.of(new InferenceError.ModelNotReady("down", r.version(), "failed to load"));
      default -> throw InferenceException.of(new InferenceError.ModelNotFound(r.modelName(), r.version()));
    }
  }

  @Override
  public ModelMetadata metadata(String model, OptionalLong version) {
    if (!model.equals("echo")) {
      throw InferenceException.of(new InferenceError.ModelNotFound(model, version));
    }
    return new ModelMetadata(
        "echo",
        List.of("1"),
        "onnxruntime_onnx",
        List.of(new TensorMetadata("IN", DataType.FP32, Shape.of(-1, 4), List.of())),
        List.of(new TensorMetadata("OUT_IN", DataType.FP32, Shape.of(-1, 4), List.of())));
  }

  @Override
  public boolean isModelReady(String model, OptionalLong version) {
    return switch (model) {
      case "echo" -> true;
      case "down" -> false;
      default -> throw InferenceException.of(new InferenceError.ModelNotFound(model, version));
    };
  }

  @Override
  public boolean isLive() {
    return true;
  }

  @Override
  public boolean isReady() {
    return ready;
  }

  @Override
  public List<ModelStatus> index() {
    return List.of(
        new ModelStatus("down", 1, ModelState.UNAVAILABLE, "failed to load"),
        new ModelStatus("echo", 1, ModelState.READY, ""));
  }

  @Override
  public ModelConfigDocument modelConfig(String model, OptionalLong version) {
    if (!model.equals("echo")) {
      throw InferenceException.of(new InferenceError.ModelNotFound(model, version));
    }
    return ModelConfigDocument.of(ModelConfig.newBuilder().setName("echo").setMaxBatchSize(8).build().toByteArray());
  }

  @Override
  public List<ModelStatistics> statistics(String model, OptionalLong version) {
    ModelStatistics.InferStats stats =
        new ModelStatistics.InferStats(
            new ModelStatistics.Duration(3, 300),
            ModelStatistics.Duration.ZERO,
            new ModelStatistics.Duration(3, 30),
            ModelStatistics.Duration.ZERO,
            ModelStatistics.Duration.ZERO,
            ModelStatistics.Duration.ZERO,
            ModelStatistics.Duration.ZERO,
            ModelStatistics.Duration.ZERO);
    return List.of(
        new ModelStatistics(
            "echo", 1, 1234, 3, 2, stats, List.of(new ModelStatistics.BatchStats(1, ModelStatistics.Duration.ZERO,
                new ModelStatistics.Duration(2, 20), ModelStatistics.Duration.ZERO)), ModelStatistics.TailStats.EMPTY));
  }

  @Override
  public CompletableFuture<Void> loadModel(String model) {
    loaded.add(model);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> unloadModel(String model) {
    if (!model.equals("echo")) {
      return CompletableFuture.failedFuture(
          InferenceException.of(new InferenceError.ModelNotFound(model, OptionalLong.empty())));
    }
    unloaded.add(model);
    return CompletableFuture.completedFuture(null);
  }
}
