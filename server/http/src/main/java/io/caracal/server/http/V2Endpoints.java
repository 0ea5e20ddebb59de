package io.caracal.server.http;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.Extensions;
import io.caracal.core.InferenceService;
import io.caracal.core.logging.LogSettings;
import io.caracal.core.trace.TraceSettings;
import java.util.EnumMap;
import java.util.Map;

/**
 * The route table: one {@link V2Endpoint} per {@link V2Route.Kind}, built once per server and
 * shared by its connections (every endpoint is stateless or thread-safe).
 */
final class V2Endpoints {
  private final Map<V2Route.Kind, V2Endpoint> byKind;

  private V2Endpoints(Map<V2Route.Kind, V2Endpoint> byKind) {
    this.byKind = byKind;
  }

  /** Builds the table of a server. */
  static V2Endpoints create(
      InferenceService service,
      V2JsonCodec codec,
      String serverName,
      String serverVersion,
      LogSettings logSettings,
      TraceSettings traceSettings,
      int maxBodyBytes,
      java.util.List<String> backends) {
    V2AdminCodec admin = new V2AdminCodec();
    Map<V2Route.Kind, V2Endpoint> m = new EnumMap<>(V2Route.Kind.class);
    m.put(
        V2Route.Kind.SERVER_METADATA,
        new ServerMetadataEndpoint(
            codec, serverName, serverVersion, Extensions.SUPPORTED, backends));
    m.put(V2Route.Kind.HEALTH_LIVE, new HealthEndpoint("live", service::isLive, codec));
    m.put(V2Route.Kind.HEALTH_READY, new HealthEndpoint("ready", service::isReady, codec));
    m.put(V2Route.Kind.MODEL_METADATA, new ModelMetadataEndpoint(service, codec));
    m.put(V2Route.Kind.MODEL_READY, new ModelReadyEndpoint(service, codec));
    m.put(V2Route.Kind.INFER, new InferEndpoint(service, codec, maxBodyBytes));
    m.put(V2Route.Kind.MODEL_CONFIG, new ModelConfigEndpoint(service));
    StatisticsEndpoint stats = new StatisticsEndpoint(service, admin);
    m.put(V2Route.Kind.MODEL_STATS, stats);
    m.put(V2Route.Kind.ALL_STATS, stats);
    m.put(V2Route.Kind.REPOSITORY_INDEX, new RepositoryIndexEndpoint(service, admin));
    m.put(V2Route.Kind.REPOSITORY_LOAD, new RepositoryControlEndpoint(service, admin, true));
    m.put(V2Route.Kind.REPOSITORY_UNLOAD, new RepositoryControlEndpoint(service, admin, false));
    m.put(
        V2Route.Kind.REPOSITORY_NAMED,
        call -> {
          throw InferenceException.of(
              new InferenceError.Unsupported("'repository_name' specification is not supported"));
        });
    m.put(V2Route.Kind.LOGGING, new LoggingEndpoint(logSettings, admin));
    m.put(V2Route.Kind.TRACE_SETTING, new TraceSettingEndpoint(service, traceSettings, admin));
    m.put(
        V2Route.Kind.NOT_FOUND,
        call -> {
          throw new HttpProblem.NoRoute().toException();
        });
    for (V2Route.Kind k : V2Route.Kind.values()) {
      if (!m.containsKey(k)) {
        throw new IllegalStateException("no endpoint for route " + k);
      }
    }
    return new V2Endpoints(m);
  }

  /** Returns the endpoint of a route. */
  V2Endpoint get(V2Route.Kind kind) {
    V2Endpoint e = byKind.get(kind);
    if (e == null) {
      throw new IllegalStateException("no endpoint for route " + kind);
    }
    return e;
  }
}
