package io.caracal.server.http;

import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.api.NamedTensor;
import io.caracal.api.RequestedOutput;
import io.caracal.api.Shape;
import io.caracal.api.TensorMetadata;
import io.caracal.core.InferenceService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A test service. Model {@code echo} (version 1) answers each input {@code INPUTn} as {@code
 * OUTPUTn} (other names unchanged); {@code notready} is not ready; the others fail in one way each.
 */
final class FakeInferenceService implements InferenceService {
  final ExecutorService exec = Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-exec"));
  volatile InferenceRequest lastRequest;
  volatile boolean ready = true;

  @Override
  public CompletableFuture<InferenceResponse> infer(InferenceRequest r) {
    lastRequest = r;
    if (r.modelName().equals("throws")) {
      throw InferenceException.invalid("INPUT1", "expected 2 inputs but got 1 inputs for model 'throws'");
    }
    return CompletableFuture.supplyAsync(() -> run(r), exec);
  }

  private InferenceResponse run(InferenceRequest r) {
    String m = r.modelName();
    switch (m) {
      case "echo" -> {
        check(m, r.version());
        List<NamedTensor> outs = new ArrayList<>();
        for (NamedTensor in : r.inputs()) {
          outs.add(new NamedTensor(in.name().replace("INPUT", "OUTPUT"), in.tensor()));
        }
        if (!r.outputs().isEmpty()) {
          List<NamedTensor> chosen = new ArrayList<>();
          for (RequestedOutput o : r.outputs()) {
            NamedTensor found =
                outs.stream()
                    .filter(t -> t.name().equals(o.name()))
                    .findFirst()
                    .orElseThrow(
                        () -> InferenceException.invalid(o.name(), "unexpected inference output '" + o.name() + "' for model 'echo'"));
            chosen.add(found);
          }
          outs = chosen;
        }
        return new InferenceResponse(m, 1, r.id(), outs, Map.of());
      }
      case "busy" -> throw InferenceException.of(new InferenceError.QueueFull(m, 4));
      case "slow" -> throw InferenceException.of(new InferenceError.DeadlineExceeded(m));
      case "gone" -> throw InferenceException.of(new InferenceError.Cancelled(m));
      case "backend" -> throw InferenceException.backendFailure(m, new IllegalStateException("/secret/path: the model produced no output"));
      case "unsupported" -> throw InferenceException.of(new InferenceError.Unsupported("sequence batching is not supported"));
      case "closing" -> throw InferenceException.of(new InferenceError.ShuttingDown());
      case "big" -> throw InferenceException.of(new InferenceError.RequestTooLarge("request exceeds the model's limit"));
      case "internal" -> throw InferenceException.internal(new IllegalStateException("/secret/path"));
      case "notready" -> throw InferenceException.of(new InferenceError.ModelNotReady(m, r.version(), "still loading"));
      case "fail" -> throw new IllegalStateException("secret failure reading /opt/models/fail/1/model.onnx");
      default -> throw InferenceException.of(new InferenceError.ModelNotFound(m, r.version()));
    }
  }

  private static void check(String m, OptionalLong v) {
    if (v.isPresent() && v.getAsLong() != 1) {
      throw InferenceException.of(new InferenceError.ModelNotFound(m, v));
    }
  }

  @Override
  public ModelMetadata metadata(String model, OptionalLong version) {
    if (model.equals("echo")) {
      check(model, version);
      return new ModelMetadata(
          "echo",
          List.of("1"),
          "onnxruntime_onnx",
          List.of(new TensorMetadata("INPUT0", DataType.FP32, Shape.of(-1, 4), List.of())),
          List.of(new TensorMetadata("OUTPUT0", DataType.FP32, Shape.of(-1, 4), List.of("setosa", "versicolor"))));
    }
    if (model.equals("notready")) {
      throw InferenceException.of(new InferenceError.ModelNotReady(model, version, "still loading"));
    }
    if (model.equals("fail")) {
      throw new IllegalStateException("boom at /opt/models");
    }
    throw InferenceException.of(new InferenceError.ModelNotFound(model, version));
  }

  @Override
  public boolean isModelReady(String model, OptionalLong version) {
    if (model.equals("echo")) {
      check(model, version);
      return true;
    }
    if (model.equals("notready")) {
      return false;
    }
    throw InferenceException.of(new InferenceError.ModelNotFound(model, version));
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
        new ModelStatus("echo", 1, ModelState.READY, ""),
        new ModelStatus("notready", 1, ModelState.LOADING, "still loading"));
  }
}
