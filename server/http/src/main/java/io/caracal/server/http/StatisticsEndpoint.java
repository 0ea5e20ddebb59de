package io.caracal.server.http;

import io.caracal.core.InferenceService;
import io.caracal.core.ModelRef;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v2/models/{m}[/versions/{v}]/stats} and {@code GET /v2/models/stats}: Triton's
 * statistics extension, with Caracal's queue-wait figures under {@code caracal}.
 */
final class StatisticsEndpoint implements V2Endpoint {
  private final InferenceService service;
  private final V2AdminCodec admin;

  StatisticsEndpoint(InferenceService service, V2AdminCodec admin) {
    this.service = service;
    this.admin = admin;
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    String model = call.target().map(ModelRef::name).orElse("");
    OptionalLong version = call.target().map(ModelRef::version).orElse(OptionalLong.empty());
    return Reply.json(admin.statistics(service.statistics(model, version)));
  }
}
