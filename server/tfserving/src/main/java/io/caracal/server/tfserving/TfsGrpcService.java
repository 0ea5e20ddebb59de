package io.caracal.server.tfserving;

import com.google.protobuf.Any;
import com.google.protobuf.Int64Value;
import io.caracal.api.InferenceRequest;
import io.caracal.api.ModelMetadata;
import io.caracal.api.NamedTensor;
import io.caracal.api.RequestedOutput;
import io.caracal.api.TensorMetadata;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.observe.CallTracker;
import io.caracal.proto.tensorflow.SignatureDef;
import io.caracal.proto.tensorflow.TensorInfo;
import io.caracal.proto.tensorflow.TensorProto;
import io.caracal.proto.tfserving.ClassificationRequest;
import io.caracal.proto.tfserving.ClassificationResponse;
import io.caracal.proto.tfserving.ClassificationResult;
import io.caracal.proto.tfserving.Classifications;
import io.caracal.proto.tfserving.ErrorCode;
import io.caracal.proto.tfserving.GetModelMetadataRequest;
import io.caracal.proto.tfserving.GetModelMetadataResponse;
import io.caracal.proto.tfserving.GetModelStatusRequest;
import io.caracal.proto.tfserving.GetModelStatusResponse;
import io.caracal.proto.tfserving.InferenceResult;
import io.caracal.proto.tfserving.InferenceTask;
import io.caracal.proto.tfserving.Input;
import io.caracal.proto.tfserving.Metric;
import io.caracal.proto.tfserving.ModelServiceGrpc;
import io.caracal.proto.tfserving.ModelSpec;
import io.caracal.proto.tfserving.ModelVersionStatus;
import io.caracal.proto.tfserving.MultiInferenceRequest;
import io.caracal.proto.tfserving.MultiInferenceResponse;
import io.caracal.proto.tfserving.PredictRequest;
import io.caracal.proto.tfserving.PredictResponse;
import io.caracal.proto.tfserving.PredictionServiceGrpc;
import io.caracal.proto.tfserving.Regression;
import io.caracal.proto.tfserving.RegressionRequest;
import io.caracal.proto.tfserving.RegressionResponse;
import io.caracal.proto.tfserving.RegressionResult;
import io.caracal.proto.tfserving.ReloadConfigRequest;
import io.caracal.proto.tfserving.ReloadConfigResponse;
import io.caracal.proto.tfserving.SignatureDefMap;
import io.caracal.proto.tfserving.StatusProto;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * TF Serving's gRPC services over core: {@code PredictionService.Predict} and {@code
 * GetModelMetadata}, {@code ModelService.GetModelStatus}, with TF's checks and messages ({@code
 * predict_util.cc}, {@code get_model_metadata_impl.cc}, {@code get_model_status_impl.cc}).
 * Classify, Regress and MultiInference run on the same {@link ClassifyRegress}; MultiInference runs
 * the model once for all its tasks. HandleReloadConfigRequest goes to {@link ConfigReloads}. Inputs
 * arrive as {@code tensor_content} or typed values; outputs leave as typed values. Every call is
 * one {@link CallRecord}, named by its method. Thread-safe; no method blocks.
 */
final class TfsGrpcService {
  private static final String CLASSIFY_METHOD = "tensorflow/serving/classify";
  private static final String REGRESS_METHOD = "tensorflow/serving/regress";

  /** Where reloads wait for their models: one virtual thread each. */
  private static final java.util.concurrent.Executor RELOADS =
      command -> Thread.ofVirtual().name("tfs-reload-config").start(command);

  private final TfsModels models;
  private final ClassifyRegress classifyRegress;
  private final CallTracker calls;
  private final ConfigReloads reloads;
  private final AtomicLong sequence = new AtomicLong();

  TfsGrpcService(TfsModels models, CallTracker calls, ConfigReloads reloads) {
    this.models = models;
    this.classifyRegress = new ClassifyRegress(models);
    this.calls = calls;
    this.reloads = reloads;
  }

  /** Returns the {@code tensorflow.serving.PredictionService} implementation. */
  PredictionServiceGrpc.PredictionServiceImplBase predictionService() {
    return new PredictionServiceGrpc.PredictionServiceImplBase() {
      @Override
      public void predict(PredictRequest request, StreamObserver<PredictResponse> out) {
        CallRecord call = start("/tensorflow.serving.PredictionService/Predict");
        run(call, out, () -> TfsGrpcService.this.predict(request, call));
      }

      @Override
      public void classify(
          ClassificationRequest request, StreamObserver<ClassificationResponse> out) {
        CallRecord call = start("/tensorflow.serving.PredictionService/Classify");
        run(
            call,
            out,
            () ->
                examples(request.getModelSpec(), request.getInput(), true, call)
                    .thenApply(o ->
                        ClassificationResponse.newBuilder()
                            .setModelSpec(answeredSpec(o))
                            .setResult(classification(o))
                            .build()));
      }

      @Override
      public void regress(RegressionRequest request, StreamObserver<RegressionResponse> out) {
        CallRecord call = start("/tensorflow.serving.PredictionService/Regress");
        run(
            call,
            out,
            () ->
                examples(request.getModelSpec(), request.getInput(), false, call)
                    .thenApply(o ->
                        RegressionResponse.newBuilder()
                            .setModelSpec(answeredSpec(o))
                            .setResult(regression(o))
                            .build()));
      }

      @Override
      public void multiInference(
          MultiInferenceRequest request, StreamObserver<MultiInferenceResponse> out) {
        CallRecord call = start("/tensorflow.serving.PredictionService/MultiInference");
        run(call, out, () -> TfsGrpcService.this.multiInference(request, call));
      }

      @Override
      public void getModelMetadata(
          GetModelMetadataRequest request, StreamObserver<GetModelMetadataResponse> out) {
        CallRecord call = start("/tensorflow.serving.PredictionService/GetModelMetadata");
        run(call, out, () -> CompletableFuture.completedFuture(metadata(request)));
      }
    };
  }

  /** Returns the {@code tensorflow.serving.ModelService} implementation. */
  ModelServiceGrpc.ModelServiceImplBase modelService() {
    return new ModelServiceGrpc.ModelServiceImplBase() {
      @Override
      public void getModelStatus(
          GetModelStatusRequest request, StreamObserver<GetModelStatusResponse> out) {
        CallRecord call = start("/tensorflow.serving.ModelService/GetModelStatus");
        run(call, out, () -> CompletableFuture.completedFuture(status(request)));
      }

      @Override
      public void handleReloadConfigRequest(
          ReloadConfigRequest request, StreamObserver<ReloadConfigResponse> out) {
        CallRecord call = start("/tensorflow.serving.ModelService/HandleReloadConfigRequest");
        // it blocks until the models have loaded: not on a transport thread
        run(call, out, () -> CompletableFuture.supplyAsync(() -> reload(request), RELOADS));
      }
    };
  }

  private CallRecord start(String method) {
    return calls.start(
        CallRecord.Protocol.GRPC,
        "POST",
        method,
        "tfs-grpc-" + sequence.incrementAndGet(),
        null,
        null,
        Map.of());
  }

  private <T extends com.google.protobuf.Message> void run(
      CallRecord call, StreamObserver<T> out, Supplier<CompletableFuture<T>> body) {
    CompletableFuture<T> f;
    try {
      f = body.get();
    } catch (Throwable t) {
      f = CompletableFuture.failedFuture(t);
    }
    io.grpc.Context context = io.grpc.Context.current();
    f.whenComplete((r, e) -> {
      if (context.isCancelled()) { // the client went away or its deadline passed: nobody to answer
        calls.finish(call, 1, "CANCELLED", "Cancelled", 0);
      } else if (e == null) {
        out.onNext(r);
        out.onCompleted();
        calls.finish(call, 0, "OK", null, r.getSerializedSize());
      } else {
        TfsErrors.Mapped m = TfsErrors.map(e, call.requestId());
        out.onError(TfsErrors.grpcStatus(m.status()).asRuntimeException());
        calls.finish(call, m.status().code().ordinal(), m.status().code().name(), m.kind(), 0);
      }
    });
  }

  /** Returns the requested name and version of a spec; a missing name is TF's error. */
  private OptionalLong version(ModelSpec spec) {
    if (spec.getName().isEmpty()) {
      throw TfStatus.invalid("ModelSpec has no name specified.").toException();
    }
    return switch (spec.getVersionChoiceCase()) {
      case VERSION -> OptionalLong.of(spec.getVersion().getValue());
      case VERSION_LABEL -> models.version(spec.getName(), "", spec.getVersionLabel());
      case VERSIONCHOICE_NOT_SET -> OptionalLong.empty();
    };
  }

  private CompletableFuture<ClassifyRegress.Outcome> examples(
      ModelSpec spec, Input input, boolean classify, CallRecord call) {
    OptionalLong v = version(spec);
    call.requested(spec.getName(), v.isPresent() ? Long.toString(v.getAsLong()) : "");
    return classifyRegress.run(
        spec.getName(), v, spec.getSignatureName(), Examples.of(input), classify, call);
  }

  private static ClassificationResult classification(ClassifyRegress.Outcome o) {
    ClassificationResult.Builder r = ClassificationResult.newBuilder();
    for (List<ClassifyRegress.Scored> row : o.classes()) {
      Classifications.Builder c = Classifications.newBuilder();
      row.forEach(s ->
          c.addClasses(
              io.caracal.proto.tfserving.Class.newBuilder()
                  .setLabel(s.label())
                  .setScore(s.score())));
      r.addClassifications(c);
    }
    return r.build();
  }

  private static RegressionResult regression(ClassifyRegress.Outcome o) {
    RegressionResult.Builder r = RegressionResult.newBuilder();
    o.values().forEach(v -> r.addRegressions(Regression.newBuilder().setValue(v)));
    return r.build();
  }

  /**
   * TF's {@code multi_inference.cc}: every task names the same model (and here the same version,
   * that of the first task); each (signature, method) pair once, since Caracal's one signature
   * serves both methods; the model runs once and each task reads its result from that answer, in
   * task order.
   */
  private CompletableFuture<MultiInferenceResponse> multiInference(
      MultiInferenceRequest request, CallRecord call) {
    if (request.getTasksCount() == 0) {
      throw TfStatus.invalid("Tasks cannot be empty").toException();
    }
    String model = request.getTasks(0).getModelSpec().getName();
    Set<String> seen = new HashSet<>();
    List<Boolean> classify = new ArrayList<>();
    String signature = request.getTasks(0).getModelSpec().getSignatureName();
    for (InferenceTask t : request.getTasksList()) {
      ModelSpec spec = t.getModelSpec();
      if (spec.getName().isEmpty()) {
        throw TfStatus.invalid("Found ModelSpec with an empty model name.").toException();
      }
      if (!spec.getName().equals(model)) {
        throw TfStatus.invalid(
                "All ModelSpecs in a MultiInferenceRequest must access the same model name.")
            .toException();
      }
      String sig =
          spec.getSignatureName().isEmpty() ? TfsModels.SERVING_DEFAULT : spec.getSignatureName();
      if (!seen.add(sig + "\0" + t.getMethodName())) {
        throw TfStatus.invalid("Duplicate evaluation of signature: " + sig).toException();
      }
      if (!TfsModels.isDefaultSignature(spec.getSignatureName())) {
        throw TfStatus.invalid("Requested signature not found in model graph: " + sig)
            .toException();
      }
      switch (t.getMethodName()) {
        case CLASSIFY_METHOD -> classify.add(true);
        case REGRESS_METHOD -> classify.add(false);
        default ->
            throw new TfStatus(
                    TfCode.UNIMPLEMENTED, "Unsupported signature method_name: " + t.getMethodName())
                .toException();
      }
    }
    OptionalLong v = version(request.getTasks(0).getModelSpec());
    call.requested(model, v.isPresent() ? Long.toString(v.getAsLong()) : "");
    return classifyRegress
        .runTasks(model, v, signature, Examples.of(request.getInput()), classify, call)
        .thenApply(outcomes -> {
          MultiInferenceResponse.Builder b = MultiInferenceResponse.newBuilder();
          for (int i = 0; i < outcomes.size(); i++) {
            ClassifyRegress.Outcome o = outcomes.get(i);
            InferenceResult.Builder r = InferenceResult.newBuilder().setModelSpec(answeredSpec(o));
            if (classify.get(i)) {
              r.setClassificationResult(classification(o));
            } else {
              r.setRegressionResult(regression(o));
            }
            b.addResults(r);
          }
          return b.build();
        });
  }

  /**
   * TF's {@code model_service_impl.cc}: only a {@code model_config_list}; the answer carries the
   * status (here always OK: a failure is the call's status) and one zero metric per name asked.
   */
  private ReloadConfigResponse reload(ReloadConfigRequest request) {
    if (request.getConfig().getConfigCase()
        != io.caracal.proto.tfserving.ModelServerConfig.ConfigCase.MODEL_CONFIG_LIST) {
      throw TfStatus.invalid(
              "ServerModelConfig type not supported by HandleReloadConfigRequest. Only"
                  + " ModelConfigList is currently supported")
          .toException();
    }
    try {
      reloads.apply(request.getConfig());
    } catch (UnsupportedOperationException | IllegalStateException e) {
      throw new TfStatus(TfCode.FAILED_PRECONDITION, String.valueOf(e.getMessage())).toException();
    } catch (IllegalArgumentException e) {
      throw TfStatus.invalid(String.valueOf(e.getMessage())).toException();
    } catch (java.io.IOException e) {
      throw new TfStatus(TfCode.UNAVAILABLE, "a model folder cannot be read").toException();
    }
    ReloadConfigResponse.Builder b =
        ReloadConfigResponse.newBuilder()
            .setStatus(StatusProto.newBuilder().setErrorCode(ErrorCode.OK));
    for (String name : request.getMetricNamesList()) {
      b.addMetric(Metric.newBuilder().setName(name).setInt64ValueIncrease(0));
    }
    return b.build();
  }

  private static ModelSpec answeredSpec(ClassifyRegress.Outcome o) {
    return ModelSpec.newBuilder()
        .setName(o.model())
        .setVersion(Int64Value.of(o.version()))
        .setSignatureName(TfsModels.SERVING_DEFAULT)
        .build();
  }

  private CompletableFuture<PredictResponse> predict(PredictRequest request, CallRecord call) {
    ModelSpec spec = request.getModelSpec();
    OptionalLong v = version(spec);
    call.requested(spec.getName(), v.isPresent() ? Long.toString(v.getAsLong()) : "");
    ModelMetadata md = models.metadata(spec.getName(), v);
    if (!TfsModels.isDefaultSignature(spec.getSignatureName())) {
      throw new TfStatus(
              TfCode.FAILED_PRECONDITION,
              "Serving signature key \"" + spec.getSignatureName() + "\" not found.")
          .toException();
    }
    Set<String> expected = new TreeSet<>();
    md.inputs().forEach(t -> expected.add(t.name()));
    Set<String> sent = new TreeSet<>(request.getInputsMap().keySet());
    if (sent.size() != expected.size()) {
      Set<String> extra = new TreeSet<>(sent);
      extra.removeAll(expected);
      Set<String> missing = new TreeSet<>(expected);
      missing.removeAll(sent);
      throw TfStatus.invalid(
              "input size does not match signature: "
                  + sent.size()
                  + "!="
                  + expected.size()
                  + " len("
                  + set(sent)
                  + ") != len("
                  + set(expected)
                  + "). Sent extra: "
                  + set(extra)
                  + ". Missing but required: "
                  + set(missing)
                  + ".")
          .toException();
    }
    List<NamedTensor> inputs = new ArrayList<>();
    for (TensorMetadata in : md.inputs()) {
      TensorProto p = request.getInputsMap().get(in.name());
      if (p == null) {
        String alias =
            sent.stream().filter(s -> !expected.contains(s)).findFirst().orElse(in.name());
        throw TfStatus.invalid(
                "input tensor alias not found in signature: "
                    + alias
                    + ". Inputs expected to be in the set "
                    + set(expected)
                    + ".")
            .toException();
      }
      inputs.add(new NamedTensor(in.name(), TensorProtos.fromProto(in.name(), p)));
    }
    Set<String> outputNames = new TreeSet<>();
    md.outputs().forEach(t -> outputNames.add(t.name()));
    List<RequestedOutput> wanted = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String o : request.getOutputFilterList()) {
      if (!outputNames.contains(o)) {
        throw TfStatus.invalid(
                "output tensor alias not found in signature: "
                    + o
                    + " Outputs expected to be in the set "
                    + set(outputNames)
                    + ".")
            .toException();
      }
      if (!seen.add(o)) {
        throw TfStatus.invalid("duplicate output tensor alias: " + o).toException();
      }
      wanted.add(RequestedOutput.of(o));
    }
    InferenceRequest req =
        new InferenceRequest(md.name(), v, "", inputs, wanted, Map.of()).withObserver(call);
    return models
        .service()
        .infer(req)
        .thenApply(resp -> {
          PredictResponse.Builder b =
              PredictResponse.newBuilder()
                  .setModelSpec(
                      ModelSpec.newBuilder()
                          .setName(resp.modelName())
                          .setVersion(Int64Value.of(resp.modelVersion()))
                          .setSignatureName(TfsModels.SERVING_DEFAULT));
          for (NamedTensor t : resp.outputs()) {
            b.putOutputs(t.name(), TensorProtos.toProto(t.tensor()));
          }
          return b.build();
        });
  }

  private static String set(Set<String> names) {
    return "{" + String.join(",", names) + "}";
  }

  private GetModelMetadataResponse metadata(GetModelMetadataRequest request) {
    if (!request.hasModelSpec()) {
      throw TfStatus.invalid("Missing ModelSpec").toException();
    }
    if (request.getMetadataFieldCount() == 0) {
      throw TfStatus.invalid("GetModelMetadataRequest must specify at least one metadata_field")
          .toException();
    }
    for (String f : request.getMetadataFieldList()) {
      if (!f.equals("signature_def")) {
        throw TfStatus.invalid("Metadata field " + f + " is not supported").toException();
      }
    }
    ModelSpec spec = request.getModelSpec();
    OptionalLong v = version(spec);
    ModelMetadata md = models.metadata(spec.getName(), v);
    SignatureDef sig =
        SignatureDef.newBuilder()
            .putAllInputs(infos(md.inputs()))
            .putAllOutputs(infos(md.outputs()))
            .setMethodName(TfsModels.PREDICT_METHOD)
            .build();
    return GetModelMetadataResponse.newBuilder()
        .setModelSpec(
            ModelSpec.newBuilder()
                .setName(md.name())
                .setVersion(Int64Value.of(TfsModels.servedVersion(md, v))))
        .putMetadata(
            "signature_def",
            Any.pack(
                SignatureDefMap.newBuilder()
                    .putSignatureDef(TfsModels.SERVING_DEFAULT, sig)
                    .build()))
        .build();
  }

  private static Map<String, TensorInfo> infos(List<TensorMetadata> ts) {
    Map<String, TensorInfo> m = new java.util.LinkedHashMap<>();
    for (TensorMetadata t : ts) {
      m.put(
          t.name(),
          TensorInfo.newBuilder()
              .setName(t.name())
              .setDtype(TensorProtos.dtype(t.dataType()))
              .setTensorShape(TensorProtos.shape(t.shape().toArray()))
              .build());
    }
    return m;
  }

  private GetModelStatusResponse status(GetModelStatusRequest request) {
    if (!request.hasModelSpec()) {
      throw TfStatus.invalid("Missing ModelSpec").toException();
    }
    ModelSpec spec = request.getModelSpec();
    if (spec.getName().isEmpty()) {
      throw TfStatus.invalid("ModelSpec has no name specified.").toException();
    }
    OptionalLong v =
        spec.hasVersion() ? OptionalLong.of(spec.getVersion().getValue()) : OptionalLong.empty();
    GetModelStatusResponse.Builder b = GetModelStatusResponse.newBuilder();
    for (TfsModels.VersionStatus s : models.statuses(spec.getName(), v)) {
      b.addModelVersionStatus(
          ModelVersionStatus.newBuilder()
              .setVersion(s.version())
              .setState(ModelVersionStatus.State.valueOf(s.state()))
              .setStatus(
                  StatusProto.newBuilder()
                      .setErrorCode(ErrorCode.valueOf(s.errorCode().name()))
                      .setErrorMessage(s.errorMessage())));
    }
    return b.build();
  }
}
