package io.caracal.core.scheduler;

import static io.caracal.core.fixtures.Fixtures.int32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelStatistics;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.Shape;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelSignature;
import io.caracal.core.fixtures.FakeBackend;
import io.caracal.core.fixtures.Fixtures;
import io.caracal.core.inference.RequestLimits;
import io.caracal.core.inference.ServiceUnderTest;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.repository.AutoCompleter;
import io.caracal.core.repository.ModelRepository;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service over real DynamicBatchers (real threads, bounded by latches and future timeouts). */
class SchedulingServiceTest {
  @TempDir Path repo;
  final FakeBackend backend = new FakeBackend();
  ServiceUnderTest service;

  static final ModelSignature ECHO =
      new ModelSignature(
          List.of(IoSpec.of("INPUT0", DataType.INT32, Shape.of(-1, 4))),
          List.of(IoSpec.of("OUTPUT0", DataType.INT32, Shape.of(-1, 4))));

  void start(String config) throws Exception {
    backend.signatures.put("echo", ECHO);
    Fixtures.write(repo.resolve("echo/config.pbtxt"), config);
    Fixtures.write(repo.resolve("echo/1/model.fake"), "ok");
    ModelRegistry registry =
        new ModelRegistry(
            ModelRepository.create(repo, List.of(backend)),
            BackendOptions.ofDefault(),
            DynamicBatcher.factory(1, 128, Ticker.system(), InstantSource.system()),
            new AutoCompleter(),
            2);
    registry.loadAll();
    service = ServiceUnderTest.of(registry, RequestLimits.ofDefault());
  }

  @AfterEach
  void tearDown() {
    backend.gate.countDown();
    if (service != null) {
      service.close();
    }
  }

  static InferenceRequest request(int seed, long batch, Map<String, ParameterValue> params) {
    int[] values = new int[Math.toIntExact(batch * 4)];
    for (int i = 0; i < values.length; i++) {
      values[i] = seed * 100 + i;
    }
    return new InferenceRequest(
        "echo",
        OptionalLong.empty(),
        "r" + seed,
        List.of(new NamedTensor("INPUT0", int32(Shape.of(batch, 4), values))),
        List.of(),
        params);
  }

  static InferenceError errorOf(CompletableFuture<?> f) {
    try {
      f.join();
      throw new AssertionError("no error");
    } catch (CompletionException e) {
      return ((InferenceException) e.getCause()).error();
    }
  }

  @Test
  void concurrentRequestsAreBatchedAndAnsweredExactly() throws Exception {
    start(
        "max_batch_size: 8 dynamic_batching { max_queue_delay_microseconds: 2000 } instance_group { count: 2 }");
    List<CompletableFuture<InferenceResponse>> fs = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      fs.add(service.infer(request(i, 1 + i % 3, Map.of())));
    }
    for (int i = 0; i < 64; i++) {
      InferenceResponse r = fs.get(i).get(30, TimeUnit.SECONDS);
      assertThat(r.id()).isEqualTo("r" + i);
      assertThat(r.outputs().get(0).tensor())
          .isEqualTo(request(i, 1 + i % 3, Map.of()).inputs().get(0).tensor());
    }
    List<ModelStatistics> stats = service.statistics("echo", OptionalLong.empty());
    assertThat(stats).hasSize(1);
    ModelStatistics s = stats.get(0);
    assertThat(s.inference().success().count()).isEqualTo(64);
    long elements = 0;
    for (int i = 0; i < 64; i++) {
      elements += 1 + i % 3;
    }
    assertThat(s.inferenceCount()).isEqualTo(elements);
    assertThat(s.executionCount()).isLessThanOrEqualTo(64);
    assertThat(s.batches()).allMatch(b -> b.batchSize() <= 8);
    assertThat(service.statistics("", OptionalLong.empty()))
        .extracting(ModelStatistics::name)
        .containsExactly("echo");
    assertThatThrownBy(() -> service.statistics("nope", OptionalLong.empty()))
        .isInstanceOf(InferenceException.class);
  }

  @Test
  void priorityAndTimeoutParametersAreValidated() throws Exception {
    start("max_batch_size: 8 dynamic_batching { priority_levels: 2 default_priority_level: 2 }");
    assertThat(
            service
                .infer(
                    request(
                        1,
                        1,
                        Map.of(
                            "priority",
                            new ParameterValue.Int(1),
                            "timeout",
                            new ParameterValue.Int(1_000_000))))
                .get(30, TimeUnit.SECONDS)
                .outputs())
        .hasSize(1);
    assertThat(errorOf(service.infer(request(1, 1, Map.of("priority", new ParameterValue.Int(3))))))
        .isInstanceOf(InferenceError.InvalidInput.class);
    assertThat(
            errorOf(service.infer(request(1, 1, Map.of("priority", new ParameterValue.Int(-1))))))
        .isInstanceOf(InferenceError.InvalidInput.class);
    assertThat(
            errorOf(
                service.infer(request(1, 1, Map.of("priority", new ParameterValue.Str("high"))))))
        .isInstanceOf(InferenceError.InvalidInput.class);
    assertThat(errorOf(service.infer(request(1, 1, Map.of("timeout", new ParameterValue.Int(-5))))))
        .isInstanceOf(InferenceError.InvalidInput.class);
  }

  @Test
  void fullQueueAnswersAtOnceAndShutdownFailsTheQueued() throws Exception {
    start("max_batch_size: 8 dynamic_batching { default_queue_policy { max_queue_size: 2 } }");
    // 128 is the server default; the config's max_queue_size (2) wins
    backend.gate = new CountDownLatch(1);
    CompletableFuture<InferenceResponse> running = service.infer(request(1, 1, Map.of()));
    assertThat(backend.entered.await(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<InferenceResponse> a = service.infer(request(2, 1, Map.of()));
    CompletableFuture<InferenceResponse> b = service.infer(request(3, 1, Map.of()));
    assertThat(errorOf(service.infer(request(4, 1, Map.of()))))
        .isInstanceOf(InferenceError.QueueFull.class);
    Thread closer = Thread.ofPlatform().start(service::close);
    assertThat(errorOf(a)).isInstanceOf(InferenceError.ShuttingDown.class);
    assertThat(errorOf(b)).isInstanceOf(InferenceError.ShuttingDown.class);
    backend.gate.countDown();
    assertThat(running.get(30, TimeUnit.SECONDS).outputs()).hasSize(1);
    closer.join();
    assertThat(backend.closes.get()).isEqualTo(1);
  }

  @Test
  void replacementInstancesAreWarmedUpBeforeTheyServe_andOneWhoseWarmupFailsIsClosed()
      throws Exception {
    start("max_batch_size: 8 instance_group { count: 2 }");
    // default warm-up: batch 1 and batch 8 on each of the 2 instances
    assertThat(backend.warmups).hasSize(4);
    assertThat(backend.loads.get()).isEqualTo(2);

    backend.fail = true;
    // fails on one instance, is retried on the other, fails again: both instances get replaced
    assertThat(errorOf(service.infer(request(1, 1, Map.of()))))
        .isInstanceOf(InferenceError.BackendFailure.class);
    awaitUntil(() -> backend.loads.get() == 4 && backend.warmups.size() == 8);
    assertThat(backend.warmups.subList(4, 8))
        .extracting(w -> w.get(0).tensor().shape().dim(0))
        .containsExactlyInAnyOrder(1L, 8L, 1L, 8L);
    awaitUntil(() -> backend.closes.get() == 2); // the replaced ones, once idle

    backend.failWarmup = true;
    assertThat(errorOf(service.infer(request(2, 1, Map.of()))))
        .isInstanceOf(InferenceError.BackendFailure.class);
    // both replacements load, fail their warm-up and are closed; the old instances stay in service
    awaitUntil(() -> backend.loads.get() == 6 && backend.closes.get() == 4);
    backend.fail = false;
    backend.failWarmup = false;
    assertThat(service.infer(request(3, 1, Map.of())).get(30, TimeUnit.SECONDS).outputs())
        .hasSize(1);
  }

  /** Waits, bounded, for background work (instance creation runs on its own thread). */
  private static void awaitUntil(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached in 30 s");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
  }
}
