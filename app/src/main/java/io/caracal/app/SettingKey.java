package io.caracal.app;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Every key {@code caracal serve} understands, with how it is applied to {@link
 * ServerSettings.Builder}. The same key is a flag ({@code --http-port 8000}), a configuration file
 * entry ({@code http-port=8000}) and an environment variable ({@code CARACAL_HTTP_PORT=8000}).
 */
enum SettingKey {
  MODEL_REPOSITORY("model-repository", "DIR", "the Triton-layout model repository to serve (required)",
      (b, v) -> b.modelRepository(Path.of(v))),
  HOST("host", "ADDR", "address every listener binds (default 127.0.0.1)", (b, v) -> b.host(v)),
  HTTP_PORT("http-port", "PORT", "HTTP port, 0 = ephemeral (default 8000)",
      (b, v) -> b.httpPort(parseInt("http-port", v))),
  GRPC_PORT("grpc-port", "PORT", "gRPC port, 0 = ephemeral (default 8001)",
      (b, v) -> b.grpcPort(parseInt("grpc-port", v))),
  SERVER_NAME("server-name", "NAME", "name reported by GET /v2 (default caracal)", (b, v) -> b.serverName(v)),
  INTRA_OP_THREADS("intra-op-threads", "N", "ONNX Runtime threads per inference call, 0 = the cores divided among a version's instances (default 0)",
      (b, v) -> b.intraOpThreads(parseInt("intra-op-threads", v))),
  INTER_OP_THREADS("inter-op-threads", "N", "ONNX Runtime threads across independent operators, 0 = runtime default (default 0)",
      (b, v) -> b.interOpThreads(parseInt("inter-op-threads", v))),
  MAX_REQUEST_BYTES("max-request-bytes", "BYTES", "largest HTTP request body, larger ones get 413 (default 67108864)",
      (b, v) -> b.maxRequestBytes(parseLong("max-request-bytes", v))),
  MAX_JSON_DEPTH("max-json-depth", "N", "deepest JSON nesting accepted (default 100)",
      (b, v) -> b.maxJsonDepth(parseInt("max-json-depth", v))),
  MAX_JSON_NUMBER_LENGTH("max-json-number-length", "N", "longest JSON number token in characters (default 100)",
      (b, v) -> b.maxJsonNumberLength(parseInt("max-json-number-length", v))),
  MAX_TENSOR_ELEMENTS("max-tensor-elements", "N", "most elements one request tensor may declare (default 67108864)",
      (b, v) -> b.maxTensorElements(parseLong("max-tensor-elements", v))),
  MAX_INPUTS("max-inputs", "N", "most inputs one request may carry (default 64)",
      (b, v) -> b.maxInputs(parseInt("max-inputs", v))),
  MAX_RANK("max-rank", "N", "most dimensions one request tensor may have (default 16)",
      (b, v) -> b.maxRank(parseInt("max-rank", v))),
  MAX_BYTES_ELEMENT("max-bytes-element", "BYTES", "largest single BYTES element (default 16777216)",
      (b, v) -> b.maxBytesElement(parseLong("max-bytes-element", v))),
  HTTP_IDLE_TIMEOUT_SECS("http-idle-timeout-secs", "SECS", "seconds an idle HTTP connection stays open, 0 = forever (default 60)",
      (b, v) -> b.httpIdleTimeoutSecs(parseInt("http-idle-timeout-secs", v))),
  DRAIN_DELAY_SECS("drain-delay-secs", "SECS", "on SIGTERM: seconds still serving after readiness turned false, 0..3600 (default 5)",
      (b, v) -> b.drainDelaySecs(parseInt("drain-delay-secs", v))),
  EXIT_TIMEOUT_SECS("exit-timeout-secs", "SECS", "on SIGTERM: seconds in-flight requests may take to finish after the drain, then they fail with 503 (default 30)",
      (b, v) -> b.exitTimeoutSecs(parseInt("exit-timeout-secs", v))),
  THREADS_PER_INSTANCE("threads-per-instance", "N", "batches one model instance runs at once, each on its own exec thread (default 1)",
      (b, v) -> b.threadsPerInstance(parseInt("threads-per-instance", v))),
  QUEUE_CAPACITY("queue-capacity", "N", "queue bound per priority level of models whose queue policy sets no max_queue_size (default 128)",
      (b, v) -> b.queueCapacity(parseInt("queue-capacity", v))),
  LOAD_THREADS("load-threads", "N", "models loaded in parallel, at start and afterwards (repository API, poll mode) (default min(4, cores))",
      (b, v) -> b.loadThreads(parseInt("load-threads", v))),
  MODEL_CONTROL_MODE("model-control-mode", "none|poll|explicit",
      "none: load every model at start, refuse the load/unload API; poll: load every model at start, then follow repository changes; explicit: load only --load-model models, the API loads and unloads (default none)",
      (b, v) -> b.modelControlMode(io.caracal.core.lifecycle.ModelControlMode.parse(v))),
  LOAD_MODEL("load-model", "NAME", "explicit mode: a model to load at start, repeatable or comma-separated; * = all",
      (b, v) -> b.loadModels(java.util.Arrays.stream(v.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList())),
  REPOSITORY_POLL_SECS("repository-poll-secs", "SECS", "poll mode: seconds between two scans of the repository, 1..86400 (default 15)",
      (b, v) -> b.repositoryPollSecs(parseInt("repository-poll-secs", v))),
  STRICT_READINESS("strict-readiness", "true|false",
      "true: /v2/health/ready needs every model that should be loaded to be ready; false: ready once started, until a shutdown begins (default true)",
      (b, v) -> b.strictReadiness(parseBoolean("strict-readiness", v)));

  private final String key;
  private final String valueName;
  private final String help;
  private final BiConsumer<ServerSettings.Builder, String> apply;

  SettingKey(String key, String valueName, String help, BiConsumer<ServerSettings.Builder, String> apply) {
    this.key = key;
    this.valueName = valueName;
    this.help = help;
    this.apply = apply;
  }

  /** Returns the key as flags and files spell it, e.g. {@code http-port}. */
  String key() {
    return key;
  }

  /** Returns the environment variable, e.g. {@code CARACAL_HTTP_PORT}. */
  String environmentVariable() {
    return "CARACAL_" + key.replace('-', '_').toUpperCase(Locale.ROOT);
  }

  String valueName() {
    return valueName;
  }

  String help() {
    return help;
  }

  void apply(ServerSettings.Builder builder, String value) {
    apply.accept(builder, value.strip());
  }

  static Optional<SettingKey> of(String key) {
    for (SettingKey k : values()) {
      if (k.key.equals(key)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  private static boolean parseBoolean(String key, String v) {
    return switch (v.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
    };
  }

  private static int parseInt(String key, String v) {
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + v + "'");
    }
  }

  private static long parseLong(String key, String v) {
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + v + "'");
    }
  }
}
