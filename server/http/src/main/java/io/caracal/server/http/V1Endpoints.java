package io.caracal.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelStatus;
import io.caracal.core.InferenceService;
import io.caracal.core.ModelRef;
import io.caracal.protocol.tf.TfJsonException;
import io.caracal.protocol.tf.TfPredictRequest;
import io.caracal.protocol.tf.TfPredictResponse;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The KServe V1 routes of the main HTTP port: liveness, the model list, readiness, predict and
 * explain, answered as KServe's python server does. A predict body is TF Serving's row ({@code
 * instances}) or columnar ({@code inputs}) JSON, converted by {@link TfPredictRequest} against the
 * model's inputs with TF's type rules and messages ("all InferenceServices speak the Tensorflow V1
 * HTTP API"); the answer is always {@code {"predictions": ...}} (row-shaped for {@code instances},
 * the whole tensors for {@code inputs}), floats printed as TF prints them, non-finite values as
 * {@code null} as KServe's orjson writes them. Checks run in KServe's order: the model exists
 * (404), is ready (503), the body decodes (400). Stateless; never blocks.
 */
final class V1Endpoints {
  private final InferenceService service;
  private final JsonFactory json;

  V1Endpoints(InferenceService service, HttpLimits limits) {
    this.service = service;
    this.json = TfPredictRequest.jsonFactory(limits.maxJsonDepth() + 3, limits.maxBodyBytes());
  }

  /** Answers a matched V1 route; the method was checked. */
  CompletableFuture<V2Endpoint.Reply> handle(V1Route route, V2Endpoint.Call call) {
    return switch (route.kind()) {
      case LIVE -> V2Endpoint.Reply.json(utf8("{\"status\":\"alive\"}"));
      case LIST -> V2Endpoint.Reply.json(list());
      case READY -> {
        String m = readyModel(route);
        yield V2Endpoint.Reply.json(
            utf8("{\"name\":" + V1Errors.jsonString(m) + ",\"ready\":true}"));
      }
      case PREDICT -> predict(readyModel(route), call);
      case EXPLAIN -> {
        readyModel(route);
        throw InferenceException.of(
            new InferenceError.Unsupported("Could not find explainer_host."));
      }
      case NOT_FOUND -> throw new HttpProblem.NoRoute().toException();
    };
  }

  private byte[] list() {
    TreeSet<String> names = new TreeSet<>();
    for (ModelStatus s : service.index()) {
      names.add(s.name());
    }
    StringBuilder sb = new StringBuilder("{\"models\":[");
    boolean first = true;
    for (String n : names) {
      sb.append(first ? "" : ",").append(V1Errors.jsonString(n));
      first = false;
    }
    return utf8(sb.append("]}").toString());
  }

  /** Returns the route's model once it is known to exist (404) and to be ready (503). */
  private String readyModel(V1Route route) {
    String requested = route.model() == null ? "" : route.model();
    String name;
    try {
      name = ModelRef.parse(requested, "").name();
    } catch (InferenceException e) {
      // a name no model can have (KServe has no name rules): no such model
      throw InferenceException.of(new InferenceError.ModelNotFound(requested, ""));
    }
    if (!service.isModelReady(name, OptionalLong.empty())) {
      throw InferenceException.of(new InferenceError.ModelNotReady(name, OptionalLong.empty(), ""));
    }
    return name;
  }

  private CompletableFuture<V2Endpoint.Reply> predict(String model, V2Endpoint.Call call) {
    byte[] body = ByteBufUtil.getBytes(call.request().content());
    TfPredictRequest parsed;
    try {
      parsed = TfPredictRequest.parse(json, body);
    } catch (TfJsonException e) {
      String m = String.valueOf(e.getMessage());
      if (m.startsWith("JSON Parse error: ")) {
        m = m.substring("JSON Parse error: ".length());
      }
      throw InferenceException.invalid("", "Unrecognized request format: " + m);
    }
    ModelMetadata md = service.metadata(model, OptionalLong.empty());
    TfPredictRequest.Decoded decoded;
    try {
      decoded = parsed.tensors(md.inputs());
    } catch (TfJsonException e) {
      throw e.toInferenceException();
    }
    InferenceRequest req =
        new InferenceRequest(model, OptionalLong.empty(), "", decoded.inputs(), List.of(), Map.of())
            .withObserver(call.record());
    return service
        .infer(req)
        .thenApply(resp -> {
          byte[] out;
          try {
            out =
                TfPredictResponse.write(
                    resp.outputs(), decoded.format(), TfPredictResponse.Style.KSERVE_V1);
          } catch (TfJsonException e) {
            throw e.toInferenceException();
          }
          return alloc ->
              V2Endpoint.jsonResponse(io.netty.handler.codec.http.HttpResponseStatus.OK, out);
        });
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
