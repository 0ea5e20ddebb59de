package io.caracal.metrics;

import io.caracal.core.InferenceService;
import io.caracal.core.cache.CachingInferenceService;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.observe.CallListener;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The server's Prometheus metrics: one registry per server holding Triton's {@code nv_*} families
 * ({@link TritonFamilies}, {@link CpuFamilies}), Caracal's own ({@link CallMetrics}, {@link
 * CaracalFamilies}) and client_java's JVM and process metrics. {@link #listener()} is the call
 * listener the transports report to; {@link #serve} binds the {@code /metrics} listener.
 *
 * {@snippet :
 * PrometheusMetrics metrics = PrometheusMetrics.create(registry, service, cache, MetricsConfig.DEFAULTS);
 * CallListener listener = metrics.listener(); // in the transports' listener list
 * MetricsServer endpoint = metrics.serve("127.0.0.1", 8002);
 * }
 */
public final class PrometheusMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final RateLimitMetrics rateLimits = new RateLimitMetrics(registry);
  private final CallMetrics calls;
  private final ModelChanges changes;

  PrometheusMetrics(ServerView view, MetricsConfig config, boolean jvm) {
    calls = new CallMetrics(view, config, registry);
    changes = new ModelChanges(view, calls);
    registry.register(new TritonFamilies(view, calls, config));
    registry.register(new CpuFamilies());
    registry.register(new CaracalFamilies(view, changes));
    if (jvm) {
      JvmMetrics.builder().register(registry);
    }
  }

  /**
   * Creates the metrics of a server and registers their model change listener with {@code models}:
   * call it after the initial load.
   *
   * @param models the model registry: serving versions, their runners, loads and unloads
   * @param service the service chain whose statistics the {@code nv_*} families report
   * @param cache the response cache, or null when the server has none
   * @param config Triton's {@code --metrics-config} settings
   */
  public static PrometheusMetrics create(
      ModelRegistry models,
      InferenceService service,
      @Nullable CachingInferenceService cache,
      MetricsConfig config) {
    PrometheusMetrics metrics =
        new PrometheusMetrics(new CoreView(models, service, cache), config, true);
    models.addChangeListener(metrics.changes);
    return metrics;
  }

  /**
   * Reports the access log's lines as {@code caracal_access_log_lines_total{outcome}}: {@code
   * written} (handed to the logger) and {@code dropped} (not logged: the writer had fallen behind),
   * each read at scrape time. Once, when the server has an access log.
   */
  public void accessLog(LongSupplier written, LongSupplier dropped) {
    CounterWithCallback.builder()
        .name("caracal_access_log_lines")
        .help(
            "Access log lines by outcome: written to the logger, or dropped because it fell behind")
        .labelNames("outcome")
        .callback(c -> {
          c.call(written.getAsLong(), "written");
          c.call(dropped.getAsLong(), "dropped");
        })
        .register(registry);
  }

  /** Returns the listener that observes each finished call; cheap, never blocks, never throws. */
  public CallListener listener() {
    return calls;
  }

  /**
   * Binds the metrics listener on {@code host:port} (0 = ephemeral) and logs the bound port.
   *
   * @throws java.io.UncheckedIOException wrapping the bind failure
   */
  public MetricsServer serve(String host, int port) {
    return serve(host, port, null);
  }

  /**
   * Binds the metrics listener on {@code host:port}, over TLS with {@code tls} (null: plaintext).
   *
   * @throws java.io.UncheckedIOException wrapping the bind failure or a TLS setup failure
   */
  public MetricsServer serve(String host, int port, io.caracal.tls.@Nullable TlsCredentials tls) {
    return serve(host, port, tls, io.caracal.core.auth.AccessControl.OPEN);
  }

  /**
   * Binds the metrics listener on {@code host:port}, over TLS with {@code tls} (null: plaintext),
   * each scrape admitted by {@code access} ({@link io.caracal.core.auth.Operation#METRICS}).
   *
   * @throws java.io.UncheckedIOException wrapping the bind failure or a TLS setup failure
   */
  public MetricsServer serve(
      String host,
      int port,
      io.caracal.tls.@Nullable TlsCredentials tls,
      io.caracal.core.auth.AccessControl access) {
    return MetricsServer.start(host, port, new Exposition(registry), tls, access);
  }

  /** Counts the calls per-principal rate limits refuse ({@code caracal_rate_limited_total}). */
  public io.caracal.core.auth.RateLimitListener rateLimits() {
    return rateLimits;
  }

  /** The registry, for tests. */
  PrometheusRegistry registry() {
    return registry;
  }

  /** The model change listener, for tests. */
  ModelChanges changes() {
    return changes;
  }
}
