package io.caracal.server.http;

import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.core.InferenceService;
import io.caracal.core.ModelRef;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v2/models/{m}[/versions/{v}]/ready}: {@code {"name": m, "ready": true}}, or, as
 * Triton's HTTP endpoint answers, a failure {@code Model version not ready} with the reason the
 * repository index gives.
 */
final class ModelReadyEndpoint implements V2Endpoint {
  private final InferenceService service;
  private final V2JsonCodec codec;

  ModelReadyEndpoint(InferenceService service, V2JsonCodec codec) {
    this.service = service;
    this.codec = codec;
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    ModelRef m = call.model();
    if (!service.isModelReady(m.name(), m.version())) {
      throw new HttpProblem.ModelVersionNotReady(reason(m)).toException();
    }
    return Reply.json(codec.modelReady(m.name(), true));
  }

  private String reason(ModelRef m) {
    String reason = "";
    for (ModelStatus s : service.index()) {
      if (s.name().equals(m.name())
          && s.state() != ModelState.READY
          && (m.version().isEmpty() || s.version() == m.version().getAsLong())
          && !s.reason().isEmpty()) {
        reason = s.reason();
      }
    }
    return reason;
  }
}
