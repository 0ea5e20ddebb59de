package io.caracal.server.http;

import io.caracal.core.InferenceService;
import io.caracal.core.ModelRef;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v2/models/{m}[/versions/{v}]}: the model's inputs, outputs, versions and platform.
 */
final class ModelMetadataEndpoint implements V2Endpoint {
  private final InferenceService service;
  private final V2JsonCodec codec;

  ModelMetadataEndpoint(InferenceService service, V2JsonCodec codec) {
    this.service = service;
    this.codec = codec;
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    ModelRef m = call.model();
    return Reply.json(codec.modelMetadata(service.metadata(m.name(), m.version())));
  }
}
