package io.caracal.app;

import io.caracal.core.lifecycle.ModelControlMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * Every setting of {@code caracal serve}, after flags, environment and configuration file have been
 * merged. Each setting is declared once, as a field of {@link Builder}: its initializer is the
 * default and its {@code @Option} the flag, from which the environment variable and the
 * configuration file key are derived ({@link SettingSources}); {@code caracal serve --help} lists
 * them.
 *
 * @param modelRepository the Triton-layout model repository to serve; null when {@code
 *     modelConfigFile} describes the repository
 * @param modelName when not empty and {@code modelRepository} is itself one model's folder (it
 *     holds {@code config.pbtxt}, version folders or a model file, as KServe's {@code
 *     /mnt/models}), the name that model is served under
 * @param host the address every listener binds
 * @param httpPort the HTTP port; 0 = ephemeral
 * @param grpcPort the gRPC port; 0 = ephemeral
 * @param tfsRestPort TF Serving's REST API port; -1 = off (the default), 0 = ephemeral
 * @param tfsGrpcPort TF Serving's gRPC API port; -1 = off (the default), 0 = ephemeral
 * @param modelConfigFile TF Serving's {@code model_config_list} text file: the repository when
 *     {@code modelRepository} is null, else version labels for the TF transports; empty for none
 * @param modelConfigPollSecs seconds between two reads of the model config file; 0 = read once
 * @param serverName the name {@code GET /v2} reports
 * @param intraOpThreads ONNX Runtime threads per inference call; 0 = one per core
 * @param interOpThreads ONNX Runtime threads across independent operators; 0 = runtime default
 * @param backendDirectory the folder of backend plug-ins (jars in it and its sub-folders); empty
 *     for none
 * @param maxRequestBytes the largest HTTP request body accepted
 * @param maxJsonDepth the deepest JSON nesting accepted
 * @param maxJsonNumberLength the longest JSON number token accepted, in characters
 * @param maxTensorElements the most elements one request tensor may declare
 * @param maxInputs the most inputs one request may carry
 * @param maxRank the most dimensions one request tensor may have
 * @param maxBytesElement the largest single BYTES element, in bytes
 * @param httpIdleTimeoutSecs seconds an idle HTTP connection is kept open; 0 = forever
 * @param httpHeaderTimeoutSecs seconds from a request's first byte until its header block is
 *     complete (408 beyond); 0 = none
 * @param httpBodyTimeoutSecs seconds from the end of the header block until the body is complete
 *     (408 beyond); 0 = none
 * @param httpMaxConnections open HTTP connections at most (503 beyond); 0 = unbounded
 * @param httpMaxConnectionsPerAddress open HTTP connections from one client address at most; 0 =
 *     unbounded
 * @param grpcMaxConnections open gRPC connections at most (closed at accept beyond); 0 = unbounded
 * @param grpcMaxConnectionsPerAddress open gRPC connections from one client address at most; 0 =
 *     unbounded
 * @param httpMaxInflightBytes request bytes in flight on the HTTP listener at most (bodies being
 *     received or waiting, and their decompressed forms); 503 beyond; 0 = unbounded
 * @param drainDelaySecs on SIGTERM, seconds requests are still served after readiness turned false
 * @param exitTimeoutSecs on SIGTERM, seconds admitted requests may take to finish once the
 *     listeners stopped accepting; what is left then fails with 503
 * @param queueCapacity requests that may wait per model and priority level before new ones are
 *     refused with 503, for models whose queue policy sets no {@code max_queue_size}
 * @param defaultMaxBatchSize the {@code max_batch_size} auto-complete gives a model that can batch
 *     and whose config leaves it unset (Triton's {@code default-max-batch-size}); above 1 such a
 *     model also gets the dynamic batcher when its config names no scheduler; 0 = no batching
 * @param threadsPerInstance batches one model instance runs at once (execution threads per
 *     instance)
 * @param loadThreads models loaded in parallel at start
 * @param modelControlMode {@code none}: every model loads at start and the load/unload API is
 *     refused; {@code explicit}: only {@code loadModels} load at start and the API loads and
 *     unloads
 * @param loadModels in explicit mode, the models loaded at start ({@code *} = all)
 * @param repositoryPollSecs in poll mode, seconds between two scans of the repository
 * @param strictReadiness server readiness needs every model that should be loaded to be ready
 *     (true, the default); false: the server is ready once started and until a shutdown begins
 * @param cacheSize the response cache's bound in bytes, shared by the models that enable it ({@code
 *     response_cache { enable: true }}); 0 = no cache
 * @param cacheMaxEntryBytes the largest response the cache keeps, in bytes (from {@code
 *     --cache-config local,max_entry_bytes=N}); 0 = a sixteenth of the cache
 * @param allowMetrics whether the Prometheus endpoint listens ({@code --allow-metrics}, Triton's
 *     flag)
 * @param metricsPort the Prometheus endpoint's port, same host; 0 = ephemeral
 * @param metricsConfig Triton's {@code --metrics-config key=value} settings ({@link
 *     io.caracal.metrics.MetricsConfig})
 * @param accessLog write one JSON line per call to the {@code caracal.access} logger
 * @param traceConfig Triton's {@code --trace-config [<mode>,]<setting>=<value>} entries, over the
 *     {@code OTEL_*} environment variables ({@link io.caracal.tracing.TraceConfig}); tracing is off
 *     unless {@code level=TIMESTAMPS} or the trace API turns it on
 * @param modelKeyFile a file of {@code key-id=base64-key} lines: the keys encrypted models ({@code
 *     model.onnx.enc}) are decrypted with; empty for none
 * @param modelKeys more model keys, given inline ({@code --model-keys}, meant for the {@code
 *     CARACAL_MODEL_KEYS} variable); merged with the file's
 * @param tls the listeners' TLS: certificates, keys, client CA, reload period ({@link TlsSettings})
 * @param auth authentication, roles, restricted API categories, rate limits and the audit log
 */
public record ServerSettings(
    @Nullable Path modelRepository,
    String modelName,
    String host,
    int httpPort,
    int grpcPort,
    int tfsRestPort,
    int tfsGrpcPort,
    String modelConfigFile,
    int modelConfigPollSecs,
    String serverName,
    int intraOpThreads,
    int interOpThreads,
    String backendDirectory,
    long maxRequestBytes,
    int maxJsonDepth,
    int maxJsonNumberLength,
    long maxTensorElements,
    int maxInputs,
    int maxRank,
    long maxBytesElement,
    int httpIdleTimeoutSecs,
    int httpHeaderTimeoutSecs,
    int httpBodyTimeoutSecs,
    int httpMaxConnections,
    int httpMaxConnectionsPerAddress,
    long httpMaxInflightBytes,
    int grpcMaxConnections,
    int grpcMaxConnectionsPerAddress,
    int drainDelaySecs,
    int exitTimeoutSecs,
    int queueCapacity,
    int defaultMaxBatchSize,
    int threadsPerInstance,
    int loadThreads,
    ModelControlMode modelControlMode,
    List<String> loadModels,
    int repositoryPollSecs,
    boolean strictReadiness,
    long cacheSize,
    long cacheMaxEntryBytes,
    boolean allowMetrics,
    int metricsPort,
    List<String> metricsConfig,
    boolean accessLog,
    List<String> traceConfig,
    String modelKeyFile,
    io.caracal.core.encryption.ModelKeys modelKeys,
    TlsSettings tls,
    AuthSettings auth) {

  public ServerSettings {
    if (modelRepository == null && modelConfigFile.isEmpty()) {
      throw new IllegalArgumentException("a model repository or a model config file is required");
    }
    Objects.requireNonNull(modelName, "modelName");
    if (!modelName.isEmpty() && !io.caracal.core.repository.ModelNames.isValid(modelName)) {
      throw new IllegalArgumentException(
          "model-name: '"
              + io.caracal.core.repository.ModelNames.printable(modelName)
              + "' is not a valid model name");
    }
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(serverName, "serverName");
    check(httpPort >= 0 && httpPort <= 65535, "http-port", httpPort, "0..65535");
    check(grpcPort >= 0 && grpcPort <= 65535, "grpc-port", grpcPort, "0..65535");
    check(tfsRestPort >= -1 && tfsRestPort <= 65535, "tfs-rest-port", tfsRestPort, "-1..65535");
    check(tfsGrpcPort >= -1 && tfsGrpcPort <= 65535, "tfs-grpc-port", tfsGrpcPort, "-1..65535");
    Objects.requireNonNull(modelConfigFile, "modelConfigFile");
    check(
        modelConfigPollSecs >= 0 && modelConfigPollSecs <= 86400,
        "model-config-file-poll-secs",
        modelConfigPollSecs,
        "0..86400");
    check(intraOpThreads >= 0, "intra-op-threads", intraOpThreads, ">= 0");
    check(interOpThreads >= 0, "inter-op-threads", interOpThreads, ">= 0");
    Objects.requireNonNull(backendDirectory, "backendDirectory");
    check(
        maxRequestBytes >= 1024 && maxRequestBytes <= Integer.MAX_VALUE,
        "max-request-bytes",
        maxRequestBytes,
        "1024..2147483647");
    check(maxJsonDepth >= 2 && maxJsonDepth <= 1000, "max-json-depth", maxJsonDepth, "2..1000");
    check(
        maxJsonNumberLength >= 16 && maxJsonNumberLength <= 10000,
        "max-json-number-length",
        maxJsonNumberLength,
        "16..10000");
    check(maxTensorElements >= 1, "max-tensor-elements", maxTensorElements, ">= 1");
    check(maxInputs >= 1, "max-inputs", maxInputs, ">= 1");
    check(maxRank >= 1, "max-rank", maxRank, ">= 1");
    check(maxBytesElement >= 1, "max-bytes-element", maxBytesElement, ">= 1");
    check(httpIdleTimeoutSecs >= 0, "http-idle-timeout-secs", httpIdleTimeoutSecs, ">= 0");
    check(
        httpHeaderTimeoutSecs >= 0 && httpHeaderTimeoutSecs <= 3600,
        "http-header-timeout-secs",
        httpHeaderTimeoutSecs,
        "0..3600");
    check(
        httpBodyTimeoutSecs >= 0 && httpBodyTimeoutSecs <= 86400,
        "http-body-timeout-secs",
        httpBodyTimeoutSecs,
        "0..86400");
    check(httpMaxConnections >= 0, "http-max-connections", httpMaxConnections, ">= 0");
    check(
        httpMaxConnectionsPerAddress >= 0,
        "http-max-per-address",
        httpMaxConnectionsPerAddress,
        ">= 0");
    check(httpMaxInflightBytes >= 0, "http-max-inflight-bytes", httpMaxInflightBytes, ">= 0");
    check(grpcMaxConnections >= 0, "grpc-max-connections", grpcMaxConnections, ">= 0");
    check(
        grpcMaxConnectionsPerAddress >= 0,
        "grpc-max-per-address",
        grpcMaxConnectionsPerAddress,
        ">= 0");
    check(
        drainDelaySecs >= 0 && drainDelaySecs <= 3600,
        "drain-delay-secs",
        drainDelaySecs,
        "0..3600");
    check(
        exitTimeoutSecs >= 0 && exitTimeoutSecs <= 3600,
        "exit-timeout-secs",
        exitTimeoutSecs,
        "0..3600");
    check(queueCapacity >= 1, "queue-capacity", queueCapacity, ">= 1");
    check(
        defaultMaxBatchSize >= 0 && defaultMaxBatchSize <= 1 << 20,
        "default-max-batch-size",
        defaultMaxBatchSize,
        "0..1048576");
    check(
        threadsPerInstance >= 1 && threadsPerInstance <= 256,
        "threads-per-instance",
        threadsPerInstance,
        "1..256");
    check(loadThreads >= 1, "load-threads", loadThreads, ">= 1");
    Objects.requireNonNull(modelControlMode, "modelControlMode");
    loadModels = List.copyOf(loadModels);
    for (String m : loadModels) {
      if (!m.equals("*") && !io.caracal.core.repository.ModelNames.isValid(m)) {
        throw new IllegalArgumentException(
            "load-model: '"
                + io.caracal.core.repository.ModelNames.printable(m)
                + "' is not a valid model name");
      }
    }
    if (!loadModels.isEmpty() && modelControlMode != ModelControlMode.EXPLICIT) {
      throw new IllegalArgumentException("load-model needs model-control-mode explicit");
    }
    check(
        repositoryPollSecs >= 1 && repositoryPollSecs <= 86400,
        "repository-poll-secs",
        repositoryPollSecs,
        "1..86400");
    check(cacheSize >= 0, "cache-size", cacheSize, ">= 0");
    traceConfig = List.copyOf(traceConfig);
    try {
      io.caracal.tracing.TraceConfig.parse(traceConfig, java.util.Map.of());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("trace-config: " + e.getMessage(), e);
    }
    check(metricsPort >= 0 && metricsPort <= 65535, "metrics-port", metricsPort, "0..65535");
    metricsConfig = List.copyOf(metricsConfig);
    io.caracal.metrics.MetricsConfig.parse(metricsConfig); // an unknown key fails at start
    Objects.requireNonNull(modelKeyFile, "modelKeyFile");
    Objects.requireNonNull(modelKeys, "modelKeys");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(auth, "auth");
  }

  private static void check(boolean ok, String key, long value, String range) {
    if (!ok) {
      throw new IllegalArgumentException(key + " must be " + range + ", got " + value);
    }
  }

  /**
   * Returns a builder with every default set and no repository: set {@link Builder#modelRepository}
   * or {@link Builder#modelConfigFile} before building.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder with every default set, serving {@code modelRepository}. */
  public static Builder builder(Path modelRepository) {
    return new Builder().modelRepository(modelRepository);
  }

  /** Returns a builder holding these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.modelRepository = modelRepository;
    return b.modelName(modelName)
        .host(host)
        .httpPort(httpPort)
        .grpcPort(grpcPort)
        .tfsRestPort(tfsRestPort)
        .tfsGrpcPort(tfsGrpcPort)
        .modelConfigFile(modelConfigFile)
        .modelConfigPollSecs(modelConfigPollSecs)
        .serverName(serverName)
        .intraOpThreads(intraOpThreads)
        .interOpThreads(interOpThreads)
        .backendDirectory(backendDirectory)
        .maxRequestBytes(maxRequestBytes)
        .maxJsonDepth(maxJsonDepth)
        .maxJsonNumberLength(maxJsonNumberLength)
        .maxTensorElements(maxTensorElements)
        .maxInputs(maxInputs)
        .maxRank(maxRank)
        .maxBytesElement(maxBytesElement)
        .httpIdleTimeoutSecs(httpIdleTimeoutSecs)
        .httpHeaderTimeoutSecs(httpHeaderTimeoutSecs)
        .httpBodyTimeoutSecs(httpBodyTimeoutSecs)
        .httpMaxConnections(httpMaxConnections)
        .httpMaxConnectionsPerAddress(httpMaxConnectionsPerAddress)
        .httpMaxInflightBytes(httpMaxInflightBytes)
        .grpcMaxConnections(grpcMaxConnections)
        .grpcMaxConnectionsPerAddress(grpcMaxConnectionsPerAddress)
        .drainDelaySecs(drainDelaySecs)
        .exitTimeoutSecs(exitTimeoutSecs)
        .queueCapacity(queueCapacity)
        .defaultMaxBatchSize(defaultMaxBatchSize)
        .threadsPerInstance(threadsPerInstance)
        .loadThreads(loadThreads)
        .modelControlMode(modelControlMode)
        .loadModels(loadModels)
        .repositoryPollSecs(repositoryPollSecs)
        .strictReadiness(strictReadiness)
        .cacheSize(cacheSize)
        .cacheConfig(
            cacheMaxEntryBytes > 0
                ? List.of("local,max_entry_bytes=" + cacheMaxEntryBytes)
                : List.of())
        .allowMetrics(allowMetrics)
        .metricsPort(metricsPort)
        .metricsConfig(metricsConfig)
        .accessLog(accessLog)
        .traceConfig(traceConfig)
        .modelKeyFile(modelKeyFile)
        .modelKeys(modelKeys)
        .tlsCertFile(tls.certFile())
        .tlsKeyFile(tls.keyFile())
        .tlsClientCaFile(tls.clientCaFile())
        .tlsClientAuth(tls.clientAuth().flagValue())
        .tlsReloadSecs(tls.reloadSecs())
        .metricsTlsCertFile(tls.metricsCertFile())
        .metricsTlsKeyFile(tls.metricsKeyFile())
        .metricsTls(tls.metricsTls())
        .auth(auth);
  }

  /** Returns the parsed {@code --metrics-config} settings. */
  public io.caracal.metrics.MetricsConfig metrics() {
    return io.caracal.metrics.MetricsConfig.parse(metricsConfig);
  }

  /**
   * Builds {@link ServerSettings}; {@link #build()} validates every value.
   *
   * <p>Each field is also a {@code caracal serve} option, declared only here: the initializer is
   * its default, the {@code @Option} its flag and help; the environment variable ({@code
   * --http-port} is {@code CARACAL_HTTP_PORT}) and the configuration file key ({@code http-port})
   * are derived from the flag by {@link SettingSources}. The command line fills a builder, so there
   * is no second list.
   */
  public static final class Builder {
    @Option(
        names = "--model-repository",
        paramLabel = "DIR",
        description =
            "the Triton-layout model repository to serve (required unless --model-config-file"
                + " lists the models)")
    private @Nullable Path modelRepository;

    @Option(
        names = "--model-name",
        paramLabel = "NAME",
        description =
            "when --model-repository is itself one model's folder (config.pbtxt, version folders or model.onnx, as KServe's /mnt/models), serve it as this model")
    private String modelName = "";

    @Option(names = "--host", paramLabel = "ADDR", description = "address every listener binds")
    private String host = "127.0.0.1";

    @Option(
        names = "--http-port",
        paramLabel = "PORT",
        description = "HTTP port; 0 = ephemeral (the bound port is logged)")
    private int httpPort = 8000;

    @Option(
        names = "--grpc-port",
        paramLabel = "PORT",
        description = "gRPC port, same host; 0 = ephemeral (the bound port is logged)")
    private int grpcPort = 8001;

    @Option(
        names = "--tfs-rest-port",
        paramLabel = "PORT",
        description =
            "TensorFlow Serving REST API port (TF Serving's image uses 8501); -1 = off, 0 = ephemeral")
    private int tfsRestPort = -1;

    @Option(
        names = "--tfs-grpc-port",
        paramLabel = "PORT",
        description =
            "TensorFlow Serving gRPC API port (TF Serving uses 8500); -1 = off, 0 = ephemeral")
    private int tfsGrpcPort = -1;

    @Option(
        names = "--model-config-file",
        paramLabel = "FILE",
        description =
            "TF Serving model_config_list text file: the models to serve (without"
                + " --model-repository), or version labels for the TF Serving transports")
    private String modelConfigFile = "";

    @Option(
        names = "--model-config-file-poll-secs",
        paramLabel = "N",
        description = "seconds between two reads of --model-config-file; 0 = read once")
    private int modelConfigPollSecs = 0;

    @Option(
        names = "--server-name",
        paramLabel = "NAME",
        description = "name reported by GET /v2 (set triton for clients that check it)")
    private String serverName = "caracal";

    @Option(
        names = "--intra-op-threads",
        paramLabel = "N",
        description =
            "ONNX Runtime threads per inference call; 0 = the cores divided among a version's instances")
    private int intraOpThreads = 0;

    @Option(
        names = "--inter-op-threads",
        paramLabel = "N",
        description = "ONNX Runtime threads across independent operators; 0 = runtime default")
    private int interOpThreads = 0;

    @Option(
        names = "--backend-directory",
        paramLabel = "DIR",
        description =
            "folder of backend plug-ins: the jars in DIR and in its sub-folders are loaded and their"
                + " backends added to the built-in ones (Triton's flag of the same name)")
    private String backendDirectory = "";

    @Option(
        names = "--threads-per-instance",
        paramLabel = "N",
        description =
            "batches one model instance runs at once, each on its own exec thread (1..256)")
    private int threadsPerInstance = 1;

    @Option(
        names = "--queue-capacity",
        paramLabel = "N",
        description =
            "requests that may wait per model and priority level when its queue policy sets no max_queue_size; more get 503")
    private int queueCapacity = 128;

    @Option(
        names = "--default-max-batch-size",
        paramLabel = "N",
        description =
            "max_batch_size given to a model that can batch (dynamic first dimension everywhere) when its config leaves it unset, as Triton's default-max-batch-size; above 1 such a model also gets the dynamic batcher (no delay) unless its config names a scheduler; 0 = serve it without batching")
    private int defaultMaxBatchSize = 4;

    @Option(
        names = "--load-threads",
        paramLabel = "N",
        description =
            "models loaded in parallel, at start and afterwards (repository API, poll mode); the default is min(4, cores)")
    private int loadThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    @Option(
        names = "--model-control-mode",
        paramLabel = "MODE",
        completionCandidates = OptionValues.ModelControlModes.class,
        description = {
          "none: load every model at start, refuse the load/unload API;",
          "poll: load every model at start, then follow repository changes;",
          "explicit: load only --load-model models, the API loads and unloads"
        })
    private ModelControlMode modelControlMode = ModelControlMode.NONE;

    @Option(
        names = "--load-model",
        paramLabel = "NAME",
        split = ",",
        description =
            "explicit mode: a model to load at start, repeatable or comma-separated; * = every model")
    private List<String> loadModels = List.of();

    @Option(
        names = "--repository-poll-secs",
        paramLabel = "SECS",
        description = "poll mode: seconds between two scans of the repository (1..86400)")
    private int repositoryPollSecs = 15;

    @Option(
        names = "--strict-readiness",
        paramLabel = "true|false",
        arity = "1",
        description =
            "true: /v2/health/ready needs every model that should be loaded to be ready; false: ready once started, until a shutdown begins")
    private boolean strictReadiness = true;

    @Option(
        names = "--cache-size",
        paramLabel = "BYTES",
        description =
            "response cache size in bytes, shared by the models whose config enables response_cache; 0 = no cache")
    private long cacheSize = 0;

    @Option(
        names = "--allow-metrics",
        paramLabel = "true|false",
        arity = "1",
        description = "serve Prometheus metrics on --metrics-port; false = no metrics listener")
    private boolean allowMetrics = true;

    @Option(
        names = "--metrics-port",
        paramLabel = "PORT",
        description =
            "Prometheus metrics port (GET /metrics), same host; 0 = ephemeral (the bound port is logged)")
    private int metricsPort = 8002;

    @Option(
        names = "--metrics-config",
        paramLabel = "KEY=VALUE",
        split = ",(?=[a-z_]+=)",
        description =
            "Triton's metrics settings, repeatable: counter_latencies, histogram_latencies, summary_latencies (true|false), summary_quantiles (q:err,...)")
    private List<String> metricsConfig = List.of();

    @Option(
        names = "--cache-config",
        paramLabel = "local,KEY=VALUE",
        description =
            "Triton's spelling of the response cache settings, repeatable: local,size=BYTES (as --cache-size), local,max_entry_bytes=BYTES (largest response kept; default a sixteenth of the cache)")
    private List<String> cacheConfig = List.of();

    @Option(
        names = "--response-cache-byte-size",
        paramLabel = "BYTES",
        description = "Triton's deprecated spelling of --cache-size")
    private long responseCacheByteSize = 0;

    @Option(
        names = {"--cache-directory", "--cache-dir"},
        paramLabel = "DIR",
        description =
            "accepted for Triton's command lines and ignored: the only cache is built in, no cache library is loaded")
    private String cacheDirectory = "";

    @Option(
        names = "--access-log",
        paramLabel = "true|false",
        arity = "1",
        description =
            "one JSON line per HTTP request and gRPC call on the caracal.access logger (standard output)")
    private boolean accessLog = true;

    @Option(
        names = "--trace-config",
        paramLabel = "[MODE,]SETTING=VALUE",
        split = ";",
        description =
            "a trace setting in Triton's spelling, repeatable (or ';'-separated): level=OFF|TIMESTAMPS, rate=N, count=N, forced_per_second=N, opentelemetry,url=URL, opentelemetry,protocol=http/protobuf|grpc, opentelemetry,compression=gzip|none, opentelemetry,resource=K=V, opentelemetry,bsp_max_queue_size=N, opentelemetry,bsp_schedule_delay=MS, opentelemetry,bsp_max_export_batch_size=N, mode=triton, triton,file=PATH, triton,log-frequency=N")
    private List<String> traceConfig = List.of();

    @Option(
        names = "--max-request-bytes",
        paramLabel = "BYTES",
        description =
            "largest HTTP request body (larger get 413) and gRPC message (1024..2147483647)")
    private long maxRequestBytes = 64L * 1024 * 1024;

    @Option(
        names = "--max-json-depth",
        paramLabel = "N",
        description = "deepest JSON nesting accepted (2..1000; 100 is Triton's limit)")
    private int maxJsonDepth = 100;

    @Option(
        names = "--max-json-number-length",
        paramLabel = "N",
        description = "longest JSON number token, in characters (16..10000)")
    private int maxJsonNumberLength = 100;

    @Option(
        names = "--max-tensor-elements",
        paramLabel = "N",
        description = "most elements one request tensor may declare")
    private long maxTensorElements = 64L * 1024 * 1024;

    @Option(
        names = "--max-inputs",
        paramLabel = "N",
        description = "most inputs one request may carry")
    private int maxInputs = 64;

    @Option(
        names = "--max-rank",
        paramLabel = "N",
        description = "most dimensions one request tensor may have")
    private int maxRank = 16;

    @Option(
        names = "--max-bytes-element",
        paramLabel = "BYTES",
        description = "largest single BYTES element")
    private long maxBytesElement = 16L * 1024 * 1024;

    @Option(
        names = "--http-idle-timeout-secs",
        paramLabel = "SECS",
        description = "seconds an idle HTTP connection stays open; 0 = forever")
    private int httpIdleTimeoutSecs = 60;

    @Option(
        names = "--http-header-timeout-secs",
        paramLabel = "SECS",
        description =
            "seconds from a request's first byte until its header block is complete; 408 and close beyond (0 = none; 0..3600)")
    private int httpHeaderTimeoutSecs = 30;

    @Option(
        names = "--http-body-timeout-secs",
        paramLabel = "SECS",
        description =
            "seconds from the end of a request's header block until its body is complete; 408 and close beyond (0 = none; 0..86400)")
    private int httpBodyTimeoutSecs = 60;

    @Option(
        names = "--http-max-connections",
        paramLabel = "N",
        description = "open HTTP connections at most; a new one beyond gets 503 (0 = unbounded)")
    private int httpMaxConnections = 10_000;

    @Option(
        names = "--http-max-per-address",
        paramLabel = "N",
        description =
            "open HTTP connections from one client address at most (mind load balancers); 503 beyond (0 = unbounded)")
    private int httpMaxConnectionsPerAddress = 1_000;

    @Option(
        names = "--http-max-inflight-bytes",
        paramLabel = "BYTES",
        description =
            "request bytes in flight on the HTTP listeners (V2 and TF Serving REST, one budget) at"
                + " most: bodies being received or waiting,"
                + " and what decompressing them produces; 503 beyond (default: half the maximum"
                + " heap; 0 = unbounded)")
    private long httpMaxInflightBytes = Runtime.getRuntime().maxMemory() / 2;

    @Option(
        names = "--grpc-max-connections",
        paramLabel = "N",
        description =
            "open gRPC connections at most; a new one beyond is closed as soon as it is accepted"
                + " (0 = unbounded)")
    private int grpcMaxConnections = 10_000;

    @Option(
        names = "--grpc-max-per-address",
        paramLabel = "N",
        description =
            "open gRPC connections from one client address at most (mind load balancers; 0 ="
                + " unbounded)")
    private int grpcMaxConnectionsPerAddress = 1_000;

    @Option(
        names = "--drain-delay-secs",
        paramLabel = "SECS",
        description = "on SIGTERM: seconds still serving after readiness turned false (0..3600)")
    private int drainDelaySecs = 5;

    @Option(
        names = "--exit-timeout-secs",
        paramLabel = "SECS",
        description =
            "on SIGTERM: seconds admitted requests may take to finish after the drain; then they fail with 503 (0..3600)")
    private int exitTimeoutSecs = 30;

    @Option(
        names = "--model-key-file",
        paramLabel = "FILE",
        description =
            "keys for encrypted models (model.onnx.enc): a file of key-id=base64-key lines, readable by the server only")
    private String modelKeyFile = "";

    @Option(
        names = "--model-keys",
        paramLabel = "ID=KEY,...",
        description =
            "more keys for encrypted models, key-id=base64-key entries; set CARACAL_MODEL_KEYS rather than the flag (ps shows flags)")
    private String modelKeys = "";

    private io.caracal.core.encryption.ModelKeys extraModelKeys =
        io.caracal.core.encryption.ModelKeys.none(); // set in code (toBuilder, tests)

    @Option(
        names = "--tls-cert-file",
        paramLabel = "FILE",
        description =
            "PEM certificate chain (leaf first) served by the HTTP, gRPC and TF Serving listeners; with --tls-key-file turns TLS on (TLS 1.2+, reloaded when the file changes)")
    private String tlsCertFile = "";

    @Option(
        names = "--tls-key-file",
        paramLabel = "FILE",
        description = "PEM private key of --tls-cert-file, unencrypted PKCS#8 (BEGIN PRIVATE KEY)")
    private String tlsKeyFile = "";

    @Option(
        names = "--tls-client-ca-file",
        paramLabel = "FILE",
        description =
            "PEM CA certificates that client certificates must chain to (mTLS); needs --tls-cert-file")
    private String tlsClientCaFile = "";

    @Option(
        names = "--tls-client-auth",
        paramLabel = "none|optional|require",
        description =
            "whether clients must present a certificate of --tls-client-ca-file; default require with a client CA, none without")
    private String tlsClientAuth = "";

    @Option(
        names = "--tls-reload-secs",
        paramLabel = "SECS",
        description =
            "seconds between two reads of the TLS files; changed files serve new connections (0 = never; 0..86400)")
    private int tlsReloadSecs = 30;

    @Option(
        names = "--metrics-tls-cert-file",
        paramLabel = "FILE",
        description =
            "PEM certificate of the metrics listener; default: the --tls-cert-file certificate")
    private String metricsTlsCertFile = "";

    @Option(
        names = "--metrics-tls-key-file",
        paramLabel = "FILE",
        description = "PEM PKCS#8 private key of --metrics-tls-cert-file")
    private String metricsTlsKeyFile = "";

    @Option(
        names = "--metrics-tls",
        paramLabel = "true|false",
        arity = "1",
        description =
            "serve metrics over TLS when a certificate is configured (its own or the main one); false = plaintext metrics")
    private boolean metricsTls = true;

    @Option(
        names = "--auth-file",
        paramLabel = "FILE",
        description =
            "tokens file: one principal a line, 'NAME sha256:[SALT:]HASH ROLES [models=GLOBS] [rate=N]' (caracal auth-token writes one); callers must send Authorization: Bearer TOKEN")
    private String authFile = "";

    @Option(
        names = "--auth-file-poll-secs",
        paramLabel = "SECS",
        description =
            "seconds between two reads of the tokens file (a changed file is reloaded); 0 = read once")
    private int authFilePollSecs = 5;

    @Option(
        names = "--auth-jwks-file",
        paramLabel = "FILE",
        description = "verify JWT bearer tokens with the keys of this JWKS file (RSA or EC)")
    private String authJwksFile = "";

    @Option(
        names = "--auth-jwks-url",
        paramLabel = "URL",
        description =
            "verify JWT bearer tokens with the keys served at this https URL (the only URL fetched)")
    private String authJwksUrl = "";

    @Option(
        names = "--auth-jwt-issuer",
        paramLabel = "ISS",
        description = "the iss claim every JWT must carry (required with a JWKS)")
    private String authJwtIssuer = "";

    @Option(
        names = "--auth-jwt-audience",
        paramLabel = "AUD",
        description = "a value every JWT's aud claim must contain (required with a JWKS)")
    private String authJwtAudience = "";

    @Option(
        names = "--auth-jwt-clock-skew-secs",
        paramLabel = "SECS",
        description = "tolerance on a JWT's exp and nbf, in seconds (0..600)")
    private int authJwtClockSkewSecs = 60;

    @Option(
        names = "--auth-jwt-roles-claim",
        paramLabel = "CLAIM",
        description = "the JWT claim that lists the roles (infer, read, admin)")
    private String authJwtRolesClaim = "roles";

    @Option(
        names = "--http-restricted-api",
        paramLabel = "CATEGORY[,...]:KEY=VALUE",
        description =
            "Triton's restriction, repeatable: these API categories (health, metadata, inference, shared-memory, model-config, model-repository, statistics, trace, logging) answer only requests with header KEY: VALUE (HTTP and TF Serving REST)")
    private List<String> httpRestrictedApi = List.of();

    @Option(
        names = "--grpc-restricted-protocol",
        paramLabel = "CATEGORY[,...]:KEY=VALUE",
        description = "as --http-restricted-api, for the gRPC listeners (metadata KEY: VALUE)")
    private List<String> grpcRestrictedProtocol = List.of();

    @Option(
        names = "--principal-rate-limit",
        paramLabel = "N",
        description =
            "inference calls per second each principal may make on each model (429 / RESOURCE_EXHAUSTED beyond); 0 = none (a tokens-file rate= still applies)")
    private int rateLimit = 0;

    @Option(
        names = "--principal-rate-limit-burst",
        paramLabel = "N",
        description =
            "calls a principal may make at once on a model before the rate applies; 0 = the rate")
    private int rateLimitBurst = 0;

    @Option(
        names = "--audit-log",
        paramLabel = "true|false",
        arity = "1",
        description =
            "one JSON line per management call and per refused credential or permission on the caracal.audit logger (standard output)")
    private boolean auditLog = true;

    @Option(
        names = "--metrics-auth",
        paramLabel = "auto|true|false",
        description =
            "whether a scrape of the metrics listener needs the bearer token of a principal with the read role; auto (default): when --auth-file or a JWKS is set")
    private String metricsAuth = "auto";

    /** Starts with every default and no model repository (the command line sets it). */
    Builder() {}

    /** Sets {@code --model-key-file}: the file of keys for encrypted models; empty for none. */
    public Builder modelKeyFile(String v) {
      modelKeyFile = v;
      return this;
    }

    /** Sets the keys for encrypted models given in code, beside {@code --model-keys}. */
    public Builder modelKeys(io.caracal.core.encryption.ModelKeys v) {
      extraModelKeys = Objects.requireNonNull(v, "modelKeys");
      return this;
    }

    /** Sets {@code --model-repository}, the repository to serve. */
    public Builder modelRepository(Path v) {
      modelRepository = Objects.requireNonNull(v, "modelRepository");
      return this;
    }

    /** Sets {@code --model-name}: the name a single model's folder is served under. */
    public Builder modelName(String v) {
      modelName = Objects.requireNonNull(v, "modelName").strip();
      return this;
    }

    /** Sets {@code --host}, the bind address. */
    public Builder host(String v) {
      host = Objects.requireNonNull(v, "host");
      return this;
    }

    /** Sets {@code --http-port}; 0 = ephemeral (the bound port is logged). */
    public Builder httpPort(int v) {
      httpPort = v;
      return this;
    }

    /** Sets {@code --grpc-port}; 0 = ephemeral (the bound port is logged). Same host as HTTP. */
    public Builder grpcPort(int v) {
      grpcPort = v;
      return this;
    }

    /** Sets {@code --tfs-rest-port}: TF Serving's REST API; -1 = off, 0 = ephemeral. */
    public Builder tfsRestPort(int v) {
      tfsRestPort = v;
      return this;
    }

    /** Sets {@code --tfs-grpc-port}: TF Serving's gRPC API; -1 = off, 0 = ephemeral. */
    public Builder tfsGrpcPort(int v) {
      tfsGrpcPort = v;
      return this;
    }

    /** Sets {@code --model-config-file}; empty for none. */
    public Builder modelConfigFile(String v) {
      modelConfigFile = Objects.requireNonNull(v, "modelConfigFile");
      return this;
    }

    /** Sets {@code --model-config-file-poll-secs}; 0 = read once. */
    public Builder modelConfigPollSecs(int v) {
      modelConfigPollSecs = v;
      return this;
    }

    /** Sets {@code --server-name}, the name {@code GET /v2} reports. */
    public Builder serverName(String v) {
      serverName = Objects.requireNonNull(v, "serverName");
      return this;
    }

    /** Sets {@code --intra-op-threads}, ONNX Runtime threads per inference call. */
    public Builder intraOpThreads(int v) {
      intraOpThreads = v;
      return this;
    }

    /** Sets {@code --inter-op-threads}, ONNX Runtime threads across operators. */
    public Builder interOpThreads(int v) {
      interOpThreads = v;
      return this;
    }

    /** Sets {@code --backend-directory}, the folder of backend plug-ins ("" = none). */
    public Builder backendDirectory(String v) {
      backendDirectory = Objects.requireNonNull(v, "backendDirectory");
      return this;
    }

    /** Sets {@code --max-request-bytes}, the largest HTTP request body. */
    public Builder maxRequestBytes(long v) {
      maxRequestBytes = v;
      return this;
    }

    /** Sets {@code --max-json-depth}, the deepest JSON nesting. */
    public Builder maxJsonDepth(int v) {
      maxJsonDepth = v;
      return this;
    }

    /** Sets {@code --max-json-number-length}, the longest JSON number token. */
    public Builder maxJsonNumberLength(int v) {
      maxJsonNumberLength = v;
      return this;
    }

    /** Sets {@code --max-tensor-elements}, the most elements one request tensor may declare. */
    public Builder maxTensorElements(long v) {
      maxTensorElements = v;
      return this;
    }

    /** Sets {@code --max-inputs}, the most inputs one request may carry. */
    public Builder maxInputs(int v) {
      maxInputs = v;
      return this;
    }

    /** Sets {@code --max-rank}, the most dimensions one request tensor may have. */
    public Builder maxRank(int v) {
      maxRank = v;
      return this;
    }

    /** Sets {@code --max-bytes-element}, the largest single BYTES element. */
    public Builder maxBytesElement(long v) {
      maxBytesElement = v;
      return this;
    }

    /** Sets {@code --http-header-timeout-secs}; 0 = none. */
    public Builder httpHeaderTimeoutSecs(int v) {
      httpHeaderTimeoutSecs = v;
      return this;
    }

    /** Sets {@code --http-body-timeout-secs}; 0 = none. */
    public Builder httpBodyTimeoutSecs(int v) {
      httpBodyTimeoutSecs = v;
      return this;
    }

    /** Sets {@code --http-max-connections}; 0 = unbounded. */
    public Builder httpMaxConnections(int v) {
      httpMaxConnections = v;
      return this;
    }

    /** Sets {@code --grpc-max-connections}; 0 = unbounded. */
    public Builder grpcMaxConnections(int v) {
      grpcMaxConnections = v;
      return this;
    }

    /** Sets {@code --grpc-max-per-address}; 0 = unbounded. */
    public Builder grpcMaxConnectionsPerAddress(int v) {
      grpcMaxConnectionsPerAddress = v;
      return this;
    }

    /** Sets {@code --http-max-inflight-bytes}; 0 = unbounded. */
    public Builder httpMaxInflightBytes(long v) {
      httpMaxInflightBytes = v;
      return this;
    }

    /** Sets {@code --http-max-per-address}; 0 = unbounded. */
    public Builder httpMaxConnectionsPerAddress(int v) {
      httpMaxConnectionsPerAddress = v;
      return this;
    }

    /** Sets {@code --http-idle-timeout-secs}; 0 = forever. */
    public Builder httpIdleTimeoutSecs(int v) {
      httpIdleTimeoutSecs = v;
      return this;
    }

    /** Sets {@code --drain-delay-secs}: on SIGTERM, seconds served after readiness turned false. */
    public Builder drainDelaySecs(int v) {
      drainDelaySecs = v;
      return this;
    }

    /**
     * Sets {@code --exit-timeout-secs}: on SIGTERM, seconds admitted requests may take after the
     * drain.
     */
    public Builder exitTimeoutSecs(int v) {
      exitTimeoutSecs = v;
      return this;
    }

    /** Sets {@code --threads-per-instance}, execution threads per model instance. */
    public Builder threadsPerInstance(int v) {
      threadsPerInstance = v;
      return this;
    }

    /** Sets {@code --queue-capacity}, requests that may wait per model. */
    public Builder queueCapacity(int v) {
      queueCapacity = v;
      return this;
    }

    /** Sets {@code --default-max-batch-size}, auto-complete's max batch size. */
    public Builder defaultMaxBatchSize(int v) {
      defaultMaxBatchSize = v;
      return this;
    }

    /** Sets {@code --load-threads}, models loaded in parallel. */
    public Builder loadThreads(int v) {
      loadThreads = v;
      return this;
    }

    /** Sets {@code --model-control-mode}. */
    public Builder modelControlMode(ModelControlMode v) {
      modelControlMode = Objects.requireNonNull(v, "modelControlMode");
      return this;
    }

    /**
     * Sets {@code --load-model}: in explicit mode, the models loaded at start ({@code *} = all).
     */
    public Builder loadModels(List<String> v) {
      loadModels = List.copyOf(v);
      return this;
    }

    /** Sets {@code --repository-poll-secs}: in poll mode, seconds between two scans. */
    public Builder repositoryPollSecs(int v) {
      repositoryPollSecs = v;
      return this;
    }

    /** Sets {@code --strict-readiness}: whether server readiness needs every model to be ready. */
    public Builder strictReadiness(boolean v) {
      strictReadiness = v;
      return this;
    }

    /** Sets {@code --cache-size}: the response cache's bound in bytes; 0 = no cache. */
    public Builder cacheSize(long v) {
      cacheSize = v;
      return this;
    }

    /** Sets {@code --allow-metrics}: whether the Prometheus endpoint listens. */
    public Builder allowMetrics(boolean v) {
      allowMetrics = v;
      return this;
    }

    /** Sets {@code --metrics-port}; 0 = ephemeral (the bound port is logged). */
    public Builder metricsPort(int v) {
      metricsPort = v;
      return this;
    }

    /** Sets {@code --metrics-config}: Triton's {@code key=value} metrics settings. */
    public Builder metricsConfig(List<String> v) {
      metricsConfig = List.copyOf(v);
      return this;
    }

    /** Sets {@code --cache-config}: Triton's {@code local,size=N} settings of the cache. */
    public Builder cacheConfig(List<String> v) {
      cacheConfig = List.copyOf(v);
      return this;
    }

    /** Sets {@code --access-log}: whether each call is logged as a JSON line. */
    public Builder accessLog(boolean v) {
      accessLog = v;
      return this;
    }

    /**
     * Sets {@code --trace-config}: Triton's trace settings ({@code level=TIMESTAMPS}, {@code
     * rate=N}, {@code opentelemetry,url=URL}, ...).
     */
    public Builder traceConfig(List<String> v) {
      traceConfig = List.copyOf(v);
      return this;
    }

    /** Sets {@code --tls-cert-file}: the PEM certificate chain; empty = plaintext. */
    public Builder tlsCertFile(String v) {
      tlsCertFile = Objects.requireNonNull(v, "tlsCertFile");
      return this;
    }

    /** Sets {@code --tls-key-file}: the PEM PKCS#8 key of the certificate. */
    public Builder tlsKeyFile(String v) {
      tlsKeyFile = Objects.requireNonNull(v, "tlsKeyFile");
      return this;
    }

    /** Sets {@code --tls-client-ca-file}: the CAs of client certificates; empty = none. */
    public Builder tlsClientCaFile(String v) {
      tlsClientCaFile = Objects.requireNonNull(v, "tlsClientCaFile");
      return this;
    }

    /** Sets {@code --tls-client-auth}: none, optional or require; empty = the default. */
    public Builder tlsClientAuth(String v) {
      tlsClientAuth = Objects.requireNonNull(v, "tlsClientAuth");
      return this;
    }

    /** Sets {@code --tls-reload-secs}: seconds between two reads of the TLS files; 0 = never. */
    public Builder tlsReloadSecs(int v) {
      tlsReloadSecs = v;
      return this;
    }

    /** Sets {@code --metrics-tls-cert-file}: the metrics listener's own certificate. */
    public Builder metricsTlsCertFile(String v) {
      metricsTlsCertFile = Objects.requireNonNull(v, "metricsTlsCertFile");
      return this;
    }

    /** Sets {@code --metrics-tls-key-file}: the key of the metrics listener's certificate. */
    public Builder metricsTlsKeyFile(String v) {
      metricsTlsKeyFile = Objects.requireNonNull(v, "metricsTlsKeyFile");
      return this;
    }

    /** Sets {@code --metrics-tls}: false serves metrics in plaintext even with a certificate. */
    public Builder metricsTls(boolean v) {
      metricsTls = v;
      return this;
    }

    /** Sets every authentication, authorization, rate-limit and audit setting at once. */
    public Builder auth(AuthSettings v) {
      authFile = v.authFile();
      authFilePollSecs = v.authFilePollSecs();
      authJwksFile = v.jwksFile();
      authJwksUrl = v.jwksUrl();
      authJwtIssuer = v.jwtIssuer();
      authJwtAudience = v.jwtAudience();
      authJwtClockSkewSecs = v.jwtClockSkewSecs();
      authJwtRolesClaim = v.jwtRolesClaim();
      httpRestrictedApi = v.httpRestrictedApi();
      grpcRestrictedProtocol = v.grpcRestrictedProtocol();
      rateLimit = v.rateLimit();
      rateLimitBurst = v.rateLimitBurst();
      auditLog = v.auditLog();
      metricsAuth = v.metricsAuth();
      return this;
    }

    /** Sets {@code --auth-file}: the tokens file; empty for none. */
    public Builder authFile(String v) {
      authFile = Objects.requireNonNull(v, "authFile");
      return this;
    }

    /** Sets {@code --http-restricted-api}: Triton's restriction entries. */
    public Builder httpRestrictedApi(List<String> v) {
      httpRestrictedApi = List.copyOf(v);
      return this;
    }

    /** Sets {@code --grpc-restricted-protocol}: Triton's restriction entries. */
    public Builder grpcRestrictedProtocol(List<String> v) {
      grpcRestrictedProtocol = List.copyOf(v);
      return this;
    }

    /** Sets {@code --principal-rate-limit}: calls per second per principal and model; 0 = none. */
    public Builder rateLimit(int v) {
      rateLimit = v;
      return this;
    }

    /**
     * Returns the validated settings.
     *
     * @throws IllegalArgumentException naming the setting, when a value is out of range or the
     *     model repository is missing
     */
    public ServerSettings build() {
      if (responseCacheByteSize > 0 && cacheSize > 0 && responseCacheByteSize != cacheSize) {
        throw new IllegalArgumentException(
            "cache-size "
                + cacheSize
                + " and response-cache-byte-size "
                + responseCacheByteSize
                + " disagree");
      }
      CacheConfig cache =
          CacheConfig.parse(cacheConfig, cacheSize > 0 ? cacheSize : responseCacheByteSize);
      Path repository = modelRepository;
      if (repository != null && repository.toString().isBlank()) {
        repository = null;
      }
      if (repository == null && modelConfigFile.isBlank()) {
        throw new IllegalArgumentException(
            "no model repository: pass --model-repository DIR (or set CARACAL_MODEL_REPOSITORY, or model-repository in --config FILE), or list the models with --model-config-file FILE");
      }
      return new ServerSettings(
          repository,
          modelName.strip(),
          host,
          httpPort,
          grpcPort,
          tfsRestPort,
          tfsGrpcPort,
          modelConfigFile,
          modelConfigPollSecs,
          serverName,
          intraOpThreads,
          interOpThreads,
          backendDirectory.strip(),
          maxRequestBytes,
          maxJsonDepth,
          maxJsonNumberLength,
          maxTensorElements,
          maxInputs,
          maxRank,
          maxBytesElement,
          httpIdleTimeoutSecs,
          httpHeaderTimeoutSecs,
          httpBodyTimeoutSecs,
          httpMaxConnections,
          httpMaxConnectionsPerAddress,
          httpMaxInflightBytes,
          grpcMaxConnections,
          grpcMaxConnectionsPerAddress,
          drainDelaySecs,
          exitTimeoutSecs,
          queueCapacity,
          defaultMaxBatchSize,
          threadsPerInstance,
          loadThreads,
          modelControlMode,
          loadModels.stream().filter(m -> !m.isBlank()).toList(),
          repositoryPollSecs,
          strictReadiness,
          cache.size(),
          cache.maxEntryBytes(),
          allowMetrics,
          metricsPort,
          metricsConfig.stream().filter(m -> !m.isBlank()).toList(),
          accessLog,
          traceConfig.stream().filter(e -> !e.isBlank()).toList(),
          modelKeyFile,
          io.caracal.core.encryption.ModelKeys.parse(modelKeys, "model-keys (CARACAL_MODEL_KEYS)")
              .plus(extraModelKeys),
          new TlsSettings(
              tlsCertFile,
              tlsKeyFile,
              tlsClientCaFile,
              TlsSettings.clientAuth(tlsClientAuth, tlsClientCaFile),
              tlsReloadSecs,
              metricsTlsCertFile,
              metricsTlsKeyFile,
              metricsTls),
          new AuthSettings(
              authFile,
              authFilePollSecs,
              authJwksFile,
              authJwksUrl,
              authJwtIssuer,
              authJwtAudience,
              authJwtClockSkewSecs,
              authJwtRolesClaim,
              httpRestrictedApi,
              grpcRestrictedProtocol,
              rateLimit,
              rateLimitBurst,
              auditLog,
              metricsAuth));
    }
  }
}
