package io.caracal.app;

import io.caracal.accesslog.AccessLog;
import io.caracal.core.InferenceService;
import io.caracal.core.cache.CachingInferenceService;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallTracker;
import io.caracal.core.scheduler.Ticker;
import io.caracal.core.trace.TraceSettings;
import io.caracal.metrics.MetricsServer;
import io.caracal.metrics.PrometheusMetrics;
import io.caracal.tracing.TraceConfig;
import io.caracal.tracing.Tracing;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The reporting layers of one server (traces, metrics, the access log) as the transports see them:
 * one {@link CallTracker} over the enabled {@link CallListener}s, in the order that lets each read
 * what the one before wrote (tracing first, since it gives the call its trace id; then metrics,
 * whose exemplars read it; then the access log), and the metrics listener ({@code --metrics-port}).
 * Closed after the transports, so that the last calls are reported.
 */
final class Observability implements AutoCloseable {
  private final CallTracker calls;
  private final Tracing tracing;
  private final @Nullable AccessLog accessLog;
  private final @Nullable PrometheusMetrics prometheus;
  private @Nullable MetricsServer metrics;
  private final io.caracal.core.auth.RateLimitListener rateLimits;

  private Observability(
      CallTracker calls,
      Tracing tracing,
      @Nullable AccessLog accessLog,
      @Nullable PrometheusMetrics prometheus) {
    this.calls = calls;
    this.tracing = tracing;
    this.accessLog = accessLog;
    this.prometheus = prometheus;
    this.rateLimits =
        prometheus == null ? io.caracal.core.auth.RateLimitListener.NONE : prometheus.rateLimits();
  }

  /**
   * Builds the layers {@code settings} enable; {@link #serveMetrics} then binds the metrics
   * listener.
   *
   * @param registry the model registry (metrics read the serving versions, loads and unloads)
   * @param service the whole service chain (metrics report its statistics, cache hits included)
   * @param cache the response cache, or null when the server has none
   */
  static Observability start(
      ServerSettings settings,
      ModelRegistry registry,
      InferenceService service,
      @Nullable CachingInferenceService cache) {
    List<CallListener> listeners = new ArrayList<>();
    // Always there, off unless --trace-config or the trace API turns it on (then one volatile read
    // per call): the trace API can enable it at run time.
    Tracing tracing = Tracing.create(TraceConfig.parse(settings.traceConfig(), System.getenv()));
    listeners.add(tracing.listener());
    PrometheusMetrics prometheus = null;
    if (settings.allowMetrics()) {
      prometheus = PrometheusMetrics.create(registry, service, cache, settings.metrics());
      listeners.add(prometheus.listener());
    }
    AccessLog accessLog = null;
    if (settings.accessLog()) {
      accessLog = AccessLog.toLogger();
      listeners.add(accessLog);
      if (prometheus != null) {
        prometheus.accessLog(accessLog::written, accessLog::dropped);
      }
    }
    CallTracker calls =
        new CallTracker(CallListener.of(listeners), Ticker.system(), InstantSource.system());
    return new Observability(calls, tracing, accessLog, prometheus);
  }

  /**
   * Binds the metrics listener ({@code --metrics-port}) when metrics are on, over TLS with {@code
   * tls} (null: plaintext), each scrape checked by {@code access}. Once, after {@link #start} and
   * the access checks are built, before the transports bind.
   *
   * @throws UncheckedIOException when the metrics listener cannot bind
   */
  void serveMetrics(
      String host,
      int port,
      io.caracal.tls.@Nullable TlsCredentials tls,
      io.caracal.core.auth.AccessControl access) {
    if (prometheus != null && metrics == null) {
      metrics = prometheus.serve(host, port, tls, access);
    }
  }

  /** The trace settings the transports' trace extension reads and changes. */
  TraceSettings traceSettings() {
    return tracing.settings();
  }

  /** Returns the metrics listener's bound address, or empty when metrics are off. */
  Optional<InetSocketAddress> metricsAddress() {
    return metrics == null ? Optional.empty() : Optional.of(metrics.address());
  }

  /** Whether the metrics listener serves TLS (false when there is none). */
  boolean metricsTls() {
    return metrics != null && metrics.tls();
  }

  /** Counts the calls rate limits refuse ({@code caracal_rate_limited_total}). */
  io.caracal.core.auth.RateLimitListener rateLimits() {
    return rateLimits;
  }

  /** What the transports report their calls to. */
  CallTracker calls() {
    return calls;
  }

  @Override
  public void close() {
    tracing.close(); // exports the spans still queued
    if (metrics != null) {
      metrics.close();
    }
    if (accessLog != null) {
      accessLog.close();
    }
  }
}
