package io.caracal.server.http;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** {@code GET /v2}: the server's name, version and protocol extensions. */
final class ServerMetadataEndpoint implements V2Endpoint {
  private final byte[] body;

  ServerMetadataEndpoint(V2JsonCodec codec, String name, String version, List<String> extensions) {
    this.body = codec.serverMetadata(name, version, extensions);
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    return Reply.json(body);
  }
}
