package io.caracal.server.http;

import io.caracal.core.logging.LogSettings;
import java.util.concurrent.CompletableFuture;

/** {@code GET|POST /v2/logging}: Triton's logging extension; POST applies the given subset. */
final class LoggingEndpoint implements V2Endpoint {
  private final LogSettings settings;
  private final V2AdminCodec admin;

  LoggingEndpoint(LogSettings settings, V2AdminCodec admin) {
    this.settings = settings;
    this.admin = admin;
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    LogSettings.Values v =
        call.request().method().name().equals("POST")
            ? settings.update(admin.object(call.request().content(), "logging"))
            : settings.get();
    return Reply.json(admin.logSettings(v));
  }
}
