package io.caracal.server.http;

import io.caracal.core.InferenceService;
import io.caracal.core.ModelRef;
import io.caracal.core.trace.TraceSettings;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET|POST /v2/trace/setting} and {@code /v2/models/{m}/trace/setting}: Triton's trace
 * extension; POST applies the given subset (core validates it and refuses {@code trace_file}).
 */
final class TraceSettingEndpoint implements V2Endpoint {
  private final InferenceService service;
  private final TraceSettings settings;
  private final V2AdminCodec admin;

  TraceSettingEndpoint(InferenceService service, TraceSettings settings, V2AdminCodec admin) {
    this.service = service;
    this.settings = settings;
    this.admin = admin;
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    Map<String, @Nullable List<String>> changes =
        call.request().method().name().equals("POST")
            ? admin.traceSettings(call.request().content())
            : Map.of();
    String model = call.target().map(ModelRef::name).orElse(null);
    return Reply.json(admin.traceSettings(settings.call(service, model, changes)));
  }
}
