package io.caracal.server.http;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v2}: the server's name, version and protocol extensions, as KServe V2 and Triton have
 * them, plus {@code backends}, the model backends this server has (when known).
 */
final class ServerMetadataEndpoint implements V2Endpoint {
  private final byte[] body;

  ServerMetadataEndpoint(
      V2JsonCodec codec,
      String name,
      String version,
      List<String> extensions,
      List<String> backends) {
    this.body = codec.serverMetadata(name, version, extensions, backends);
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    return Reply.json(body);
  }
}
