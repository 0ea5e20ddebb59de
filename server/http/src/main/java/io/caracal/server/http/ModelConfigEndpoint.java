package io.caracal.server.http;

import com.google.protobuf.InvalidProtocolBufferException;
import io.caracal.core.InferenceService;
import io.caracal.core.ModelRef;
import io.caracal.proto.inference.ModelConfig;
import io.caracal.protocol.config.ConfigJson;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /v2/models/{m}[/versions/{v}]/config}: the completed configuration as Triton prints it
 * (protobuf JSON with the proto's field names and every primitive field).
 */
final class ModelConfigEndpoint implements V2Endpoint {
  private final InferenceService service;

  ModelConfigEndpoint(InferenceService service) {
    this.service = service;
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    ModelRef m = call.model();
    byte[] serialized = service.modelConfig(m.name(), m.version()).toByteArray();
    ModelConfig config;
    try {
      config = ModelConfig.parseFrom(serialized);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("core returned a configuration that does not parse", e);
    }
    return Reply.json(ConfigJson.print(config).getBytes(StandardCharsets.UTF_8));
  }
}
