package io.caracal.tracing;

import io.caracal.core.trace.TraceSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The tracer's start-up configuration: Triton's {@code --trace-config [<mode>,]<setting>=<value>}
 * entries over the standard OpenTelemetry environment variables, over the defaults.
 *
 * <table>
 *   <caption>Settings</caption>
 *   <tr><th>entry</th><th>environment</th><th>default</th></tr>
 *   <tr><td>{@code level=OFF|TIMESTAMPS}</td><td></td><td>{@code OFF}</td></tr>
 *   <tr><td>{@code rate=N}</td><td></td><td>1000</td></tr>
 *   <tr><td>{@code count=N}</td><td></td><td>-1 (no limit)</td></tr>
 *   <tr><td>{@code mode=opentelemetry}</td><td></td><td>{@code opentelemetry}</td></tr>
 *   <tr><td>{@code forced_per_second=N}</td><td></td><td>100</td></tr>
 *   <tr><td>{@code opentelemetry,url=U}</td><td>{@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT},
 *       {@code OTEL_EXPORTER_OTLP_ENDPOINT}</td>
 *       <td>{@code http://localhost:4318/v1/traces}, gRPC {@code http://localhost:4317}</td></tr>
 *   <tr><td>{@code opentelemetry,protocol=P}</td><td>{@code OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL}</td>
 *       <td>{@code http/protobuf} ({@code grpc})</td></tr>
 *   <tr><td></td><td>{@code OTEL_EXPORTER_OTLP_[TRACES_]HEADERS}</td><td>none</td></tr>
 *   <tr><td>{@code opentelemetry,resource=K=V}</td><td>{@code OTEL_RESOURCE_ATTRIBUTES},
 *       {@code OTEL_SERVICE_NAME}</td><td>{@code service.name=caracal}</td></tr>
 *   <tr><td>{@code opentelemetry,bsp_max_queue_size=N}</td><td>{@code OTEL_BSP_MAX_QUEUE_SIZE}</td>
 *       <td>2048</td></tr>
 *   <tr><td>{@code opentelemetry,bsp_schedule_delay=MS}</td><td>{@code OTEL_BSP_SCHEDULE_DELAY}</td>
 *       <td>5000</td></tr>
 *   <tr><td></td><td>{@code OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT}</td><td>10000 ms</td></tr>
 *   <tr><td>{@code opentelemetry,compression=C}</td>
 *       <td>{@code OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION}</td><td>{@code none}
 *       ({@code gzip})</td></tr>
 *   <tr><td>{@code opentelemetry,bsp_max_export_batch_size=N}</td>
 *       <td>{@code OTEL_BSP_MAX_EXPORT_BATCH_SIZE}</td><td>512 (at most the queue size)</td></tr>
 * </table>
 *
 * <p>Triton's own mode, {@code mode=triton} with {@code triton,file=PATH} (and {@code
 * triton,log-frequency=N}), writes Triton's JSON traces to that file, or to {@code PATH.0}, {@code
 * PATH.1}, ... every N traces; only the operator names the file, at start, and its directory must
 * exist. Nothing else is ever written, and the trace API can change neither.
 *
 * @param mode {@code opentelemetry} or {@code triton}
 * @param file Triton's mode: the trace file; null otherwise
 * @param initial the trace settings the server starts with (and returns to when a client clears
 *     one)
 * @param forcedPerSecond calls a second traced because their client's context was sampled
 * @param protocol {@code http/protobuf} or {@code grpc}
 * @param endpoint the OTLP endpoint: the full URL for http/protobuf, the server's URL for gRPC
 * @param headers headers sent with every export (never echoed)
 * @param resource the resource attributes, {@code service.name} among them
 * @param maxQueueSize spans kept for export; more are dropped
 * @param scheduleDelay time between two exports
 * @param maxExportBatchSize spans in one export
 * @param timeout how long one export may take ({@code OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT}, ms;
 *     default 10 s)
 * @param compression {@code gzip} or {@code none} ({@code OTEL_EXPORTER_OTLP_[TRACES_]COMPRESSION};
 *     default none)
 */
public record TraceConfig(
    String mode,
    @Nullable Path file,
    TraceSettings.Values initial,
    int forcedPerSecond,
    String protocol,
    String endpoint,
    Map<String, String> headers,
    Map<String, String> resource,
    int maxQueueSize,
    Duration scheduleDelay,
    int maxExportBatchSize,
    Duration timeout,
    String compression) {

  /** The http/protobuf protocol name. */
  public static final String HTTP_PROTOBUF = "http/protobuf";

  /** The gRPC protocol name. */
  public static final String GRPC = "grpc";

  public TraceConfig {
    Objects.requireNonNull(mode, "mode");
    if (mode.equals(TraceSettings.TRITON_MODE)) {
      if (file == null) {
        throw bad("trace mode triton needs the trace file: --trace-config triton,file=PATH");
      }
      Path dir = file.toAbsolutePath().getParent();
      if (dir == null || !Files.isDirectory(dir)) {
        throw bad("the trace file's directory does not exist: " + file);
      }
      if (Files.isDirectory(file)) {
        throw bad("the trace file is a directory: " + file);
      }
    } else if (!mode.equals(TraceSettings.MODE)) {
      throw bad("trace mode must be opentelemetry or triton, got '" + mode + "'");
    } else if (file != null) {
      throw bad("triton,file=" + file + " needs mode=triton");
    }
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(scheduleDelay, "scheduleDelay");
    headers = Map.copyOf(headers);
    resource = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(resource));
    if (forcedPerSecond < 0) {
      throw bad("forced_per_second must be >= 0, got " + forcedPerSecond);
    }
    if (!protocol.equals(HTTP_PROTOBUF) && !protocol.equals(GRPC)) {
      throw bad("OTLP protocol must be http/protobuf or grpc, got '" + protocol + "'");
    }
    if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
      throw bad("the OTLP url must start with http:// or https://, got '" + endpoint + "'");
    }
    if (maxQueueSize < 1) {
      throw bad("bsp_max_queue_size must be >= 1, got " + maxQueueSize);
    }
    if (maxExportBatchSize < 1 || maxExportBatchSize > maxQueueSize) {
      throw bad(
          "bsp_max_export_batch_size must be 1..bsp_max_queue_size ("
              + maxQueueSize
              + "), got "
              + maxExportBatchSize);
    }
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(compression, "compression");
    if (timeout.isNegative() || timeout.isZero()) {
      throw bad("the OTLP timeout must be > 0 ms, got " + timeout.toMillis());
    }
    if (!compression.equals("gzip") && !compression.equals("none")) {
      throw bad("OTLP compression must be gzip or none, got '" + compression + "'");
    }
    if (scheduleDelay.isNegative()) {
      throw bad("bsp_schedule_delay must be >= 0, got " + scheduleDelay.toMillis());
    }
  }

  /** Returns the configuration from the defaults and the environment alone. */
  public static TraceConfig ofDefault(Map<String, String> env) {
    return parse(List.of(), env);
  }

  /**
   * Reads {@code --trace-config} entries over the environment.
   *
   * @param entries the entries, each {@code [<mode>,]<setting>=<value>}
   * @param env the process environment ({@link System#getenv()})
   * @throws IllegalArgumentException naming the entry, for a malformed, unknown or refused entry
   */
  public static TraceConfig parse(List<String> entries, Map<String, String> env) {
    String mode = TraceSettings.MODE;
    Path file = null;
    TraceSettings.Level level = TraceSettings.Level.OFF;
    long rate = TraceSettings.Values.DEFAULTS.rate();
    int count = TraceSettings.Values.DEFAULTS.count();
    long logFrequency = 0;
    int forced = 100;
    String protocol =
        first(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
    protocol = protocol == null ? HTTP_PROTOBUF : protocol.trim();
    String endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    String base = env.get("OTEL_EXPORTER_OTLP_ENDPOINT");
    Map<String, String> headers =
        pairs(first(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"));
    Map<String, String> resource = new LinkedHashMap<>();
    resource.put("service.name", "caracal");
    resource.putAll(pairs(env.get("OTEL_RESOURCE_ATTRIBUTES")));
    String serviceName = env.get("OTEL_SERVICE_NAME");
    if (serviceName != null && !serviceName.isBlank()) {
      resource.put("service.name", serviceName.trim());
    }
    int queue = intEnv(env, "OTEL_BSP_MAX_QUEUE_SIZE", 2048);
    long delay = intEnv(env, "OTEL_BSP_SCHEDULE_DELAY", 5000);
    int batch = intEnv(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512);
    String timeout = first(env, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT");
    long timeoutMillis = 10_000;
    if (timeout != null && !timeout.isBlank()) {
      try {
        timeoutMillis = Long.parseLong(timeout.trim());
      } catch (NumberFormatException e) {
        throw bad("OTEL_EXPORTER_OTLP_TIMEOUT must be milliseconds, got '" + timeout + "'");
      }
    }
    String compression =
        first(env, "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION");
    compression = compression == null || compression.isBlank() ? "none" : compression.trim();
    for (String entry : entries) {
      String prefix = "";
      String rest = entry.trim();
      int comma = rest.indexOf(',');
      int eq = rest.indexOf('=');
      if (comma >= 0 && (eq < 0 || comma < eq)) {
        prefix = rest.substring(0, comma).trim();
        rest = rest.substring(comma + 1);
        eq = rest.indexOf('=');
      }
      if (eq <= 0) {
        throw bad("--trace-config '" + entry + "' is not [<mode>,]<setting>=<value>");
      }
      String key = rest.substring(0, eq).trim();
      String value = rest.substring(eq + 1).trim();
      switch (prefix) {
        case "" -> {
          switch (key) {
            case "level" -> level = level(entry, value);
            case "rate" -> rate = number(entry, value, 0, 0xFFFF_FFFFL);
            case "count" -> count = (int) number(entry, value, -1, Integer.MAX_VALUE);
            case "forced_per_second" -> forced = (int) number(entry, value, 0, Integer.MAX_VALUE);
            case "mode" -> {
              if (!value.equals(TraceSettings.MODE) && !value.equals(TraceSettings.TRITON_MODE)) {
                throw bad("--trace-config '" + entry + "': mode must be opentelemetry or triton");
              }
              mode = value;
            }
            default -> throw unknown(entry);
          }
        }
        case "opentelemetry" -> {
          switch (key) {
            case "url" -> endpoint = value;
            case "protocol" -> protocol = value;
            case "compression" -> compression = value;
            case "resource" -> {
              int e = value.indexOf('=');
              if (e <= 0) {
                throw bad("--trace-config '" + entry + "': resource must be <key>=<value>");
              }
              resource.put(value.substring(0, e).trim(), value.substring(e + 1).trim());
            }
            case "bsp_max_queue_size" -> queue = (int) number(entry, value, 1, Integer.MAX_VALUE);
            case "bsp_schedule_delay" -> delay = number(entry, value, 0, Integer.MAX_VALUE);
            case "bsp_max_export_batch_size" ->
                batch = (int) number(entry, value, 1, Integer.MAX_VALUE);
            default -> throw unknown(entry);
          }
        }
        case "triton" -> {
          switch (key) {
            case "log-frequency" -> logFrequency = number(entry, value, 0, 0xFFFF_FFFFL);
            case "file" -> {
              if (value.isEmpty()) {
                throw bad("--trace-config '" + entry + "': the file name is empty");
              }
              file = Path.of(value);
            }
            default -> throw unknown(entry);
          }
        }
        default -> throw bad("--trace-config '" + entry + "': unknown trace mode '" + prefix + "'");
      }
    }
    if ((endpoint == null || endpoint.isBlank()) && base != null && !base.isBlank()) {
      endpoint =
          protocol.equals(HTTP_PROTOBUF)
              ? (base.endsWith("/") ? base : base + "/") + "v1/traces"
              : base;
    }
    if (endpoint == null || endpoint.isBlank()) {
      endpoint =
          protocol.equals(GRPC) ? "http://localhost:4317" : "http://localhost:4318/v1/traces";
    }
    return new TraceConfig(
        mode,
        file,
        new TraceSettings.Values(level, rate, count, logFrequency),
        forced,
        protocol,
        endpoint,
        headers,
        resource,
        queue,
        Duration.ofMillis(delay),
        batch,
        Duration.ofMillis(timeoutMillis),
        compression);
  }

  /**
   * The exporter's settings as the trace API echoes them, in Triton's names (no headers); none in
   * Triton's mode.
   */
  public Map<String, String> exporterSettings() {
    Map<String, String> m = new LinkedHashMap<>();
    if (!mode.equals(TraceSettings.MODE)) {
      return m;
    }
    m.put("url", endpoint);
    StringBuilder r = new StringBuilder();
    resource.forEach((k, v) -> r.append(r.isEmpty() ? "" : ",").append(k).append('=').append(v));
    m.put("resource", r.toString());
    m.put("bsp_max_queue_size", Integer.toString(maxQueueSize));
    m.put("bsp_schedule_delay", Long.toString(scheduleDelay.toMillis()));
    m.put("bsp_max_export_batch_size", Integer.toString(maxExportBatchSize));
    return m;
  }

  private static TraceSettings.Level level(String entry, String value) {
    return switch (value.toUpperCase(Locale.ROOT)) {
      case "OFF" -> TraceSettings.Level.OFF;
      case "TIMESTAMPS" -> TraceSettings.Level.TIMESTAMPS;
      case "TENSORS" ->
          throw bad(
              "--trace-config '"
                  + entry
                  + "': level TENSORS is not supported (it would copy request and response data"
                  + " into trace storage); use TIMESTAMPS");
      default -> throw bad("--trace-config '" + entry + "': level must be OFF or TIMESTAMPS");
    };
  }

  private static long number(String entry, String value, long min, long max) {
    long v;
    try {
      v = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw bad("--trace-config '" + entry + "': '" + value + "' is not an integer");
    }
    if (v < min || v > max) {
      throw bad("--trace-config '" + entry + "': must be " + min + ".." + max + ", got " + v);
    }
    return v;
  }

  private static int intEnv(Map<String, String> env, String name, int dflt) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw bad(name + " must be an integer, got '" + v + "'");
    }
  }

  private static @Nullable String first(Map<String, String> env, String a, String b) {
    String v = env.get(a);
    return v != null && !v.isBlank() ? v : env.get(b);
  }

  /**
   * Parses {@code k=v,k=v} (W3C baggage-like, as the OTEL_* variables use; values may be
   * %-encoded).
   */
  private static Map<String, String> pairs(@Nullable String s) {
    Map<String, String> out = new LinkedHashMap<>();
    if (s == null) {
      return out;
    }
    for (String part : s.split(",")) {
      int e = part.indexOf('=');
      if (e > 0) {
        out.put(
            part.substring(0, e).trim(),
            java.net.URLDecoder.decode(
                part.substring(e + 1).trim(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static IllegalArgumentException unknown(String entry) {
    return bad("--trace-config '" + entry + "': unknown setting");
  }

  private static IllegalArgumentException bad(String message) {
    return new IllegalArgumentException(message);
  }
}
