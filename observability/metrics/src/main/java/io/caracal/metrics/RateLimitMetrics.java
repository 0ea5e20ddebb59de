package io.caracal.metrics;

import io.caracal.core.auth.RateLimitListener;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code caracal_rate_limited_total{principal,model}}: calls refused by a per-principal rate limit.
 * A refused call's model name is the client's (it may name no model), and JWT subjects are
 * unbounded, so at most {@link #MAX_SERIES} label pairs are kept; the calls beyond count under
 * {@code principal="other",model="other"}. Thread-safe.
 */
final class RateLimitMetrics implements RateLimitListener {
  static final int MAX_SERIES = 200;

  private final Counter limited;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  RateLimitMetrics(PrometheusRegistry registry) {
    limited =
        Counter.builder()
            .name("caracal_rate_limited")
            .help("Calls refused by a per-principal rate limit (429 / RESOURCE_EXHAUSTED)")
            .labelNames("principal", "model")
            .register(registry);
  }

  @Override
  public void limited(String principal, String model) {
    String key = principal + '\0' + model;
    if (seen.contains(key) || (seen.size() < MAX_SERIES && seen.add(key))) {
      limited.labelValues(principal, model).inc();
    } else {
      limited.labelValues("other", "other").inc();
    }
  }
}
