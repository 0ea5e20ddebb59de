package io.caracal.tracing;

import io.caracal.core.observe.CallListener;
import io.caracal.core.trace.TraceSettings;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's tracer: the OpenTelemetry SDK with an OTLP exporter behind a batch span processor, the
 * live {@link TraceSettings} the trace API changes, and the {@link TracingListener} the transports
 * call. The SDK is private to the server (never the global {@code GlobalOpenTelemetry}) and is
 * built when the first call is sampled: a server that never traces runs no exporter thread and
 * opens no connection. {@link #close()} exports what is queued, within 10 seconds, and stops the
 * exporter. In Triton's mode ({@code mode=triton}) the listener writes Triton's trace file instead
 * and no SDK is built. Thread-safe.
 */
public final class Tracing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tracing.class);
  private static final String SCOPE = "io.caracal.tracing";

  private final TraceSettings settings;
  private final Supplier<SdkTracerProvider> factory;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile @Nullable SdkTracerProvider provider; // built at the first sampled call
  private volatile @Nullable Tracer tracer;
  private final CallListener listener;
  private final @Nullable TritonTraceFile traceFile; // Triton's mode
  private final AtomicBoolean closed = new AtomicBoolean();

  private Tracing(
      TraceSettings settings, Supplier<SdkTracerProvider> factory, int forcedPerSecond) {
    this.settings = settings;
    this.factory = factory;
    this.listener = new TracingListener(this::tracer, settings, forcedPerSecond);
    this.traceFile = null;
  }

  private Tracing(TraceSettings settings, TritonTraceFile traceFile) {
    this.settings = settings;
    this.factory =
        () -> {
          throw new IllegalStateException("Triton's trace mode has no SDK");
        };
    this.listener = traceFile;
    this.traceFile = traceFile;
  }

  /** The SDK's tracer, built on first use (double-checked under the lock). */
  private Tracer tracer() {
    Tracer t = tracer;
    if (t != null) {
      return t;
    }
    lock.lock();
    try {
      if (closed.get()) {
        return TracerProvider.noop().get(SCOPE); // a late call after close exports nothing
      }
      if (tracer == null) {
        SdkTracerProvider p = factory.get();
        provider = p;
        tracer = p.get(SCOPE);
      }
      return Objects.requireNonNull(tracer);
    } finally {
      lock.unlock();
    }
  }

  /** Creates the tracer of {@code config}, exporting over OTLP to its endpoint. */
  public static Tracing create(TraceConfig config) {
    Path file = config.file();
    if (file != null) {
      TraceSettings settings =
          TraceSettings.create(TraceSettings.TRITON_MODE, config.initial(), Map.of());
      return new Tracing(
          settings,
          new TritonTraceFile(
              settings, new TraceSampler(config.forcedPerSecond(), System::nanoTime), file));
    }
    return create(config, () -> exporter(config));
  }

  /** Creates a tracer that hands its spans to {@code exporter}, batched as {@code config} says. */
  public static Tracing create(TraceConfig config, SpanExporter exporter) {
    return create(config, () -> exporter);
  }

  static Tracing create(TraceConfig config, Supplier<SpanExporter> exporter) {
    return new Tracing(
        TraceSettings.create(config.initial(), config.exporterSettings()),
        () -> provider(config, exporter.get()),
        config.forcedPerSecond());
  }

  private static SdkTracerProvider provider(TraceConfig config, SpanExporter exporter) {
    AttributesBuilder attributes = Attributes.builder();
    config.resource().forEach(attributes::put);
    return SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(attributes.build())))
        .setSampler(Sampler.alwaysOn()) // TracingListener samples
        .addSpanProcessor(
            BatchSpanProcessor.builder(exporter)
                .setMaxQueueSize(config.maxQueueSize())
                .setMaxExportBatchSize(config.maxExportBatchSize())
                .setScheduleDelay(config.scheduleDelay())
                .build())
        .build();
  }

  private static SpanExporter exporter(TraceConfig config) {
    if (config.protocol().equals(TraceConfig.GRPC)) {
      ComponentLoader classPath = ComponentLoader.forClassLoader(Tracing.class.getClassLoader());
      return OtlpGrpcSpanExporter.builder()
          .setEndpoint(config.endpoint())
          .setHeaders(config::headers)
          .setTimeout(config.timeout())
          .setCompression(config.compression())
          .setComponentLoader(
              new ComponentLoader() {
                @Override
                @SuppressWarnings("unchecked")
                public <T> Iterable<T> load(Class<T> type) {
                  return type == GrpcSenderProvider.class
                      ? (Iterable<T>) List.of(new GrpcJavaSender.Provider())
                      : classPath.load(type);
                }
              })
          .build();
    }
    return OtlpHttpSpanExporter.builder()
        .setEndpoint(config.endpoint())
        .setHeaders(config::headers)
        .setTimeout(config.timeout())
        .setCompression(config.compression())
        .build();
  }

  /** Returns the live trace settings (the trace API's). */
  public TraceSettings settings() {
    return settings;
  }

  /** Returns the listener the transports call for every call. */
  public CallListener listener() {
    return listener;
  }

  /** Flushes: exports every ended span now; blocks up to {@code seconds}. */
  public boolean flush(long seconds) {
    SdkTracerProvider p = provider;
    return p == null || p.forceFlush().join(seconds, TimeUnit.SECONDS).isSuccess();
  }

  /** Exports what is queued (up to 10 seconds) and stops the exporter; idempotent. */
  @Override
  public void close() {
    if (traceFile != null) {
      if (closed.compareAndSet(false, true)) {
        traceFile.close();
      }
      return;
    }
    SdkTracerProvider p;
    lock.lock();
    try {
      if (!closed.compareAndSet(false, true)) {
        return;
      }
      p = provider;
    } finally {
      lock.unlock();
    }
    if (p != null && !p.shutdown().join(10, TimeUnit.SECONDS).isSuccess()) {
      log.warn("traces: the exporter did not finish within 10 s; queued spans may be lost");
    }
  }

  @Override
  public String toString() {
    return "Tracing[" + Objects.toString(settings.exporterSettings().get("url")) + "]";
  }
}
