package io.caracal.server.tfserving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.caracal.api.InferenceRequest;
import io.caracal.api.ModelMetadata;
import io.caracal.api.RequestObserver;
import io.caracal.api.TensorMetadata;
import io.caracal.protocol.tf.TfDtypes;
import io.caracal.protocol.tf.TfFloats;
import io.caracal.protocol.tf.TfPredictRequest;
import io.caracal.protocol.tf.TfPredictResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * What answers TF Serving's REST routes, as JSON bodies: model status ({@code
 * GetModelStatusResponse} printed as proto JSON, versions newest first), metadata (the {@code
 * serving_default} SignatureDef, assembled as TF assembles it: no {@code @type}), and predict in
 * TF's order (parse, {@code signature_name}, model, signature, tensors, run). Failures are thrown
 * or complete the future; {@link TfsErrors} words them. Stateless; never blocks.
 */
final class TfsRestApi {
  private final TfsModels models;
  private final ClassifyRegress classifyRegress;
  private final JsonFactory json;

  TfsRestApi(TfsModels models, int maxJsonDepth, int maxBodyBytes) {
    this.models = models;
    this.classifyRegress = new ClassifyRegress(models);
    this.json = TfPredictRequest.jsonFactory(maxJsonDepth, maxBodyBytes);
  }

  /** {@code GET /v1/models/{m}[/versions/{v}|/labels/{l}]}: labels are ignored, as TF does. */
  byte[] status(TfsRoute route) {
    OptionalLong v =
        route.version().isEmpty()
            ? OptionalLong.empty()
            : OptionalLong.of(Long.parseLong(route.version()));
    StringBuilder sb = new StringBuilder("{\"model_version_status\":[");
    boolean first = true;
    for (TfsModels.VersionStatus s : models.statuses(route.model(), v)) {
      sb.append(first ? "" : ",")
          .append("{\"version\":\"")
          .append(s.version())
          .append("\",\"state\":\"")
          .append(s.state())
          .append("\",\"status\":{\"error_code\":\"")
          .append(s.errorCode().name())
          .append("\",\"error_message\":")
          .append(quote(s.errorMessage()))
          .append("}}");
      first = false;
    }
    return utf8(sb.append("]}").toString());
  }

  /** {@code GET /v1/models/{m}[/versions/{v}|/labels/{l}]/metadata}. */
  byte[] metadata(TfsRoute route) {
    OptionalLong v = models.version(route.model(), route.version(), route.label());
    ModelMetadata md = models.metadata(route.model(), v);
    StringBuilder sb = new StringBuilder("{\"model_spec\":{\"name\":");
    sb.append(quote(md.name()))
        .append(",\"signature_name\":\"\",\"version\":\"")
        .append(TfsModels.servedVersion(md, v))
        .append("\"},\"metadata\":{\"signature_def\":{\"signature_def\":{\"")
        .append(TfsModels.SERVING_DEFAULT)
        .append("\":{\"inputs\":");
    tensorInfos(md.inputs(), sb);
    sb.append(",\"outputs\":");
    tensorInfos(md.outputs(), sb);
    sb.append(",\"method_name\":\"")
        .append(TfsModels.PREDICT_METHOD)
        .append("\",\"defaults\":{}}}}}}");
    return utf8(sb.toString());
  }

  private static void tensorInfos(List<TensorMetadata> ts, StringBuilder sb) {
    sb.append('{');
    for (int i = 0; i < ts.size(); i++) {
      TensorMetadata t = ts.get(i);
      sb.append(i == 0 ? "" : ",")
          .append(quote(t.name()))
          .append(":{\"dtype\":\"")
          .append(TfDtypes.enumName(t.dataType()))
          .append("\",\"tensor_shape\":{\"dim\":[");
      long[] dims = t.shape().toArray();
      for (int d = 0; d < dims.length; d++) {
        sb.append(d == 0 ? "" : ",")
            .append("{\"size\":\"")
            .append(dims[d])
            .append("\",\"name\":\"\"}");
      }
      sb.append("],\"unknown_rank\":false},\"name\":").append(quote(t.name())).append('}');
    }
    sb.append('}');
  }

  /** {@code POST …:predict}. */
  CompletableFuture<byte[]> predict(TfsRoute route, byte[] body, RequestObserver observer) {
    TfPredictRequest parsed = TfPredictRequest.parse(json, body);
    OptionalLong v = models.version(route.model(), route.version(), route.label());
    ModelMetadata md = models.metadata(route.model(), v);
    if (!TfsModels.isDefaultSignature(parsed.signatureName())) {
      throw TfStatus.invalid(
              "Serving signature name: \""
                  + parsed.signatureName()
                  + "\" not found in signature def")
          .toException();
    }
    TfPredictRequest.Decoded decoded = parsed.tensors(md.inputs());
    InferenceRequest req =
        new InferenceRequest(md.name(), v, "", decoded.inputs(), List.of(), Map.of())
            .withObserver(observer);
    return models
        .service()
        .infer(req)
        .thenApply(resp ->
            TfPredictResponse.write(
                resp.outputs(), decoded.format(), TfPredictResponse.Style.TF_SERVING));
  }

  /**
   * {@code POST …:classify} and {@code …:regress}: {@code {"results": …}}, per example its classes
   * as {@code [label, score]} pairs, or its value ({@link ClassifyRegress}).
   */
  CompletableFuture<byte[]> classifyOrRegress(
      TfsRoute route, byte[] body, RequestObserver observer, boolean classify) {
    TfPredictRequest parsed = TfPredictRequest.parse(json, body);
    Examples examples = Examples.of(parsed.document(), "classify"); // TF's wording for both verbs
    OptionalLong v = models.version(route.model(), route.version(), route.label());
    return classifyRegress
        .run(route.model(), v, parsed.signatureName(), examples, classify, observer)
        .thenApply(o -> {
          StringBuilder sb = new StringBuilder("{\"results\":[");
          if (classify) {
            for (int i = 0; i < o.classes().size(); i++) {
              sb.append(i == 0 ? "[" : ",[");
              List<ClassifyRegress.Scored> row = o.classes().get(i);
              for (int j = 0; j < row.size(); j++) {
                sb.append(j == 0 ? "[" : ",[")
                    .append(quote(row.get(j).label()))
                    .append(',')
                    .append(TfFloats.format(row.get(j).score()))
                    .append(']');
              }
              sb.append(']');
            }
          } else {
            for (int i = 0; i < o.values().size(); i++) {
              sb.append(i == 0 ? "" : ",").append(TfFloats.format(o.values().get(i)));
            }
          }
          return utf8(sb.append("]}").toString());
        });
  }

  /** Returns a TF error body. */
  static byte[] error(String message) {
    return utf8("{\"error\":" + quote(message) + "}");
  }

  static String quote(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
