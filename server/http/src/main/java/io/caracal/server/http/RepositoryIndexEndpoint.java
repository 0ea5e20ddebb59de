package io.caracal.server.http;

import io.caracal.core.InferenceService;
import java.util.concurrent.CompletableFuture;

/** {@code POST /v2/repository/index}: every model version and its state ({@code ready} filters). */
final class RepositoryIndexEndpoint implements V2Endpoint {
  private final InferenceService service;
  private final V2AdminCodec admin;

  RepositoryIndexEndpoint(InferenceService service, V2AdminCodec admin) {
    this.service = service;
    this.admin = admin;
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    boolean readyOnly = admin.readyFilter(call.request().content());
    return Reply.json(admin.index(service.index(), readyOnly));
  }
}
