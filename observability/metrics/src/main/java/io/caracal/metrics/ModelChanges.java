package io.caracal.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The model registry's change listener for metrics: counts each model's loads (the initial one and
 * every load or reload since) and unloads, and removes the series of versions that stopped serving
 * ({@link CallMetrics#forget}). Called with a model name after each swap; thread-safe.
 */
final class ModelChanges implements Consumer<String> {
  private final ServerView view;
  private final CallMetrics calls;
  private final Map<String, LongAdder> loads = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> unloads = new ConcurrentHashMap<>();

  /** Starts counting; every model serving now counts one load. */
  ModelChanges(ServerView view, CallMetrics calls) {
    this.view = view;
    this.calls = calls;
    view.versions().stream()
        .map(ServerView.VersionView::model)
        .distinct()
        .forEach(m -> count(loads, m));
  }

  @Override
  public void accept(String model) {
    boolean serving = view.versions().stream().anyMatch(v -> v.model().equals(model));
    count(serving ? loads : unloads, model);
    calls.forget(model);
  }

  private static void count(Map<String, LongAdder> counts, String model) {
    counts.computeIfAbsent(model, k -> new LongAdder()).increment();
  }

  /** Returns the loads per model so far. */
  Map<String, Long> loads() {
    return snapshot(loads);
  }

  /** Returns the unloads per model so far. */
  Map<String, Long> unloads() {
    return snapshot(unloads);
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> counts) {
    Map<String, Long> out = new java.util.TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
