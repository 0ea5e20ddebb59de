package io.caracal.core.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatistics.Duration;
import io.caracal.api.ModelStatistics.InferStats;
import io.caracal.api.ModelStatistics.TailStats;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.RequestedOutput;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.core.ForwardingInferenceService;
import io.caracal.core.fixtures.NoService;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.repository.ModelSpec.VersionPolicy;
import io.caracal.core.scheduler.FakeTicker;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CachingInferenceServiceTest {
  static final long LOOKUP_MICROS = 7;
  static final InstantSource CLOCK = InstantSource.fixed(Instant.ofEpochMilli(1_700_000_000_000L));

  final FakeTicker ticker = new FakeTicker();
  final Delegate delegate = new Delegate();

  /** A delegate that counts its calls and answers as the test scripts it. */
  static final class Delegate extends ForwardingInferenceService {
    final AtomicInteger calls = new AtomicInteger();
    final Queue<InferenceRequest> requests = new ConcurrentLinkedQueue<>();
    volatile Function<InferenceRequest, CompletableFuture<InferenceResponse>> answer =
        r -> CompletableFuture.completedFuture(response(r, 4));

    Delegate() {
      super(NoService.INSTANCE);
    }

    @Override
    public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
      calls.incrementAndGet();
      requests.add(request);
      return answer.apply(request);
    }

    @Override
    public List<ModelStatistics> statistics(String model, OptionalLong version) {
      return List.of(
          new ModelStatistics(
              "m",
              1,
              5,
              1,
              1,
              new InferStats(
                  new Duration(1, 100),
                  Duration.ZERO,
                  Duration.ZERO,
                  Duration.ZERO,
                  Duration.ZERO,
                  Duration.ZERO,
                  Duration.ZERO,
                  Duration.ZERO),
              List.of(),
              TailStats.EMPTY),
          new ModelStatistics("other", 1, 0, 0, 0, InferStats.EMPTY, List.of(), TailStats.EMPTY));
    }
  }

  /** A response of model version 1 with one output of {@code bytes} bytes, echoing the input. */
  static InferenceResponse response(InferenceRequest r, int bytes) {
    ByteBuffer b = ByteBuffer.allocate(bytes);
    ByteBuffer in = r.inputs().get(0).tensor().data();
    b.put(0, in.get(0));
    Tensor t = Tensor.of(DataType.UINT8, Shape.of(bytes), b);
    return new InferenceResponse(
        r.modelName(), 1, r.id(), List.of(new NamedTensor("out", t)), Map.of());
  }

  static ModelSpec spec(String name, boolean responseCache) {
    return new ModelSpec(
        name,
        "p",
        "b",
        0,
        List.of(),
        List.of(),
        new VersionPolicy.Latest(1),
        1,
        Optional.empty(),
        "model.fake",
        Map.of(),
        List.of(),
        responseCache);
  }

  /** Model "m" asks for the cache, "plain" does not, others are unknown. */
  ModelSpecs specs() {
    return (model, version) -> {
      ticker.advance(LOOKUP_MICROS, TimeUnit.MICROSECONDS); // the lookup takes this long
      return switch (model) {
        case "m" -> Optional.of(spec("m", true));
        case "plain" -> Optional.of(spec("plain", false));
        default -> Optional.empty();
      };
    };
  }

  CachingInferenceService cache(long maxBytes, long maxEntryBytes) {
    return new CachingInferenceService(
        delegate, maxBytes, maxEntryBytes, specs(), ticker, CLOCK, Runnable::run);
  }

  CachingInferenceService cache() {
    return cache(1 << 20, 1 << 16);
  }

  static InferenceRequest request(String model, String id, int value) {
    return request(model, id, value, Map.of());
  }

  static InferenceRequest request(
      String model, String id, int value, Map<String, ParameterValue> parameters) {
    Tensor t = Tensor.of(DataType.UINT8, Shape.of(1), ByteBuffer.wrap(new byte[] {(byte) value}));
    return new InferenceRequest(
        model,
        OptionalLong.empty(),
        id,
        List.of(new NamedTensor("in", t)),
        List.of(RequestedOutput.of("out")),
        parameters);
  }

  @Test
  void secondIdenticalRequest_isAHit_answeredWithItsOwnId_andSkipsTheDelegate() {
    CachingInferenceService cache = cache();
    InferenceResponse first = cache.infer(request("m", "a", 1)).join();
    InferenceResponse second = cache.infer(request("m", "b", 1)).join();
    assertThat(delegate.calls).hasValue(1);
    assertThat(first.id()).isEqualTo("a");
    assertThat(second.id()).isEqualTo("b");
    assertThat(second.outputs()).isEqualTo(first.outputs());
    assertThat(cache.infer(request("m", "a", 1)).join()).isEqualTo(first);
  }

  @Test
  void differentInput_isAMiss() {
    CachingInferenceService cache = cache();
    cache.infer(request("m", "a", 1)).join();
    cache.infer(request("m", "a", 2)).join();
    assertThat(delegate.calls).hasValue(2);
  }

  @Test
  void modelsWithoutTheCache_unknownModels_andSequenceRequests_goThroughEveryTime() {
    CachingInferenceService cache = cache();
    for (int i = 0; i < 2; i++) {
      cache.infer(request("plain", "a", 1)).join();
      cache.infer(request("unknown", "a", 1)).join();
      cache.infer(request("m", "a", 1, Map.of("sequence_id", new ParameterValue.Int(7)))).join();
    }
    assertThat(delegate.calls).hasValue(6);
    assertThat(cache.size()).isZero();
  }

  @Test
  void concurrentIdenticalMisses_runOnce_andAllGetTheResponse() throws Exception {
    CachingInferenceService cache = cache();
    CompletableFuture<InferenceResponse> held = new CompletableFuture<>();
    delegate.answer = r -> held;
    int n = 32;
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<CompletableFuture<InferenceResponse>>> slots = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      CompletableFuture<CompletableFuture<InferenceResponse>> slot = new CompletableFuture<>();
      slots.add(slot);
      String id = "r" + i;
      threads.add(
          Thread.ofPlatform()
              .start(() -> {
                try {
                  go.await();
                  slot.complete(cache.infer(request("m", id, 1)));
                } catch (InterruptedException e) {
                  slot.completeExceptionally(e);
                }
              }));
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    List<CompletableFuture<InferenceResponse>> futures =
        slots.stream().map(CompletableFuture::join).toList();
    assertThat(delegate.calls).hasValue(1);
    assertThat(futures).noneMatch(CompletableFuture::isDone);

    InferenceRequest first = delegate.requests.peek();
    held.complete(response(first, 4));
    for (int i = 0; i < n; i++) {
      assertThat(futures.get(i).join().id()).isEqualTo("r" + i);
    }
    assertThat(delegate.calls).hasValue(1);
  }

  @Test
  void oneCallerCancelling_doesNotCancelTheSharedRun() {
    CachingInferenceService cache = cache();
    CompletableFuture<InferenceResponse> held = new CompletableFuture<>();
    delegate.answer = r -> held;
    CompletableFuture<InferenceResponse> a = cache.infer(request("m", "a", 1));
    CompletableFuture<InferenceResponse> b = cache.infer(request("m", "b", 1));
    a.cancel(true);
    assertThat(held).isNotCancelled();
    held.complete(response(request("m", "a", 1), 4));
    assertThat(b.join().id()).isEqualTo("b");
  }

  @Test
  void failuresAreNotCached_theNextRequestRunsAgain() {
    CachingInferenceService cache = cache();
    CompletableFuture<InferenceResponse> held = new CompletableFuture<>();
    delegate.answer = r -> held;
    CompletableFuture<InferenceResponse> a = cache.infer(request("m", "a", 1));
    CompletableFuture<InferenceResponse> waiter = cache.infer(request("m", "b", 1));
    held.completeExceptionally(InferenceException.of(new InferenceError.QueueFull("m", 1)));
    assertThatThrownBy(a::join).hasCauseInstanceOf(InferenceException.class);
    assertThatThrownBy(waiter::join).hasCauseInstanceOf(InferenceException.class);
    assertThat(cache.size()).isZero();

    // a failure found at once (validation) is not cached either
    delegate.answer =
        r -> CompletableFuture.failedFuture(InferenceException.invalid("in", "bad input"));
    assertThatThrownBy(() -> cache.infer(request("m", "a", 1)).join())
        .hasCauseInstanceOf(InferenceException.class);
    assertThat(cache.size()).isZero();

    delegate.answer = r -> CompletableFuture.completedFuture(response(r, 4));
    cache.infer(request("m", "a", 1)).join();
    cache.infer(request("m", "a", 1)).join();
    assertThat(delegate.calls).hasValue(3);
  }

  @Test
  void responsesOverTheEntryCap_areNotCached() {
    InferenceResponse sample = response(request("m", "a", 1), 1000);
    CachingInferenceService cache = cache(1 << 20, CachingInferenceService.weight(sample) - 1);
    delegate.answer = r -> CompletableFuture.completedFuture(response(r, 1000));
    cache.infer(request("m", "a", 1)).join();
    cache.infer(request("m", "a", 1)).join();
    assertThat(delegate.calls).hasValue(2);
    assertThat(cache.size()).isZero();

    // held, then completed: removed as it completes
    CompletableFuture<InferenceResponse> held = new CompletableFuture<>();
    delegate.answer = r -> held;
    CompletableFuture<InferenceResponse> f = cache.infer(request("m", "a", 1));
    held.complete(response(request("m", "a", 1), 1000));
    assertThat(f.join().outputs()).hasSize(1);
    assertThat(cache.size()).isZero();
  }

  @Test
  void theCacheIsBoundedInBytes() {
    int one = CachingInferenceService.weight(response(request("m", "a", 1), 100));
    CachingInferenceService cache = cache(10L * one, one);
    delegate.answer = r -> CompletableFuture.completedFuture(response(r, 100));
    for (int i = 0; i < 50; i++) {
      cache.infer(request("m", "a", i)).join();
    }
    assertThat(cache.weightedSize()).isLessThanOrEqualTo(10L * one).isPositive();
    assertThat(cache.size()).isLessThanOrEqualTo(10);
  }

  @Test
  void invalidate_dropsTheModelsEntries_andOnesComputedAcrossIt() {
    CachingInferenceService cache = cache();
    cache.infer(request("m", "a", 1)).join();
    cache.infer(request("m", "a", 2)).join();
    assertThat(cache.size()).isEqualTo(2);
    cache.invalidate("other");
    assertThat(cache.size()).isEqualTo(2);
    cache.invalidate("m");
    assertThat(cache.size()).isZero();
    cache.infer(request("m", "a", 1)).join();
    assertThat(delegate.calls).hasValue(3);

    // a response of the replaced version, computed while the reload happened, is not kept
    CompletableFuture<InferenceResponse> held = new CompletableFuture<>();
    delegate.answer = r -> held;
    CompletableFuture<InferenceResponse> old = cache.infer(request("m", "a", 9));
    cache.invalidate("m");
    delegate.answer = r -> CompletableFuture.completedFuture(response(r, 4));
    cache.infer(request("m", "a", 9)).join(); // the new generation's own miss
    held.complete(response(request("m", "a", 9), 4));
    assertThat(old.join().id()).isEqualTo("a");
    assertThat(delegate.calls).hasValue(5);
    assertThat(cache.size()).isEqualTo(1); // only the new generation's entry
    cache.infer(request("m", "a", 9)).join();
    assertThat(delegate.calls).hasValue(5);
  }

  @Test
  void statistics_addHitsAndMisses_asTritonCountsThem() {
    CachingInferenceService cache = cache();
    cache.infer(request("m", "a", 1)).join(); // miss
    cache.infer(request("m", "a", 1)).join(); // hit
    cache.infer(request("m", "a", 1)).join(); // hit
    cache.infer(request("plain", "a", 1)).join(); // not cached: no count
    long lookup = TimeUnit.MICROSECONDS.toNanos(LOOKUP_MICROS);

    List<ModelStatistics> stats = cache.statistics("", OptionalLong.empty());
    ModelStatistics m = stats.get(0);
    assertThat(m.inference().cacheMiss()).isEqualTo(new Duration(1, lookup));
    assertThat(m.inference().cacheHit()).isEqualTo(new Duration(2, 2 * lookup));
    // hits are successful requests, but ran no model
    assertThat(m.inference().success()).isEqualTo(new Duration(3, 100 + 2 * lookup));
    assertThat(m.inferenceCount()).isEqualTo(1);
    assertThat(m.executionCount()).isEqualTo(1);
    assertThat(m.lastInferenceMillis()).isEqualTo(CLOCK.millis());
    assertThat(stats.get(1).inference()).isEqualTo(InferStats.EMPTY);

    cache.invalidate("m"); // the reloaded versions start again, as the pipeline's counts do
    assertThat(cache.statistics("", OptionalLong.empty()).get(0).inference().cacheHit())
        .isEqualTo(Duration.ZERO);
  }

  @Test
  void uncachedModels_warnOncePerModelThatAsks() {
    UncachedModels warning = new UncachedModels(specs());
    warning.accept("m");
    warning.accept("m");
    warning.accept("plain");
    warning.accept("unknown");
    assertThat(warning.warned("m")).isTrue();
    assertThat(warning.warned("plain")).isFalse();
    assertThat(warning.warned("unknown")).isFalse();
  }
}
