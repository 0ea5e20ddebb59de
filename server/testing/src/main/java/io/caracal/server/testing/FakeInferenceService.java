package io.caracal.server.testing;

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
import io.caracal.api.RequestedOutput;
import io.caracal.api.Shape;
import io.caracal.api.TensorMetadata;
import io.caracal.core.InferenceService;
import io.caracal.core.ModelConfigDocument;
import io.caracal.proto.inference.ModelConfig;
import io.caracal.proto.inference.ModelInput;
import io.caracal.proto.inference.ModelOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A core stand-in for transport tests, in which each model name stands for one behaviour:
 *
 * <ul>
 *   <li>{@code echo}, version 1 only, answers each input {@code INPUTn} as output {@code OUTPUTn}
 *       (other input names unchanged); a request that names outputs gets those, in its order, and
 *       an unknown name is invalid. Its metadata, config and statistics are fixed values.
 *   <li>{@code notready} exists but is not ready ("still loading").
 *   <li>{@code hang} never completes; {@link #awaitHanging()} hands out its futures.
 *   <li>{@code throws} fails with an {@code InvalidInput} at once, before {@link #infer} returns.
 *   <li>{@code fail} fails with an unexpected exception whose message holds a path, as do its
 *       metadata.
 *   <li>{@code busy}, {@code slow}, {@code gone}, {@code backend}, {@code unsupported}, {@code
 *       closing}, {@code big} and {@code internal} fail with {@code QueueFull}, {@code
 *       DeadlineExceeded}, {@code Cancelled}, {@code BackendFailure}, {@code Unsupported}, {@code
 *       ShuttingDown}, {@code RequestTooLarge} and {@code Internal}.
 *   <li>Every other name is unknown.
 * </ul>
 *
 * <p>Loading records the name ({@link #loaded()}) except for {@code broken}, which fails; unloading
 * records {@code echo} ({@link #unloaded()}) and refuses other names.
 */
public class FakeInferenceService implements InferenceService {
  private static final String STILL_LOADING = "still loading";

  private final Executor answers;
  private final BlockingQueue<CompletableFuture<InferenceResponse>> hanging =
      new LinkedBlockingQueue<>();
  private final List<String> loaded = new CopyOnWriteArrayList<>();
  private final List<String> unloaded = new CopyOnWriteArrayList<>();
  private volatile @Nullable InferenceRequest lastRequest;
  private volatile boolean ready = true;

  /** Returns a fake that completes every answer on the calling thread. */
  public FakeInferenceService() {
    this(Runnable::run);
  }

  /**
   * Returns a fake that completes its answers on {@code answers}, as the real core does off the
   * caller's thread.
   */
  public FakeInferenceService(Executor answers) {
    this.answers = answers;
  }

  /** Returns the last request {@link #infer} was given, or null before the first. */
  public @Nullable InferenceRequest lastRequest() {
    return lastRequest;
  }

  /** Sets what {@link #isReady()} returns. */
  public void setReady(boolean ready) {
    this.ready = ready;
  }

  /** Returns the models loaded so far, in order. */
  public List<String> loaded() {
    return List.copyOf(loaded);
  }

  /** Returns the models unloaded so far, in order. */
  public List<String> unloaded() {
    return List.copyOf(unloaded);
  }

  /**
   * Returns the future of the oldest call to model {@code hang} not yet handed out, waiting up to
   * 10 s for the call.
   *
   * @throws AssertionError if no call came
   */
  public CompletableFuture<InferenceResponse> awaitHanging() throws InterruptedException {
    CompletableFuture<InferenceResponse> f = hanging.poll(10, TimeUnit.SECONDS);
    if (f == null) {
      throw new AssertionError("no call to model 'hang' within 10 s");
    }
    return f;
  }

  @Override
  public CompletableFuture<InferenceResponse> infer(InferenceRequest r) {
    lastRequest = r;
    switch (r.modelName()) {
      case "throws" -> {
        return CompletableFuture.failedFuture(
            InferenceException.invalid(
                "INPUT1", "expected 2 inputs but got 1 inputs for model 'throws'"));
      }
      case "hang" -> {
        CompletableFuture<InferenceResponse> f = new CompletableFuture<>();
        hanging.add(f);
        return f;
      }
      default -> {
        return CompletableFuture.supplyAsync(() -> answer(r), answers);
      }
    }
  }

  private static InferenceResponse answer(InferenceRequest r) {
    String m = r.modelName();
    return switch (m) {
      case "echo" -> {
        checkVersion(m, r.version());
        yield new InferenceResponse(m, 1, r.id(), echo(r), Map.of());
      }
      case "busy" -> throw InferenceException.of(new InferenceError.QueueFull(m, 4));
      case "slow" -> throw InferenceException.of(new InferenceError.DeadlineExceeded(m));
      case "gone" -> throw InferenceException.of(new InferenceError.Cancelled(m));
      case "backend" ->
          throw InferenceException.backendFailure(
              m, new IllegalStateException("/secret/path: the model produced no output"));
      case "unsupported" ->
          throw InferenceException.of(
              new InferenceError.Unsupported("sequence batching is not supported"));
      case "closing" -> throw InferenceException.of(new InferenceError.ShuttingDown());
      case "big" ->
          throw InferenceException.of(
              new InferenceError.RequestTooLarge("request exceeds the model's limit"));
      case "internal" ->
          throw InferenceException.internal(new IllegalStateException("/secret/path"));
      case "notready" ->
          throw InferenceException.of(
              new InferenceError.ModelNotReady(m, r.version(), STILL_LOADING));
      case "fail" ->
          throw new IllegalStateException("secret failure reading /opt/models/fail/1/model.onnx");
      default -> throw InferenceException.of(new InferenceError.ModelNotFound(m, r.version()));
    };
  }

  private static List<NamedTensor> echo(InferenceRequest r) {
    List<NamedTensor> outs = new ArrayList<>();
    for (NamedTensor in : r.inputs()) {
      outs.add(new NamedTensor(in.name().replace("INPUT", "OUTPUT"), in.tensor()));
    }
    if (r.outputs().isEmpty()) {
      return outs;
    }
    List<NamedTensor> chosen = new ArrayList<>();
    for (RequestedOutput o : r.outputs()) {
      chosen.add(
          outs.stream()
              .filter(t -> t.name().equals(o.name()))
              .findFirst()
              .orElseThrow(() ->
                  InferenceException.invalid(
                      o.name(),
                      "unexpected inference output '" + o.name() + "' for model 'echo'")));
    }
    return chosen;
  }

  private static void checkVersion(String model, OptionalLong version) {
    if (version.isPresent() && version.getAsLong() != 1) {
      throw InferenceException.of(new InferenceError.ModelNotFound(model, version));
    }
  }

  /** Returns for {@code echo} version 1; throws as the real core would for the other models. */
  private static void checkEcho(String model, OptionalLong version) {
    switch (model) {
      case "echo" -> checkVersion(model, version);
      case "notready" ->
          throw InferenceException.of(
              new InferenceError.ModelNotReady(model, version, STILL_LOADING));
      case "fail" -> throw new IllegalStateException("boom at /opt/models");
      default -> throw InferenceException.of(new InferenceError.ModelNotFound(model, version));
    }
  }

  @Override
  public ModelMetadata metadata(String model, OptionalLong version) {
    checkEcho(model, version);
    return new ModelMetadata(
        "echo",
        List.of("1"),
        "onnxruntime_onnx",
        List.of(new TensorMetadata("INPUT0", DataType.FP32, Shape.of(-1, 4), List.of())),
        List.of(
            new TensorMetadata(
                "OUTPUT0", DataType.FP32, Shape.of(-1, 4), List.of("setosa", "versicolor"))));
  }

  @Override
  public boolean isModelReady(String model, OptionalLong version) {
    return switch (model) {
      case "echo" -> {
        checkVersion(model, version);
        yield true;
      }
      case "notready" -> false;
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
        new ModelStatus("echo", 1, ModelState.READY, ""),
        new ModelStatus("notready", 1, ModelState.LOADING, STILL_LOADING));
  }

  /** Returns {@code echo}'s config: batching up to 8, its input and output as in its metadata. */
  @Override
  public ModelConfigDocument modelConfig(String model, OptionalLong version) {
    checkEcho(model, version);
    return ModelConfigDocument.of(echoConfig().toByteArray());
  }

  private static ModelConfig echoConfig() {
    return ModelConfig.newBuilder()
        .setName("echo")
        .setMaxBatchSize(8)
        .addInput(
            ModelInput.newBuilder()
                .setName("INPUT0")
                .setDataType(io.caracal.proto.inference.DataType.TYPE_FP32)
                .addDims(4))
        .addOutput(
            ModelOutput.newBuilder()
                .setName("OUTPUT0")
                .setDataType(io.caracal.proto.inference.DataType.TYPE_FP32)
                .addDims(4))
        .build();
  }

  /** Returns one entry, {@code echo} version 1's, for every model or {@code echo}. */
  @Override
  public List<ModelStatistics> statistics(String model, OptionalLong version) {
    if (!model.isEmpty()) {
      checkEcho(model, version);
    }
    ModelStatistics.InferStats inference =
        new ModelStatistics.InferStats(
            new ModelStatistics.Duration(3, 300),
            ModelStatistics.Duration.ZERO,
            new ModelStatistics.Duration(3, 30),
            ModelStatistics.Duration.ZERO,
            ModelStatistics.Duration.ZERO,
            ModelStatistics.Duration.ZERO,
            ModelStatistics.Duration.ZERO,
            ModelStatistics.Duration.ZERO);
    ModelStatistics.BatchStats batch =
        new ModelStatistics.BatchStats(
            4,
            new ModelStatistics.Duration(4, 40),
            new ModelStatistics.Duration(2, 20),
            ModelStatistics.Duration.ZERO);
    return List.of(
        new ModelStatistics(
            "echo",
            1,
            1_700_000_000_000L,
            16,
            4,
            inference,
            List.of(batch),
            new ModelStatistics.TailStats(900, 100, 800, 5000)));
  }

  @Override
  public CompletableFuture<Void> loadModel(String model) {
    if (model.equals("broken")) {
      return CompletableFuture.failedFuture(
          InferenceException.invalid("model", "failed to load 'broken': model file is corrupt"));
    }
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
