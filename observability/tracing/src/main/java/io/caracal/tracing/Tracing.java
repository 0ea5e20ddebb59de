package io.caracal.tracing;

import io.caracal.core.observe.CallListener;
import io.caracal.core.trace.TraceSettings;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.common.ComponentLoader;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server's tracer: the OpenTelemetry SDK with an OTLP exporter behind a batch span processor, the
 * live {@link TraceSettings} the trace API changes, and the {@link TracingListener} the transports
 * call. The SDK is private to the server (never the global {@code GlobalOpenTelemetry}). {@link
 * #close()} exports what is queued, within 10 seconds, and stops the exporter. Thread-safe.
 */
public final class Tracing implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tracing.class);
  private static final String SCOPE = "io.caracal.tracing";

  private final TraceSettings settings;
  private final SdkTracerProvider provider;
  private final TracingListener listener;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Tracing(TraceSettings settings, SdkTracerProvider provider, int forcedPerSecond) {
    this.settings = settings;
    this.provider = provider;
    this.listener = new TracingListener(provider.get(SCOPE), settings, forcedPerSecond);
  }

  /** Creates the tracer of {@code config}, exporting over OTLP to its endpoint. */
  public static Tracing create(TraceConfig config) {
    return create(config, exporter(config));
  }

  /** Creates a tracer that hands its spans to {@code exporter}, batched as {@code config} says. */
  public static Tracing create(TraceConfig config, SpanExporter exporter) {
    AttributesBuilder attributes = Attributes.builder();
    config.resource().forEach(attributes::put);
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(attributes.build())))
            .setSampler(Sampler.alwaysOn()) // TracingListener samples
            .addSpanProcessor(
                BatchSpanProcessor.builder(exporter)
                    .setMaxQueueSize(config.maxQueueSize())
                    .setMaxExportBatchSize(config.maxExportBatchSize())
                    .setScheduleDelay(config.scheduleDelay())
                    .build())
            .build();
    return new Tracing(
        TraceSettings.create(config.initial(), config.exporterSettings()),
        provider,
        config.forcedPerSecond());
  }

  private static SpanExporter exporter(TraceConfig config) {
    if (config.protocol().equals(TraceConfig.GRPC)) {
      ComponentLoader classPath = ComponentLoader.forClassLoader(Tracing.class.getClassLoader());
      return OtlpGrpcSpanExporter.builder()
          .setEndpoint(config.endpoint())
          .setHeaders(config::headers)
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
    return provider.forceFlush().join(seconds, TimeUnit.SECONDS).isSuccess();
  }

  /** Exports what is queued (up to 10 seconds) and stops the exporter; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (!provider.shutdown().join(10, TimeUnit.SECONDS).isSuccess()) {
      log.warn("traces: the exporter did not finish within 10 s; queued spans may be lost");
    }
  }

  @Override
  public String toString() {
    return "Tracing[" + Objects.toString(settings.exporterSettings().get("url")) + "]";
  }
}
