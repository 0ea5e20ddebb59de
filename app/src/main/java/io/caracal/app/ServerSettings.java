package io.caracal.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Every setting of {@code caracal serve}, after flags, environment and configuration file have
 * been merged. Each default is stated on {@link Builder}.
 *
 * @param modelRepository the Triton-layout model repository to serve
 * @param host the address every listener binds
 * @param httpPort the HTTP port; 0 = ephemeral
 * @param grpcPort the gRPC port; 0 = ephemeral
 * @param serverName the name {@code GET /v2} reports
 * @param intraOpThreads ONNX Runtime threads per inference call; 0 = one per core
 * @param interOpThreads ONNX Runtime threads across independent operators; 0 = runtime default
 * @param maxRequestBytes the largest HTTP request body accepted
 * @param maxJsonDepth the deepest JSON nesting accepted
 * @param maxJsonNumberLength the longest JSON number token accepted, in characters
 * @param maxTensorElements the most elements one request tensor may declare
 * @param maxInputs the most inputs one request may carry
 * @param maxRank the most dimensions one request tensor may have
 * @param maxBytesElement the largest single BYTES element, in bytes
 * @param httpIdleTimeoutSecs seconds an idle HTTP connection is kept open; 0 = forever
 * @param drainDelaySecs on SIGTERM, seconds requests are still served after readiness turned false
 * @param exitTimeoutSecs on SIGTERM, seconds admitted requests may take to finish once the listeners
 *     stopped accepting; what is left then fails with 503
 * @param queueCapacity requests that may wait per model and priority level before new ones are refused
 *     with 503, for models whose queue policy sets no {@code max_queue_size}
 * @param threadsPerInstance batches one model instance runs at once (execution threads per instance)
 * @param loadThreads models loaded in parallel at start
 * @param modelControlMode {@code none}: every model loads at start and the load/unload API is
 *     refused; {@code explicit}: only {@code loadModels} load at start and the API loads and unloads
 * @param loadModels in explicit mode, the models loaded at start ({@code *} = all)
 * @param repositoryPollSecs in poll mode, seconds between two scans of the repository
 * @param strictReadiness server readiness needs every model that should be loaded to be ready
 *     (true, the default); false: the server is ready once started and until a shutdown begins
 */
public record ServerSettings(
    Path modelRepository,
    String host,
    int httpPort,
    int grpcPort,
    String serverName,
    int intraOpThreads,
    int interOpThreads,
    long maxRequestBytes,
    int maxJsonDepth,
    int maxJsonNumberLength,
    long maxTensorElements,
    int maxInputs,
    int maxRank,
    long maxBytesElement,
    int httpIdleTimeoutSecs,
    int drainDelaySecs,
    int exitTimeoutSecs,
    int queueCapacity,
    int threadsPerInstance,
    int loadThreads,
    io.caracal.core.lifecycle.ModelControlMode modelControlMode,
    List<String> loadModels,
    int repositoryPollSecs,
    boolean strictReadiness) {

  public ServerSettings {
    Objects.requireNonNull(modelRepository, "modelRepository");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(serverName, "serverName");
    check(httpPort >= 0 && httpPort <= 65535, "http-port", httpPort, "0..65535");
    check(grpcPort >= 0 && grpcPort <= 65535, "grpc-port", grpcPort, "0..65535");
    check(intraOpThreads >= 0, "intra-op-threads", intraOpThreads, ">= 0");
    check(interOpThreads >= 0, "inter-op-threads", interOpThreads, ">= 0");
    check(maxRequestBytes >= 1024 && maxRequestBytes <= Integer.MAX_VALUE, "max-request-bytes", maxRequestBytes, "1024..2147483647");
    check(maxJsonDepth >= 2 && maxJsonDepth <= 1000, "max-json-depth", maxJsonDepth, "2..1000");
    check(maxJsonNumberLength >= 16 && maxJsonNumberLength <= 10000, "max-json-number-length", maxJsonNumberLength, "16..10000");
    check(maxTensorElements >= 1, "max-tensor-elements", maxTensorElements, ">= 1");
    check(maxInputs >= 1, "max-inputs", maxInputs, ">= 1");
    check(maxRank >= 1, "max-rank", maxRank, ">= 1");
    check(maxBytesElement >= 1, "max-bytes-element", maxBytesElement, ">= 1");
    check(httpIdleTimeoutSecs >= 0, "http-idle-timeout-secs", httpIdleTimeoutSecs, ">= 0");
    check(drainDelaySecs >= 0 && drainDelaySecs <= 3600, "drain-delay-secs", drainDelaySecs, "0..3600");
    check(exitTimeoutSecs >= 0 && exitTimeoutSecs <= 3600, "exit-timeout-secs", exitTimeoutSecs, "0..3600");
    check(queueCapacity >= 1, "queue-capacity", queueCapacity, ">= 1");
    check(threadsPerInstance >= 1 && threadsPerInstance <= 256, "threads-per-instance", threadsPerInstance, "1..256");
    check(loadThreads >= 1, "load-threads", loadThreads, ">= 1");
    Objects.requireNonNull(modelControlMode, "modelControlMode");
    loadModels = List.copyOf(loadModels);
    for (String m : loadModels) {
      if (!m.equals("*") && !io.caracal.core.repository.ModelNames.isValid(m)) {
        throw new IllegalArgumentException("load-model: '" + io.caracal.core.repository.ModelNames.printable(m) + "' is not a valid model name");
      }
    }
    if (!loadModels.isEmpty() && modelControlMode != io.caracal.core.lifecycle.ModelControlMode.EXPLICIT) {
      throw new IllegalArgumentException("load-model needs model-control-mode explicit");
    }
    check(repositoryPollSecs >= 1 && repositoryPollSecs <= 86400, "repository-poll-secs", repositoryPollSecs, "1..86400");
  }

  private static void check(boolean ok, String key, long value, String range) {
    if (!ok) {
      throw new IllegalArgumentException(key + " must be " + range + ", got " + value);
    }
  }

  /** Returns a builder with every default set, serving {@code modelRepository}. */
  public static Builder builder(Path modelRepository) {
    return new Builder(modelRepository);
  }

  /** Returns a builder holding these settings. */
  public Builder toBuilder() {
    return new Builder(modelRepository)
        .host(host)
        .httpPort(httpPort)
        .grpcPort(grpcPort)
        .serverName(serverName)
        .intraOpThreads(intraOpThreads)
        .interOpThreads(interOpThreads)
        .maxRequestBytes(maxRequestBytes)
        .maxJsonDepth(maxJsonDepth)
        .maxJsonNumberLength(maxJsonNumberLength)
        .maxTensorElements(maxTensorElements)
        .maxInputs(maxInputs)
        .maxRank(maxRank)
        .maxBytesElement(maxBytesElement)
        .httpIdleTimeoutSecs(httpIdleTimeoutSecs)
        .drainDelaySecs(drainDelaySecs)
        .exitTimeoutSecs(exitTimeoutSecs)
        .queueCapacity(queueCapacity)
        .threadsPerInstance(threadsPerInstance)
        .loadThreads(loadThreads)
        .modelControlMode(modelControlMode)
        .loadModels(loadModels)
        .repositoryPollSecs(repositoryPollSecs)
        .strictReadiness(strictReadiness);
  }

  /** Builds {@link ServerSettings}; {@link #build()} validates every value. */
  public static final class Builder {
    private Path modelRepository;
    private String host = "127.0.0.1";
    private int httpPort = 8000;
    private int grpcPort = 8001;
    private String serverName = "caracal";
    private int intraOpThreads = 0;
    private int interOpThreads = 0;
    private long maxRequestBytes = 64L * 1024 * 1024;
    private int maxJsonDepth = 100;
    private int maxJsonNumberLength = 100;
    private long maxTensorElements = 64L * 1024 * 1024;
    private int maxInputs = 64;
    private int maxRank = 16;
    private long maxBytesElement = 16L * 1024 * 1024;
    private int httpIdleTimeoutSecs = 60;
    private int drainDelaySecs = 5;
    private int exitTimeoutSecs = 30;
    private int queueCapacity = 128;
    private int threadsPerInstance = 1;
    private int loadThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private io.caracal.core.lifecycle.ModelControlMode modelControlMode = io.caracal.core.lifecycle.ModelControlMode.NONE;
    private List<String> loadModels = List.of();
    private int repositoryPollSecs = 15;
    private boolean strictReadiness = true;

    private Builder(Path modelRepository) {
      this.modelRepository = Objects.requireNonNull(modelRepository, "modelRepository");
    }

    /** The model repository (required). */
    public Builder modelRepository(Path v) {
      modelRepository = Objects.requireNonNull(v, "modelRepository");
      return this;
    }

    /** Bind address; default {@code 127.0.0.1} (loopback only). */
    public Builder host(String v) {
      host = Objects.requireNonNull(v, "host");
      return this;
    }

    /** HTTP port; default 8000; 0 = ephemeral (the bound port is logged). */
    public Builder httpPort(int v) {
      httpPort = v;
      return this;
    }

    /** gRPC port; default 8001; 0 = ephemeral (the bound port is logged). Same host as HTTP. */
    public Builder grpcPort(int v) {
      grpcPort = v;
      return this;
    }

    /** Name reported by {@code GET /v2}; default {@code caracal}. */
    public Builder serverName(String v) {
      serverName = Objects.requireNonNull(v, "serverName");
      return this;
    }

    /** ONNX Runtime intra-op threads; default 0 = one per core. */
    public Builder intraOpThreads(int v) {
      intraOpThreads = v;
      return this;
    }

    /** ONNX Runtime inter-op threads; default 0 = runtime default. */
    public Builder interOpThreads(int v) {
      interOpThreads = v;
      return this;
    }

    /** Largest HTTP request body; default 64 MiB. */
    public Builder maxRequestBytes(long v) {
      maxRequestBytes = v;
      return this;
    }

    /** Deepest JSON nesting; default 100 (Triton's limit). */
    public Builder maxJsonDepth(int v) {
      maxJsonDepth = v;
      return this;
    }

    /** Longest JSON number token; default 100 characters. */
    public Builder maxJsonNumberLength(int v) {
      maxJsonNumberLength = v;
      return this;
    }

    /** Most elements one request tensor may declare; default 64 Mi (67108864). */
    public Builder maxTensorElements(long v) {
      maxTensorElements = v;
      return this;
    }

    /** Most inputs one request may carry; default 64. */
    public Builder maxInputs(int v) {
      maxInputs = v;
      return this;
    }

    /** Most dimensions one request tensor may have; default 16. */
    public Builder maxRank(int v) {
      maxRank = v;
      return this;
    }

    /** Largest single BYTES element; default 16 MiB. */
    public Builder maxBytesElement(long v) {
      maxBytesElement = v;
      return this;
    }

    /** Seconds an idle HTTP connection stays open; default 60; 0 = forever. */
    public Builder httpIdleTimeoutSecs(int v) {
      httpIdleTimeoutSecs = v;
      return this;
    }

    /** On SIGTERM, seconds requests are still served after readiness turned false; default 5. */
    public Builder drainDelaySecs(int v) {
      drainDelaySecs = v;
      return this;
    }

    /** On SIGTERM, seconds admitted requests may take to finish after the drain; default 30. */
    public Builder exitTimeoutSecs(int v) {
      exitTimeoutSecs = v;
      return this;
    }

    /** Execution threads per model instance; default 1. */
    public Builder threadsPerInstance(int v) {
      threadsPerInstance = v;
      return this;
    }

    /** Requests that may wait per model; default 128. */
    public Builder queueCapacity(int v) {
      queueCapacity = v;
      return this;
    }

    /** Models loaded in parallel at start; default min(4, cores). */
    public Builder loadThreads(int v) {
      loadThreads = v;
      return this;
    }

    /** Model control mode; default {@code none}. */
    public Builder modelControlMode(io.caracal.core.lifecycle.ModelControlMode v) {
      modelControlMode = Objects.requireNonNull(v, "modelControlMode");
      return this;
    }

    /** In explicit mode, the models loaded at start ({@code *} = all); default none. */
    public Builder loadModels(List<String> v) {
      loadModels = List.copyOf(v);
      return this;
    }

    /** In poll mode, seconds between two scans of the repository; default 15. */
    public Builder repositoryPollSecs(int v) {
      repositoryPollSecs = v;
      return this;
    }

    /** Whether server readiness needs every model to be ready; default true (Triton's strict readiness). */
    public Builder strictReadiness(boolean v) {
      strictReadiness = v;
      return this;
    }

    /** Returns the validated settings. */
    public ServerSettings build() {
      return new ServerSettings(
          modelRepository,
          host,
          httpPort,
          grpcPort,
          serverName,
          intraOpThreads,
          interOpThreads,
          maxRequestBytes,
          maxJsonDepth,
          maxJsonNumberLength,
          maxTensorElements,
          maxInputs,
          maxRank,
          maxBytesElement,
          httpIdleTimeoutSecs,
          drainDelaySecs,
          exitTimeoutSecs,
          queueCapacity,
          threadsPerInstance,
          loadThreads,
          modelControlMode,
          loadModels,
          repositoryPollSecs,
          strictReadiness);
    }
  }
}
