package io.caracal.core.inference;

import static io.caracal.core.inference.InferencePipelineTest.errorOf;
import static io.caracal.core.inference.InferencePipelineTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceResponse;
import io.caracal.api.backend.BackendOptions;
import io.caracal.core.fixtures.FakeBackend;
import io.caracal.core.fixtures.Fixtures;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.repository.AutoCompleter;
import io.caracal.core.repository.ModelRepository;
import io.caracal.core.scheduler.PooledModelRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service's part of a graceful shutdown: not ready, then refusing, then idle or failed. */
class DrainTest {
  @TempDir Path repo;
  final FakeBackend backend = new FakeBackend();
  ServiceUnderTest service;

  @BeforeEach
  void start() throws Exception {
    backend.signatures.put("echo", InferencePipelineTest.ECHO);
    Fixtures.write(repo.resolve("echo/config.pbtxt"), "max_batch_size: 8");
    Fixtures.write(repo.resolve("echo/1/model.fake"), "ok");
    ModelRegistry registry =
        new ModelRegistry(
            ModelRepository.create(repo, List.of(backend)),
            BackendOptions.ofDefault(),
            PooledModelRunner.factory(1, 8),
            new AutoCompleter(),
            2);
    registry.loadAll();
    service = ServiceUnderTest.of(registry, RequestLimits.ofDefault());
  }

  @AfterEach
  void tearDown() {
    backend.gate.countDown();
    service.close();
  }

  CompletableFuture<InferenceResponse> infer() {
    return service.infer(request("echo", OptionalLong.empty(), 1));
  }

  @Test
  void beginDrain_readinessFalse_livenessTrue_requestsStillServed() {
    assertThat(service.isReady()).isTrue();
    service.beginDrain();
    assertThat(service.isReady()).isFalse();
    assertThat(service.isLive()).isTrue();
    assertThat(infer().join().modelVersion()).isEqualTo(1);
    assertThat(service.inFlight()).isZero();
  }

  @Test
  void stopAccepting_refusesNew_letsRunningAndQueuedFinish_thenIdle() throws Exception {
    backend.gate = new CountDownLatch(1);
    CompletableFuture<InferenceResponse> running = infer();
    backend.entered.await();
    CompletableFuture<InferenceResponse> queued = infer();
    assertThat(service.inFlight()).isEqualTo(2);

    CompletableFuture<Void> idle = service.stopAccepting();
    assertThat(service.isReady()).isFalse();
    assertThat(service.isLive()).isTrue();
    CompletableFuture<InferenceResponse> late = infer();
    assertThat(errorOf(late)).isEqualTo(new InferenceError.ShuttingDown());
    assertThat(errorOf(late).message()).isEqualTo("the server is shutting down");
    assertThat(idle).isNotDone();

    backend.gate.countDown();
    assertThat(running.join().modelVersion()).isEqualTo(1);
    assertThat(queued.join().modelVersion()).isEqualTo(1);
    idle.join();
    assertThat(service.inFlight()).isZero();
  }

  @Test
  void stopAccepting_whenNothingInFlight_isIdleAtOnce() {
    assertThat(service.stopAccepting()).isDone();
  }

  @Test
  void failInFlight_completesWhatIsLeftWithShuttingDown() throws Exception {
    backend.gate = new CountDownLatch(1);
    CompletableFuture<InferenceResponse> running = infer();
    backend.entered.await();
    CompletableFuture<InferenceResponse> queued = infer();
    CompletableFuture<Void> idle = service.stopAccepting();

    assertThat(service.failInFlight()).isEqualTo(2);
    assertThat(errorOf(running)).isEqualTo(new InferenceError.ShuttingDown());
    assertThat(errorOf(queued)).isEqualTo(new InferenceError.ShuttingDown());
    assertThat(idle).isDone();
    assertThat(service.failInFlight()).isZero();
  }

  @Test
  void cancelledRequest_leavesTheCount() throws Exception {
    backend.gate = new CountDownLatch(1);
    CompletableFuture<InferenceResponse> running = infer();
    backend.entered.await();
    CompletableFuture<InferenceResponse> queued = infer();
    queued.cancel(false);
    assertThat(service.inFlight()).isEqualTo(1);
    backend.gate.countDown();
    running.join();
    assertThat(service.stopAccepting()).isDone();
  }
}
