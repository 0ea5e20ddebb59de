package io.caracal.server.http;

import io.caracal.core.InferenceService;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v2/repository/models/{m}/load} and {@code .../unload}: the call runs on core's
 * repository-control executor ({@code ModelControl}); the connection waits for it (later pipelined
 * requests wait too) and answers an empty JSON body.
 */
final class RepositoryControlEndpoint implements V2Endpoint {
  private static final byte[] EMPTY = new byte[0];

  private final InferenceService service;
  private final V2AdminCodec admin;
  private final boolean load;

  RepositoryControlEndpoint(InferenceService service, V2AdminCodec admin, boolean load) {
    this.service = service;
    this.admin = admin;
    this.load = load;
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    admin.checkControlBody(call.request().content(), load ? "load" : "unload");
    String model = call.model().name();
    CompletableFuture<Void> done = load ? service.loadModel(model) : service.unloadModel(model);
    return done.thenApply(v -> alloc -> V2Endpoint.jsonResponse(HttpResponseStatus.OK, EMPTY));
  }
}
