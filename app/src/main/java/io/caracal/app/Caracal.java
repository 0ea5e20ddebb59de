package io.caracal.app;

import io.caracal.api.ModelStatus;
import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.BackendOptions;
import io.caracal.core.InferenceService;
import io.caracal.core.InferenceServiceChain;
import io.caracal.core.cache.CachingInferenceService;
import io.caracal.core.cache.ModelSpecs;
import io.caracal.core.cache.UncachedModels;
import io.caracal.core.inference.InferencePipeline;
import io.caracal.core.inference.RequestLimits;
import io.caracal.core.lifecycle.DrainingAdmission;
import io.caracal.core.lifecycle.ModelControl;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.repository.AutoCompleter;
import io.caracal.core.repository.ModelRepository;
import io.caracal.core.scheduler.DynamicBatcher;
import io.caracal.core.scheduler.Ticker;
import io.caracal.server.grpc.GrpcServer;
import io.caracal.server.http.HttpLimits;
import io.caracal.server.http.V2HttpServer;
import io.caracal.server.tfserving.ConfigReloads;
import io.caracal.server.tfserving.ModelConfigFile;
import io.caracal.server.tfserving.ModelConfigWatcher;
import io.caracal.server.tfserving.TfsGrpcServer;
import io.caracal.server.tfserving.TfsRestServer;
import io.caracal.server.tfserving.VersionLabels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Caracal server: the model registry loaded from the repository and the HTTP and gRPC
 * listeners. The only place where the parts are wired together. Thread-safe; {@link #close()} is
 * idempotent.
 *
 * {@snippet :
 * try (Caracal server = Caracal.start(ServerSettings.builder(repo).httpPort(0).build())) {
 *   int port = server.httpAddress().getPort();
 * }
 * }
 */
public final class Caracal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Caracal.class);

  /** The extensions server metadata lists on gRPC: core's, less those that are HTTP-only. */
  private static final List<String> GRPC_SERVER_EXTENSIONS = io.caracal.core.Extensions.SUPPORTED;

  /** The process's log settings (logback), shared by every server in the process. */
  private static final io.caracal.core.logging.LogSettings LOG_SETTINGS = LogbackSettings.create();

  private final ModelRegistry registry;
  private final io.caracal.core.lifecycle.@Nullable RepositoryPoller
      poller; // null unless poll mode
  private final InferencePipeline pipeline;
  private final DrainingAdmission admission;
  private final java.util.concurrent.ExecutorService controlExecutor;
  private final V2HttpServer http;
  private final GrpcServer grpc;
  private final @Nullable TfsRestServer tfsRest; // null unless --tfs-rest-port
  private final @Nullable TfsGrpcServer tfsGrpc; // null unless --tfs-grpc-port
  private final @Nullable ModelConfigWatcher labels; // null unless --model-config-file
  private final Observability observability;
  private final TransportSecurity tls;
  private final List<ListenerPosture> listeners;
  private final Security security;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final java.util.concurrent.CompletableFuture<
          io.caracal.core.lifecycle.GracefulShutdown.Result>
      shutdownResult = new java.util.concurrent.CompletableFuture<>();
  private final AtomicBoolean shuttingDown = new AtomicBoolean();

  private Caracal(
      ModelRegistry registry,
      io.caracal.core.lifecycle.@Nullable RepositoryPoller poller,
      InferencePipeline pipeline,
      DrainingAdmission admission,
      java.util.concurrent.ExecutorService controlExecutor,
      V2HttpServer http,
      GrpcServer grpc,
      @Nullable TfsRestServer tfsRest,
      @Nullable TfsGrpcServer tfsGrpc,
      @Nullable ModelConfigWatcher labels,
      Observability observability,
      TransportSecurity tls,
      List<ListenerPosture> listeners,
      Security security) {
    this.tls = tls;
    this.listeners = List.copyOf(listeners);
    this.security = security;
    this.labels = labels;
    this.tfsRest = tfsRest;
    this.tfsGrpc = tfsGrpc;
    this.observability = observability;
    this.registry = registry;
    this.poller = poller;
    this.pipeline = pipeline;
    this.admission = admission;
    this.controlExecutor = controlExecutor;
    this.http = http;
    this.grpc = grpc;
  }

  /**
   * Loads every model of the repository (a model that fails is marked UNAVAILABLE, the others
   * serve), then binds the HTTP listener. Blocks until both are done.
   *
   * @throws IOException when the listener cannot bind or the repository cannot be read
   */
  public static Caracal start(ServerSettings settings) throws IOException {
    routeJavaUtilLogging();
    List<BackendFactory> backends = BackendDiscovery.discover(settings.backendDirectory());
    // Without --model-repository, TF Serving's model config list is the repository.
    java.nio.file.@Nullable Path tritonRoot = settings.modelRepository();
    ModelConfigFile modelList =
        tritonRoot == null ? ModelConfigFile.read(Path.of(settings.modelConfigFile())) : null;
    io.caracal.core.encryption.ModelKeys keys = ModelKeyFiles.keys(settings);
    ModelRepository repository =
        tritonRoot != null
            ? ModelRepository.create(tritonRoot, settings.modelName(), backends, keys)
            : new ModelRepository(
                Objects.requireNonNull(modelList).layout(), modelList.policies(), backends, keys);
    log.info(
        "caracal {} serving {} with backends {}",
        Version.current(),
        tritonRoot != null ? tritonRoot : "the models of " + settings.modelConfigFile(),
        backends.stream().map(BackendDiscovery::describe).toList());
    if (repository.paths().singleModel().isPresent()
        && settings.modelControlMode() == io.caracal.core.lifecycle.ModelControlMode.POLL) {
      throw new IllegalArgumentException(
          "model-control-mode poll watches a repository of models, but "
              + settings.modelRepository()
              + " is one model's folder (--model-name): use none or explicit");
    }
    ModelRegistry registry =
        new ModelRegistry(
            repository,
            new BackendOptions(settings.intraOpThreads(), settings.interOpThreads()),
            DynamicBatcher.factory(
                settings.threadsPerInstance(),
                settings.queueCapacity(),
                Ticker.system(),
                java.time.InstantSource.system()),
            new AutoCompleter(settings.defaultMaxBatchSize()),
            settings.loadThreads());
    InferencePipeline pipeline = null;
    io.caracal.core.lifecycle.RepositoryPoller poller = null;
    // loads and unloads what a new model config list changes: the poller, or one that never polls
    io.caracal.core.lifecycle.RepositoryPoller differ = null;
    Observability observability = null; // once the service chain exists (metrics read it)
    TransportSecurity tls = null; // before any listener: a bad certificate fails the start
    Security security = null;
    // Repository load/unload calls of both transports run here (they block while models load).
    java.util.concurrent.ExecutorService controlExecutor =
        java.util.concurrent.Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("model-control-", 0).factory());
    try {
      // first: a bad certificate or key stops the start before any model loads
      tls = TransportSecurity.start(settings.tls());
      if (settings.modelControlMode() == io.caracal.core.lifecycle.ModelControlMode.POLL) {
        poller =
            new io.caracal.core.lifecycle.RepositoryPoller(
                registry,
                repository,
                Duration.ofSeconds(settings.repositoryPollSecs()),
                settings.loadThreads());
        poller.baseline(); // before loading: a change made during the initial load is seen by the
        // first scan
        differ = poller;
      } else if (modelList != null) {
        differ =
            new io.caracal.core.lifecycle.RepositoryPoller(
                registry,
                repository,
                Duration.ofSeconds(settings.repositoryPollSecs()),
                settings.loadThreads());
        differ.baseline();
      }
      if (settings.modelControlMode() == io.caracal.core.lifecycle.ModelControlMode.EXPLICIT) {
        // a model config list names the models to load, unless --load-model does
        java.util.Set<String> named =
            modelList != null && settings.loadModels().isEmpty()
                ? java.util.Set.of("*")
                : java.util.Set.copyOf(settings.loadModels());
        registry.loadAll(name -> named.contains("*") || named.contains(name));
      } else {
        registry.loadAll();
      }
      log.info("models:\n{}", ModelTable.format(registry.index()));
      pipeline =
          new InferencePipeline(
              registry,
              new RequestLimits(
                  settings.maxInputs(),
                  settings.maxRank(),
                  settings.maxTensorElements(),
                  settings.maxBytesElement()),
              settings.strictReadiness());
      // The chain, innermost first (docs/design.md): pipeline, repository control, then the
      // cross-cutting layers (the response cache next to repository control, so that a hit never
      // reaches the scheduler); draining admission stays outermost so it counts every request.
      ModelSpecs specs = ModelSpecs.of(registry);
      java.util.concurrent.atomic.AtomicReference<@Nullable CachingInferenceService> cacheLayer =
          new java.util.concurrent.atomic.AtomicReference<>();
      InferenceServiceChain chainBuilder =
          InferenceServiceChain.of(pipeline)
              .decorate(s ->
                  new ModelControl(
                      s,
                      registry,
                      settings.modelControlMode(),
                      controlExecutor,
                      ModelControl.DEFAULT_LIMIT));
      if (settings.cacheSize() > 0) {
        chainBuilder =
            chainBuilder.decorate(s -> {
              CachingInferenceService cache =
                  new CachingInferenceService(
                      s,
                      settings.cacheSize(),
                      settings.cacheMaxEntryBytes() > 0
                          ? settings.cacheMaxEntryBytes()
                          : Math.max(1, settings.cacheSize() / 16),
                      specs,
                      Ticker.system(),
                      java.time.InstantSource.system());
              registry.addChangeListener(cache::invalidate);
              cacheLayer.set(cache);
              return cache;
            });
      } else {
        UncachedModels uncached = new UncachedModels(specs);
        registry.addChangeListener(uncached);
        registry.index().stream().map(ModelStatus::name).distinct().forEach(uncached);
      }
      InferenceService chain = chainBuilder.build();
      // not ready until every listener is bound (open() below)
      DrainingAdmission admission = DrainingAdmission.starting(chain);
      InferenceService service = admission;
      observability = Observability.start(settings, registry, service, cacheLayer.get());
      // before the transports bind: a bad tokens, JWKS or config file fails the start early
      security =
          Security.start(settings.auth(), settings.host(), registry, observability.rateLimits());
      try {
        observability.serveMetrics(
            settings.host(), settings.metricsPort(), tls.metrics(), security.metrics());
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      ModelConfigWatcher labels =
          modelList != null && differ != null
              ? ModelConfigWatcher.asRepository(
                  Path.of(settings.modelConfigFile()),
                  modelList,
                  repository,
                  differ,
                  service,
                  settings.modelConfigPollSecs())
              : tritonRoot != null && !settings.modelConfigFile().isEmpty()
                  ? ModelConfigWatcher.besideRepository(
                      Path.of(settings.modelConfigFile()),
                      tritonRoot,
                      service,
                      settings.modelConfigPollSecs())
                  : null;
      ConfigReloads reloads =
          labels != null
                  && labels.isRepository()
                  && settings.modelControlMode()
                      == io.caracal.core.lifecycle.ModelControlMode.EXPLICIT
              ? labels::apply
              : ConfigReloads.REFUSED;
      // one budget of request bytes in flight for both HTTP listeners (V2 and TF Serving REST)
      io.caracal.server.http.RequestBytes requestBytes =
          new io.caracal.server.http.RequestBytes(settings.httpMaxInflightBytes());
      V2HttpServer http =
          V2HttpServer.builder()
              .host(settings.host())
              .port(settings.httpPort())
              .service(service)
              .tls(tls.main())
              .serverName(settings.serverName())
              .serverVersion(Version.current())
              .backends(backends.stream().map(BackendFactory::name).toList())
              .logSettings(LOG_SETTINGS)
              .traceSettings(observability.traceSettings())
              .calls(observability.calls())
              .access(security.http())
              .connectionLimits(
                  new io.caracal.server.http.ConnectionLimits(
                      Duration.ofSeconds(settings.httpHeaderTimeoutSecs()),
                      Duration.ofSeconds(settings.httpBodyTimeoutSecs()),
                      settings.httpMaxConnections(),
                      settings.httpMaxConnectionsPerAddress()))
              .requestBytes(requestBytes)
              .limits(
                  new HttpLimits(
                      Math.toIntExact(settings.maxRequestBytes()),
                      settings.maxJsonDepth(),
                      settings.maxJsonNumberLength(),
                      HttpLimits.DEFAULTS.maxInitialLineLength(),
                      HttpLimits.DEFAULTS.maxHeaderSize(),
                      settings.maxTensorElements(),
                      Duration.ofSeconds(settings.httpIdleTimeoutSecs())))
              .build();
      try {
        http.start();
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      GrpcServer grpc =
          GrpcServer.builder()
              .host(settings.host())
              .port(settings.grpcPort())
              .service(service)
              .tls(tls.main())
              .serverName(settings.serverName())
              .serverVersion(Version.current())
              .extensions(GRPC_SERVER_EXTENSIONS)
              .logSettings(LOG_SETTINGS)
              .traceSettings(observability.traceSettings())
              .calls(observability.calls())
              .access(security.grpc())
              .maxInboundMessageSize(
                  Math.toIntExact(settings.maxRequestBytes())) // = the HTTP body limit
              .maxConnections(
                  settings.grpcMaxConnections(), settings.grpcMaxConnectionsPerAddress())
              .build();
      try {
        grpc.start();
      } catch (UncheckedIOException e) {
        http.close();
        throw e.getCause();
      }
      TfsRestServer tfsRest = null;
      if (settings.tfsRestPort() >= 0) {
        tfsRest =
            TfsRestServer.builder()
                .host(settings.host())
                .port(settings.tfsRestPort())
                .service(service)
                .tls(tls.main())
                .labels(labels == null ? VersionLabels.NONE : labels)
                .calls(observability.calls())
                .access(security.tfsRest())
                .maxBodyBytes(Math.toIntExact(settings.maxRequestBytes()))
                .requestBytes(requestBytes)
                .maxJsonDepth(settings.maxJsonDepth() + 3)
                .build();
        try {
          tfsRest.start();
        } catch (UncheckedIOException e) {
          if (labels != null) {
            labels.close();
          }
          grpc.close();
          http.close();
          throw e.getCause();
        }
      }
      TfsGrpcServer tfsGrpc = null;
      if (settings.tfsGrpcPort() >= 0) {
        tfsGrpc =
            TfsGrpcServer.builder()
                .host(settings.host())
                .port(settings.tfsGrpcPort())
                .service(service)
                .tls(tls.main())
                .labels(labels == null ? VersionLabels.NONE : labels)
                .configReloads(reloads)
                .calls(observability.calls())
                .access(security.tfsGrpc())
                .maxInboundMessageSize(Math.toIntExact(settings.maxRequestBytes()))
                .build();
        try {
          tfsGrpc.start();
        } catch (UncheckedIOException e) {
          if (tfsRest != null) {
            tfsRest.close();
          }
          if (labels != null) {
            labels.close();
          }
          grpc.close();
          http.close();
          throw e.getCause();
        }
      }
      if (poller != null) {
        poller.start();
      }
      // Every listener is bound: ready from now on (the HTTP listener answered not ready until
      // now, and the gRPC health service learns it at once rather than at its next poll).
      admission.open();
      grpc.refreshHealth();
      List<ListenerPosture> postures =
          postures(http, grpc, tfsRest, tfsGrpc, observability, tls, security);
      log.info("listeners:\n{}", ListenerPosture.table(postures));
      for (ListenerPosture p : postures) {
        if (p.exposed()) {
          log.warn(p.warning());
        }
      }
      return new Caracal(
          registry,
          poller,
          pipeline,
          admission,
          controlExecutor,
          http,
          grpc,
          tfsRest,
          tfsGrpc,
          labels,
          observability,
          tls,
          postures,
          security);
    } catch (IOException | RuntimeException e) {
      if (tls != null) {
        tls.close();
      }
      if (poller != null) {
        poller.close();
      }
      if (differ != null) {
        differ.close();
      }
      if (pipeline != null) {
        pipeline.close();
      }
      controlExecutor.shutdownNow();
      registry.close();
      if (observability != null) {
        observability.close();
      }
      if (security != null) {
        security.close();
      }
      throw e;
    }
  }

  /**
   * One row per open listener for the start-up table: its TLS, authentication mode and restricted
   * API categories.
   */
  private static List<ListenerPosture> postures(
      V2HttpServer http,
      GrpcServer grpc,
      @Nullable TfsRestServer tfsRest,
      @Nullable TfsGrpcServer tfsGrpc,
      Observability observability,
      TransportSecurity tls,
      Security security) {
    String main = TransportSecurity.column(tls.main());
    String auth = security.mode();
    List<ListenerPosture> out = new ArrayList<>();
    out.add(
        new ListenerPosture(
            "http",
            Objects.requireNonNull(http.boundAddress()),
            main,
            auth,
            security.restrictions(false)));
    out.add(
        new ListenerPosture(
            "grpc",
            Objects.requireNonNull(grpc.boundAddress()),
            main,
            auth,
            security.restrictions(true)));
    if (tfsRest != null) {
      out.add(
          new ListenerPosture(
              "tfs-rest",
              Objects.requireNonNull(tfsRest.boundAddress()),
              main,
              auth,
              security.restrictions(false)));
    }
    if (tfsGrpc != null) {
      out.add(
          new ListenerPosture(
              "tfs-grpc",
              Objects.requireNonNull(tfsGrpc.boundAddress()),
              main,
              auth,
              security.restrictions(true)));
    }
    observability
        .metricsAddress()
        .ifPresent(a ->
            out.add(
                new ListenerPosture(
                    "metrics",
                    a,
                    observability.metricsTls() ? TransportSecurity.column(tls.metrics()) : "no",
                    security.metricsMode(),
                    "none")));
    return out;
  }

  /**
   * Sends java.util.logging (grpc-java's, ONNX Runtime's) through SLF4J, so that their lines have
   * the server's format and levels instead of JUL's two-line console format. Once per process.
   */
  private static synchronized void routeJavaUtilLogging() {
    if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
      org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
      org.slf4j.bridge.SLF4JBridgeHandler.install();
    }
  }

  /**
   * Shuts down gracefully (SIGTERM): readiness false at once (liveness stays true), requests still
   * served for {@code drainDelay}; then the listeners stop accepting and new requests get 503
   * {@code the server is shutting down}; admitted requests, queued or running, get up to {@code
   * exitTimeout} to finish, what is left then fails with that 503; then as {@link #close()}. Blocks
   * until done; idempotent (a second call, or one after close, returns at once).
   */
  public io.caracal.core.lifecycle.GracefulShutdown.Result shutdown(
      Duration drainDelay, Duration exitTimeout) {
    if (!shuttingDown.compareAndSet(false, true)) {
      return shutdownResult.join(); // another thread (signal or hook) is shutting down: wait for it
    }
    if (closed.get()) {
      shutdownResult.complete(new io.caracal.core.lifecycle.GracefulShutdown.Result(true, 0, 0, 0));
      return shutdownResult.join();
    }
    io.caracal.core.lifecycle.GracefulShutdown.Steps steps =
        new io.caracal.core.lifecycle.GracefulShutdown.Steps() {
          @Override
          public void notReady() {
            admission.beginDrain();
            grpc.refreshHealth();
            if (poller != null) {
              poller.close(); // no repository changes while draining
            }
          }

          @Override
          public java.util.concurrent.CompletableFuture<Void> stopAccepting() {
            java.util.concurrent.CompletableFuture<Void> idle = admission.stopAccepting();
            http.stopAccepting();
            grpc.stopAccepting();
            if (tfsRest != null) {
              tfsRest.stopAccepting();
            }
            if (tfsGrpc != null) {
              tfsGrpc.stopAccepting();
            }
            return idle;
          }

          @Override
          public int inFlight() {
            return admission.inFlight();
          }

          @Override
          public int failInFlight() {
            return admission.failInFlight();
          }

          @Override
          public void close() {
            Caracal.this.close();
          }
        };
    try {
      shutdownResult.complete(
          new io.caracal.core.lifecycle.GracefulShutdown(
                  steps,
                  drainDelay,
                  exitTimeout,
                  Ticker.system(),
                  io.caracal.core.lifecycle.GracefulShutdown.Waiter.system())
              .run());
    } catch (RuntimeException | Error e) {
      shutdownResult.completeExceptionally(e);
      close();
      throw e;
    }
    return shutdownResult.join();
  }

  /** Returns the address the HTTP listener is bound to (the real port when 0 was asked). */
  public InetSocketAddress httpAddress() {
    return Objects.requireNonNull(http.boundAddress()); // started before this object exists
  }

  /** Returns the address of TF Serving's REST listener, empty when it is off. */
  public java.util.Optional<InetSocketAddress> tfsRestAddress() {
    return tfsRest == null
        ? java.util.Optional.empty()
        : java.util.Optional.ofNullable(tfsRest.boundAddress());
  }

  /** Returns the address of TF Serving's gRPC listener, empty when it is off. */
  public java.util.Optional<InetSocketAddress> tfsGrpcAddress() {
    return tfsGrpc == null
        ? java.util.Optional.empty()
        : java.util.Optional.ofNullable(tfsGrpc.boundAddress());
  }

  /** Returns the address the gRPC listener is bound to (the real port when 0 was asked). */
  public InetSocketAddress grpcAddress() {
    return Objects.requireNonNull(grpc.boundAddress()); // started before this object exists
  }

  /**
   * Returns the address the metrics listener is bound to, or empty with {@code --allow-metrics
   * false}.
   */
  public java.util.Optional<InetSocketAddress> metricsAddress() {
    return observability.metricsAddress();
  }

  /**
   * Poll mode: scans the repository now and applies what changed (as the periodic poll does);
   * returns when the loads and unloads it started have finished.
   *
   * @throws IllegalStateException when the server is not in poll mode
   * @throws IOException when the repository cannot be listed
   */
  public io.caracal.core.lifecycle.RepositoryPoller.Changes pollRepository() throws IOException {
    if (poller == null) {
      throw new IllegalStateException("the server is not in poll mode");
    }
    return poller.scan();
  }

  /**
   * Returns every open listener with its address and posture (TLS, authentication, restricted
   * categories), as the start-up table shows them.
   */
  public List<ListenerPosture> listeners() {
    return listeners;
  }

  /**
   * Rereads the TLS files now, as the periodic reload ({@code --tls-reload-secs}) does; returns how
   * many credential sets changed (0 without TLS). New connections get the new certificate.
   */
  public int reloadTls() {
    return tls.reloadNow();
  }

  /**
   * Reads {@code --model-config-file} again now and applies it, as its periodic re-read does (a
   * file that fails is logged and changes nothing); returns when its models have loaded.
   *
   * @throws IllegalStateException when the server has no model config file
   */
  public void reloadModelConfigFile() {
    if (labels == null) {
      throw new IllegalStateException("the server has no --model-config-file");
    }
    labels.reload();
  }

  /** Returns the state of every model version of the repository. */
  public List<ModelStatus> models() {
    return registry.index();
  }

  /**
   * Stops accepting, closes the listeners and unloads every model at once: queued requests fail
   * with 503, running ones get a few seconds. {@link #shutdown} is the graceful way.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (poller != null) {
      poller.close();
    }
    if (tfsGrpc != null) {
      tfsGrpc.close();
    }
    if (labels != null) {
      labels.close();
    }
    if (tfsRest != null) {
      tfsRest.close();
    }
    grpc.close();
    http.close();
    pipeline.close();
    controlExecutor.shutdown();
    registry.close();
    tls.close();
    observability.close();
    security.close();
    log.info("caracal stopped");
  }
}
