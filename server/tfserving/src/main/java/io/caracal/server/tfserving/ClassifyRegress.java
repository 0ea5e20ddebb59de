package io.caracal.server.tfserving;

import io.caracal.api.DataType;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.NamedTensor;
import io.caracal.api.RequestObserver;
import io.caracal.api.Tensor;
import io.caracal.api.TensorMetadata;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Classify and regress on ONNX models, for both TF transports: the {@link Examples} become the
 * model's inputs, the model runs through core like any request, and its outputs are read as TF's
 * {@code classifier.cc} / {@code regressor.cc} read a signature's: regress takes the output {@code
 * outputs} (or the only output), of shape {@code [N]} or {@code [N,1]}; classify takes {@code
 * scores} ({@code [N,C]}, or the only output) and {@code classes} ({@code [N,C]} strings; else the
 * scores output's labels from the model configuration, else {@code ""}). Stateless.
 */
final class ClassifyRegress {
  private final TfsModels models;

  ClassifyRegress(TfsModels models) {
    this.models = models;
  }

  /** One class of one example. */
  record Scored(String label, float score) {}

  /**
   * What a call produced.
   *
   * @param model the model that ran
   * @param version the version that ran
   * @param classes per example its classes (classify), else empty
   * @param values per example its value (regress), else empty
   */
  record Outcome(String model, long version, List<List<Scored>> classes, List<Float> values) {}

  /** Runs a classify ({@code classify} true) or regress call. */
  CompletableFuture<Outcome> run(
      String model,
      OptionalLong version,
      String signatureName,
      Examples examples,
      boolean classify,
      RequestObserver observer) {
    return runTasks(model, version, signatureName, examples, List.of(classify), observer)
        .thenApply(outcomes -> outcomes.get(0));
  }

  /**
   * Runs the model once on the examples and reads one outcome per task from that answer: a
   * classification where {@code classify} holds true, else a regression (MultiInference).
   */
  CompletableFuture<List<Outcome>> runTasks(
      String model,
      OptionalLong version,
      String signatureName,
      Examples examples,
      List<Boolean> classify,
      RequestObserver observer) {
    ModelMetadata md = models.metadata(model, version);
    if (!TfsModels.isDefaultSignature(signatureName)) {
      throw TfStatus.invalid("No signature was found with the name: " + signatureName)
          .toException();
    }
    InferenceRequest req =
        new InferenceRequest(
                md.name(), version, "", examples.tensors(md.inputs()), List.of(), Map.of())
            .withObserver(observer);
    int n = examples.examples().size();
    return models
        .service()
        .infer(req)
        .thenApply(resp -> {
          List<Outcome> out = new ArrayList<>(classify.size());
          for (boolean c : classify) {
            out.add(
                c
                    ? new Outcome(
                        resp.modelName(), resp.modelVersion(), classes(resp, md, n), List.of())
                    : new Outcome(
                        resp.modelName(), resp.modelVersion(), List.of(), values(resp, n)));
          }
          return out;
        });
  }

  private static Optional<NamedTensor> output(InferenceResponse r, String name) {
    return r.outputs().stream().filter(t -> t.name().equals(name)).findFirst();
  }

  private static List<Float> values(InferenceResponse r, int n) {
    NamedTensor out =
        output(r, "outputs")
            .or(() -> r.outputs().size() == 1 ? Optional.of(r.outputs().get(0)) : Optional.empty())
            .orElseThrow(() ->
                TfStatus.invalid("No regression outputs found in SignatureDef: serving_default")
                    .toException());
    Tensor t = out.tensor();
    long[] d = t.shape().toArray();
    boolean ok = (d.length == 1 && d[0] == n) || (d.length == 2 && d[0] == n && d[1] == 1);
    if (!ok || !(t.dataType() == DataType.FP32 || t.dataType() == DataType.FP64)) {
      throw TfStatus.invalid(
              "Expected output Tensor shape to be either [batch_size] or [batch_size, 1] but got "
                  + t.shape())
          .toException();
    }
    List<Float> out2 = new ArrayList<>(n);
    ByteBuffer b = t.data();
    for (int i = 0; i < n; i++) {
      out2.add(t.dataType() == DataType.FP32 ? b.getFloat() : (float) b.getDouble());
    }
    return out2;
  }

  private static List<List<Scored>> classes(InferenceResponse r, ModelMetadata md, int n) {
    Optional<NamedTensor> classes = output(r, "classes");
    Optional<NamedTensor> scores =
        output(r, "scores")
            .or(() ->
                r.outputs().size() == 1 && classes.isEmpty()
                    ? Optional.of(r.outputs().get(0))
                    : Optional.empty());
    if (classes.isEmpty() && scores.isEmpty()) {
      throw TfStatus.invalid("No classification outputs found in SignatureDef: serving_default")
          .toException();
    }
    long c = -1;
    for (NamedTensor t : classes.isPresent() ? List.of(classes.get()) : List.<NamedTensor>of()) {
      c = checkShape(t.tensor(), n, c);
    }
    if (scores.isPresent()) {
      c = checkShape(scores.get().tensor(), n, c);
      if (scores.get().tensor().dataType() != DataType.FP32) {
        throw TfStatus.invalid("Expected scores Tensor of DT_FLOAT.").toException();
      }
    }
    List<byte[]> labels = classes.map(t -> t.tensor().bytesElements()).orElse(List.of());
    List<String> configured =
        scores
            .flatMap(s -> md.outputs().stream().filter(o -> o.name().equals(s.name())).findFirst())
            .map(TensorMetadata::labels)
            .orElse(List.of());
    ByteBuffer sb = scores.map(s -> s.tensor().data()).orElse(null);
    List<List<Scored>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      List<Scored> row = new ArrayList<>();
      for (int j = 0; j < c; j++) {
        int k = (int) (i * c + j);
        String label =
            !labels.isEmpty()
                ? new String(labels.get(k), StandardCharsets.UTF_8)
                : j < configured.size() ? configured.get(j) : "";
        row.add(new Scored(label, sb == null ? 0f : sb.getFloat()));
      }
      out.add(row);
    }
    return out;
  }

  private static long checkShape(Tensor t, int n, long c) {
    long[] d = t.shape().toArray();
    if (d.length != 2 || d[0] != n || (c >= 0 && d[1] != c)) {
      throw TfStatus.invalid("Expected Tensor shape: [batch_size num_classes] but got " + t.shape())
          .toException();
    }
    return d[1];
  }
}
