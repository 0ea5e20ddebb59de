package io.caracal.core.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelStatistics;
import io.caracal.api.NamedTensor;
import io.caracal.api.RequestObserver;
import io.caracal.core.ForwardingInferenceService;
import io.caracal.core.InferenceService;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.scheduler.Ticker;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * The response cache, as a decorator of the inference service (Triton's response cache, made safe).
 * A request of a model whose config says {@code response_cache { enable: true }} is looked up by
 * its {@link CacheKey}; a hit is answered at once, without the queue or the backend, with the
 * caller's request id. Concurrent identical misses run the model once and share its response
 * (Caffeine's {@link AsyncCache#get(Object, java.util.function.BiFunction)}); a caller cancelling
 * its own future does not cancel the shared run.
 *
 * <p>The cache is bounded in bytes (a response weighs its output bytes and names plus a fixed
 * overhead) and evicts with Caffeine's W-TinyLFU, which resists scans of one-off requests. Never
 * cached: failures (their entry completes empty, which Caffeine drops), requests with sequence
 * parameters, responses heavier than the per-entry cap (1/16 of the cache by default), and models
 * without {@code enable: true}. {@link #invalidate} drops a model's entries; the model registry
 * calls it after every load, reload and unload, so that a request for the latest version never gets
 * an answer of the version it replaced.
 *
 * <p>{@link #statistics} adds {@code cache_hit} and {@code cache_miss} to each version's entry as
 * Triton does ({@link CacheStatistics}). Thread-safe and non-blocking.
 */
public final class CachingInferenceService extends ForwardingInferenceService {
  /** The per-entry cap is the cache size divided by this. */
  public static final int ENTRY_CAP_DIVISOR = 16;

  /** What a response weighs beside its bytes: the map entry, the key, the response objects. */
  static final int ENTRY_OVERHEAD = 256;

  /** What each output weighs beside its data and name. */
  static final int OUTPUT_OVERHEAD = 64;

  private final AsyncCache<CacheKey, InferenceResponse> cache;
  private final long maxBytes;
  private final long maxEntryBytes;
  private final ModelSpecs specs;
  private final Ticker ticker;
  private final InstantSource clock;
  private final Map<String, Long> generations = new ConcurrentHashMap<>();
  private final CacheStatistics stats = new CacheStatistics();

  /**
   * Creates the cache around {@code delegate}.
   *
   * @param maxBytes the cache's bound in bytes, at least 1
   * @param specs tells which models ask for the cache
   * @param ticker times the lookups
   * @param clock gives the last inference time of a hit
   */
  public CachingInferenceService(
      InferenceService delegate,
      long maxBytes,
      ModelSpecs specs,
      Ticker ticker,
      InstantSource clock) {
    this(
        delegate,
        maxBytes,
        Math.max(1, maxBytes / ENTRY_CAP_DIVISOR),
        specs,
        ticker,
        clock,
        ForkJoinPool.commonPool());
  }

  /**
   * As the shorter constructor, with the largest response kept ({@code maxEntryBytes}, at least 1;
   * larger responses are answered but not kept).
   */
  public CachingInferenceService(
      InferenceService delegate,
      long maxBytes,
      long maxEntryBytes,
      ModelSpecs specs,
      Ticker ticker,
      InstantSource clock) {
    this(delegate, maxBytes, maxEntryBytes, specs, ticker, clock, ForkJoinPool.commonPool());
  }

  /** As the public constructor, with the entry cap and Caffeine's maintenance executor. */
  CachingInferenceService(
      InferenceService delegate,
      long maxBytes,
      long maxEntryBytes,
      ModelSpecs specs,
      Ticker ticker,
      InstantSource clock,
      Executor maintenance) {
    super(delegate);
    if (maxBytes < 1 || maxEntryBytes < 1) {
      throw new IllegalArgumentException(
          "cache bounds must be positive: " + maxBytes + ", " + maxEntryBytes);
    }
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((CacheKey k, InferenceResponse v) -> weight(v))
            .executor(maintenance)
            .recordStats()
            .buildAsync();
    this.maxBytes = maxBytes;
    this.maxEntryBytes = maxEntryBytes;
    this.specs = specs;
    this.ticker = ticker;
    this.clock = clock;
  }

  /** Returns what {@code response} weighs in the cache, in bytes (saturated at int's maximum). */
  static int weight(InferenceResponse response) {
    long w = ENTRY_OVERHEAD + response.id().length() + response.modelName().length();
    for (NamedTensor t : response.outputs()) {
      w += OUTPUT_OVERHEAD + t.name().length() + t.tensor().byteSize();
    }
    return (int) Math.min(w, Integer.MAX_VALUE);
  }

  @Override
  public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
    long start = ticker.read();
    Optional<ModelSpec> spec = specs.find(request.modelName(), request.version());
    if (spec.isEmpty() || !spec.get().responseCache()) {
      return delegate().infer(request);
    }
    RequestObserver observer = request.observer();
    if (CacheKey.bypasses(request)) {
      observer.cache(RequestObserver.CacheOutcome.BYPASS, ticker.read() - start);
      return delegate().infer(request);
    }
    String model = request.modelName();
    CacheKey key = CacheKey.of(request, generation(model));
    Flight mine = new Flight();
    Flight shared = (Flight) cache.get(key, (k, executor) -> mine);
    long lookupNanos = ticker.read() - start;
    if (shared != mine) {
      observer.cache(
          shared.outcome.isDone()
              ? RequestObserver.CacheOutcome.HIT
              : RequestObserver.CacheOutcome.COALESCED,
          lookupNanos);
      return shared.outcome.thenApply(r -> {
        observer.resolved(model, r.modelVersion());
        stats.hit(model, r.modelVersion(), lookupNanos, ticker.read() - start, clock.millis());
        return r.id().equals(request.id()) ? r : withId(r, request.id());
      });
    }
    observer.cache(RequestObserver.CacheOutcome.MISS, lookupNanos);
    CompletableFuture<InferenceResponse> run;
    try {
      run = delegate().infer(request);
    } catch (RuntimeException e) { // infer never throws; a bug must not leave the entry pending
      run = CompletableFuture.failedFuture(e);
    }
    run.whenComplete((r, e) -> {
      if (r == null) {
        mine.fail(e == null ? new IllegalStateException("no response") : e);
        return;
      }
      stats.miss(model, r.modelVersion(), lookupNanos);
      mine.succeed(r);
      if (weight(r) > maxEntryBytes || generation(model) != key.generation()) {
        cache.asMap().remove(key, mine); // too big, or computed across a reload
      }
    });
    return mine.outcome.copy();
  }

  /**
   * What the cache holds for a key: a future that completes with the response, or with null when
   * the run failed, which makes Caffeine drop the entry (a future that failed would be dropped too,
   * but logged as a warning each time); {@link #outcome} gives every caller the response or the
   * failure.
   */
  private static final class Flight extends CompletableFuture<InferenceResponse> {
    final CompletableFuture<InferenceResponse> outcome = new CompletableFuture<>();

    void succeed(InferenceResponse r) {
      complete(r);
      outcome.complete(r);
    }

    void fail(Throwable e) {
      complete(null);
      outcome.completeExceptionally(e);
    }
  }

  private static InferenceResponse withId(InferenceResponse r, String id) {
    return new InferenceResponse(r.modelName(), r.modelVersion(), id, r.outputs(), r.parameters());
  }

  private long generation(String model) {
    return generations.getOrDefault(model, 0L);
  }

  /**
   * Drops every entry of {@code model} and its cache statistics; the model registry calls it after
   * each load, reload and unload ({@code ModelRegistry.addChangeListener}). A response still being
   * computed for the replaced version is dropped as it completes: its key's generation is stale.
   */
  public void invalidate(String model) {
    generations.merge(model, 1L, Long::sum);
    cache.asMap().keySet().removeIf(k -> k.model().equals(model));
    stats.reset(model);
  }

  @Override
  public List<ModelStatistics> statistics(String model, OptionalLong version) {
    return stats.addTo(super.statistics(model, version));
  }

  /**
   * What the cache holds now, for metrics at scrape time.
   *
   * @param bytes the weight of the entries held, in bytes
   * @param maxBytes the cache's bound in bytes
   * @param entries entries held, computed or in flight
   * @param evictions entries evicted for size since start (not those dropped by invalidation)
   */
  public record Usage(long bytes, long maxBytes, long entries, long evictions) {}

  /** Returns what the cache holds now; runs Caffeine's pending maintenance first. */
  public Usage usage() {
    return new Usage(weightedSize(), maxBytes, size(), cache.synchronous().stats().evictionCount());
  }

  /** Returns the weight of the entries held, in bytes (for tests and metrics). */
  long weightedSize() {
    cache.synchronous().cleanUp();
    return cache.synchronous().policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }

  /** Returns the number of entries held, computed or in flight. */
  long size() {
    return cache.asMap().size();
  }
}
