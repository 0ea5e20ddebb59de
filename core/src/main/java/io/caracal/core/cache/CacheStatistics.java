package io.caracal.core.cache;

import io.caracal.api.ModelId;
import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatistics.Duration;
import io.caracal.api.ModelStatistics.InferStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The cache's counts per model version, added to the pipeline's statistics as Triton counts them:
 * {@code cache_hit} and {@code cache_miss} (count and nanoseconds of the lookup), and every hit as
 * one more successful request ({@code success}, with the time until its response was ready, and the
 * last inference time). Hits are not in {@code inference_count}, {@code execution_count}, the
 * compute times or the batch statistics, since no model ran for them. Thread-safe.
 */
final class CacheStatistics {
  private final Map<ModelId, Counters> counters = new ConcurrentHashMap<>();

  private static final class Counters {
    final LongAdder hits = new LongAdder();
    final LongAdder hitNanos = new LongAdder();
    final LongAdder hitSuccessNanos = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder missNanos = new LongAdder();
    final AtomicLong lastHitMillis = new AtomicLong();
  }

  private Counters of(String model, long version) {
    return counters.computeIfAbsent(new ModelId(model, version), k -> new Counters());
  }

  void hit(String model, long version, long lookupNanos, long successNanos, long nowMillis) {
    Counters c = of(model, version);
    c.hits.increment();
    c.hitNanos.add(lookupNanos);
    c.hitSuccessNanos.add(successNanos);
    c.lastHitMillis.accumulateAndGet(nowMillis, Math::max);
  }

  void miss(String model, long version, long lookupNanos) {
    Counters c = of(model, version);
    c.misses.increment();
    c.missNanos.add(lookupNanos);
  }

  /** Forgets the model's counts (its versions were reloaded or unloaded, as the pipeline's are). */
  void reset(String model) {
    counters.keySet().removeIf(id -> id.name().equals(model));
  }

  /** Returns {@code stats} with the cache's counts added to each version's entry. */
  List<ModelStatistics> addTo(List<ModelStatistics> stats) {
    List<ModelStatistics> out = new ArrayList<>(stats.size());
    for (ModelStatistics s : stats) {
      Counters c = counters.get(new ModelId(s.name(), s.version()));
      if (c == null) {
        out.add(s);
        continue;
      }
      InferStats in = s.inference();
      Duration hits = new Duration(c.hits.sum(), c.hitNanos.sum());
      InferStats added =
          new InferStats(
              in.success().plus(new Duration(hits.count(), c.hitSuccessNanos.sum())),
              in.fail(),
              in.queue(),
              in.computeInput(),
              in.computeInfer(),
              in.computeOutput(),
              in.cacheHit().plus(hits),
              in.cacheMiss().plus(new Duration(c.misses.sum(), c.missNanos.sum())));
      out.add(
          new ModelStatistics(
              s.name(),
              s.version(),
              Math.max(s.lastInferenceMillis(), c.lastHitMillis.get()),
              s.inferenceCount(),
              s.executionCount(),
              added,
              s.batches(),
              s.tail()));
    }
    return out;
  }
}
