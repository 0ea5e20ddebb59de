package io.caracal.server.http;

import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /v2/health/live} and {@code /v2/health/ready}: {@code {"live": true}} (or {@code
 * ready}) with 200, or {@code false} with the status {@link HttpErrors#health} gives a failed
 * probe.
 */
final class HealthEndpoint implements V2Endpoint {
  private final String member;
  private final BooleanSupplier probe;
  private final V2JsonCodec codec;

  HealthEndpoint(String member, BooleanSupplier probe, V2JsonCodec codec) {
    this.member = member;
    this.probe = probe;
    this.codec = codec;
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    boolean ok = probe.getAsBoolean();
    return Reply.json(HttpErrors.health(ok), codec.flag(member, ok));
  }
}
