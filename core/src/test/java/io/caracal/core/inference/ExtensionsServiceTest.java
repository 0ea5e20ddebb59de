package io.caracal.core.inference;

import static io.caracal.core.inference.InferencePipelineTest.ECHO;
import static io.caracal.core.inference.InferencePipelineTest.errorOf;
import static io.caracal.core.inference.InferencePipelineTest.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.TextFormat;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.api.backend.BackendOptions;
import io.caracal.core.fixtures.FakeBackend;
import io.caracal.core.fixtures.Fixtures;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.repository.AutoCompleter;
import io.caracal.core.repository.ConfigParser;
import io.caracal.core.repository.ModelRepository;
import io.caracal.core.scheduler.PooledModelRunner;
import io.caracal.proto.inference.ModelConfig;
import io.caracal.protocol.config.ConfigJson;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtensionsServiceTest {
  @TempDir Path repo;
  final FakeBackend backend = new FakeBackend();
  ServiceUnderTest service;

  void start(ModelControlMode mode, Predicate<String> selected) throws Exception {
    ModelRegistry registry =
        new ModelRegistry(
            ModelRepository.create(repo, List.of(backend)),
            BackendOptions.ofDefault(),
            PooledModelRunner.factory(1, 1024),
            new AutoCompleter(),
            2);
    registry.loadAll(selected);
    service = ServiceUnderTest.of(registry, RequestLimits.ofDefault(), mode);
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      service.close();
    }
  }

  void echoModel(String name, String config) throws Exception {
    backend.signatures.put(name, ECHO);
    Fixtures.write(repo.resolve(name + "/config.pbtxt"), config);
    Fixtures.write(repo.resolve(name + "/1/model.fake"), "ok");
  }

  @Test
  void modelConfig_isTheCompletedConfig_andRoundTripsThroughTextFormat() throws Exception {
    echoModel(
        "echo",
        """
        max_batch_size: 8
        output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [16] label_filename: "labels.txt" } ]
        dynamic_batching { max_queue_delay_microseconds: 100 }
        parameters { key: "k" value { string_value: "v" } }
        """);
    Fixtures.write(repo.resolve("echo/labels.txt"), "a\nb\n");
    start(ModelControlMode.NONE, n -> true);
    ModelConfig c =
        ModelConfig.parseFrom(service.modelConfig("echo", OptionalLong.empty()).toByteArray());
    assertThat(c.getName()).isEqualTo("echo");
    assertThat(c.getPlatform()).isEqualTo("fake_platform");
    assertThat(c.getMaxBatchSize()).isEqualTo(8);
    assertThat(c.getInput(0).getName()).isEqualTo("INPUT0");
    assertThat(c.getInput(0).getDimsList()).containsExactly(16L);
    assertThat(c.getOutput(0).getLabelFilename()).isEqualTo("labels.txt");
    assertThat(c.getDynamicBatching().getMaxQueueDelayMicroseconds()).isEqualTo(100);
    assertThat(c.getParametersMap().get("k").getStringValue()).isEqualTo("v");
    assertThat(c.getVersionPolicy().getLatest().getNumVersions()).isEqualTo(1);
    assertThat(c.getInstanceGroup(0).getCount()).isEqualTo(1);
    assertThat(c.getInstanceGroup(0).getKind().name()).isEqualTo("KIND_CPU");

    ModelConfig back =
        new ConfigParser().parse(TextFormat.printer().printToString(c), "echo/config.pbtxt");
    assertThat(back).isEqualTo(c);

    String json = ConfigJson.print(c);
    assertThat(json)
        .startsWith("{\"name\":\"echo\",\"platform\":\"fake_platform\"")
        .contains("\"max_batch_size\":8")
        .contains("\"data_type\":\"TYPE_INT32\"")
        .contains("\"dims\":[16]")
        .contains("\"max_queue_delay_microseconds\":100")
        .contains("\"num_versions\":1")
        .contains("\"parameters\":{\"k\":{\"string_value\":\"v\"}}")
        .contains("\"batch_input\":[]")
        .doesNotContain("\"sequence_batching\"");
    assertThatThrownBy(() -> service.modelConfig("nope", OptionalLong.empty()))
        .isInstanceOf(InferenceException.class);
  }

  @Test
  void controlModeNone_refusesLoadAndUnload() throws Exception {
    echoModel("echo", "max_batch_size: 8");
    start(ModelControlMode.NONE, n -> true);
    assertThatThrownBy(() -> service.load("echo"))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> assertThat(e.error()).isInstanceOf(InferenceError.Unsupported.class))
        .hasMessageContaining("model control mode is 'none'");
    assertThatThrownBy(() -> service.unload("echo")).isInstanceOf(InferenceException.class);
  }

  @Test
  void explicit_loadsOnlyNamedModels_loadUnloadAndFailedReloadKeepsServing() throws Exception {
    echoModel("echo", "max_batch_size: 8");
    echoModel("other", "max_batch_size: 8");
    start(ModelControlMode.EXPLICIT, "other"::equals);
    assertThat(service.index())
        .containsExactly(
            new ModelStatus("echo", 0, ModelState.UNAVAILABLE, ""),
            new ModelStatus("other", 1, ModelState.READY, ""));
    assertThat(service.isReady()).isTrue();
    assertThat(errorOf(service.infer(request("echo", OptionalLong.empty(), 1))))
        .isInstanceOf(InferenceError.ModelNotFound.class);

    service.load("echo");
    assertThat(service.infer(request("echo", OptionalLong.empty(), 1)).join().modelVersion())
        .isEqualTo(1);

    Fixtures.write(repo.resolve("echo/1/model.fake"), "corrupt");
    assertThatThrownBy(() -> service.load("echo"))
        .hasMessage("failed to load 'echo': model file is corrupt");
    assertThat(service.infer(request("echo", OptionalLong.empty(), 1)).join().modelVersion())
        .isEqualTo(1);

    service.unload("echo");
    assertThat(errorOf(service.infer(request("echo", OptionalLong.empty(), 1))))
        .isInstanceOf(InferenceError.ModelNotFound.class);
    assertThat(service.index())
        .contains(new ModelStatus("echo", 1, ModelState.UNAVAILABLE, "unloaded"));
    service.unload("echo"); // idempotent

    assertThatThrownBy(() -> service.load("missing"))
        .hasMessage("failed to load 'missing': the model is not in the repository");
    assertThatThrownBy(() -> service.load("../etc"))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> assertThat(e.error()).isInstanceOf(InferenceError.InvalidInput.class));
    assertThatThrownBy(() -> service.unload("missing"))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> assertThat(e.error()).isInstanceOf(InferenceError.ModelNotFound.class));
  }

  @Test
  void readiness_aFailedFirstLoadIsNotReady_aFailedReloadThatKeepsServingIsReady()
      throws Exception {
    echoModel("echo", "max_batch_size: 8");
    echoModel("broken", "max_batch_size: 8");
    Fixtures.write(repo.resolve("broken/1/model.fake"), "corrupt");
    start(ModelControlMode.EXPLICIT, n -> true);
    assertThat(service.isReady())
        .as("a model that should be loaded failed its first load")
        .isFalse();
    service.unload("broken");
    assertThat(service.isReady()).isTrue();

    // a broken new version number beside the serving one: version 1 keeps serving, the server stays
    // ready
    Fixtures.write(repo.resolve("echo/2/model.fake"), "corrupt");
    assertThatThrownBy(() -> service.load("echo")).hasMessageContaining("model file is corrupt");
    assertThat(service.index())
        .contains(
            new ModelStatus(
                "echo", 2, ModelState.UNAVAILABLE, "failed to load 'echo': model file is corrupt"));
    assertThat(service.infer(request("echo", OptionalLong.empty(), 1)).join().modelVersion())
        .isEqualTo(1);
    assertThat(service.isReady()).isTrue();

    // fixed: version 2 replaces version 1
    Fixtures.write(repo.resolve("echo/2/model.fake"), "ok");
    service.load("echo");
    assertThat(service.infer(request("echo", OptionalLong.empty(), 1)).join().modelVersion())
        .isEqualTo(2);
    assertThat(service.isReady()).isTrue();
  }

  @Test
  void index_showsLoadingWhileAVersionLoads_andUnloadingWhileItsRequestsFinish() throws Exception {
    echoModel("echo", "max_batch_size: 8");
    start(ModelControlMode.EXPLICIT, n -> true);
    assertThat(service.index()).containsExactly(new ModelStatus("echo", 1, ModelState.READY, ""));

    // a new version loads beside the serving one: listed LOADING, not found, readiness unchanged
    Fixtures.write(repo.resolve("echo/2/model.fake"), "ok");
    backend.loadGate = new java.util.concurrent.CountDownLatch(1);
    backend.loading = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<Void> load =
        CompletableFuture.runAsync(() -> service.load("echo"), Thread::startVirtualThread);
    assertThat(backend.loading.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(service.index())
        .containsExactly(
            new ModelStatus("echo", 1, ModelState.READY, ""),
            new ModelStatus("echo", 2, ModelState.LOADING, ""));
    assertThat(service.infer(request("echo", OptionalLong.empty(), 1)).join().modelVersion())
        .isEqualTo(1);
    assertThat(service.isReady()).isTrue();
    backend.loadGate.countDown();
    load.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(service.index()).containsExactly(new ModelStatus("echo", 2, ModelState.READY, ""));

    // an unload waits for the request in flight: meanwhile the version is UNLOADING
    backend.gate = new java.util.concurrent.CountDownLatch(1);
    backend.entered = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<InferenceResponse> inFlight =
        service.infer(request("echo", OptionalLong.empty(), 1));
    assertThat(backend.entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> unload =
        CompletableFuture.runAsync(() -> service.unload("echo"), Thread::startVirtualThread);
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (!service
            .index()
            .contains(
                new ModelStatus("echo", 2, ModelState.UNLOADING, "finishing in-flight requests"))
        && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    assertThat(service.index())
        .containsExactly(
            new ModelStatus("echo", 2, ModelState.UNLOADING, "finishing in-flight requests"));
    assertThat(errorOf(service.infer(request("echo", OptionalLong.empty(), 1))))
        .isInstanceOf(InferenceError.ModelNotFound.class);
    assertThat(service.isReady()).isTrue();
    assertThat(unload).isNotDone();
    backend.gate.countDown();
    assertThat(inFlight.get(30, java.util.concurrent.TimeUnit.SECONDS).modelVersion()).isEqualTo(2);
    unload.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(service.index())
        .containsExactly(new ModelStatus("echo", 2, ModelState.UNAVAILABLE, "unloaded"));
  }

  @Test
  void loadsOfDifferentModelsAreBoundedByTheLoaderThreads() throws Exception {
    echoModel("a", "max_batch_size: 8");
    echoModel("b", "max_batch_size: 8");
    ModelRegistry registry =
        new ModelRegistry(
            ModelRepository.create(repo, List.of(backend)),
            BackendOptions.ofDefault(),
            PooledModelRunner.factory(1, 1024),
            new AutoCompleter(),
            1);
    registry.loadAll(n -> false);
    service = ServiceUnderTest.of(registry, RequestLimits.ofDefault(), ModelControlMode.EXPLICIT);
    backend.loadGate = new java.util.concurrent.CountDownLatch(1);
    backend.loading = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<Void> first =
        CompletableFuture.runAsync(() -> service.load("a"), Thread::startVirtualThread);
    assertThat(backend.loading.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    backend.loading = new java.util.concurrent.CountDownLatch(1);
    CompletableFuture<Void> second =
        CompletableFuture.runAsync(() -> service.load("b"), Thread::startVirtualThread);
    // with one loader thread, 'b' waits (listed LOADING) until 'a' has loaded
    long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (!service.index().contains(new ModelStatus("b", 1, ModelState.LOADING, ""))
        && System.nanoTime() < until) {
      Thread.onSpinWait();
    }
    assertThat(service.index()).contains(new ModelStatus("b", 1, ModelState.LOADING, ""));
    assertThat(backend.loading.getCount()).as("'b' has not reached the backend").isEqualTo(1);
    backend.loadGate.countDown();
    first.get(30, java.util.concurrent.TimeUnit.SECONDS);
    second.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(service.index())
        .contains(
            new ModelStatus("a", 1, ModelState.READY, ""),
            new ModelStatus("b", 1, ModelState.READY, ""));
  }

  @Test
  void readiness_notStrict_ignoresTheModelsButNotTheDrain() throws Exception {
    echoModel("broken", "max_batch_size: 8");
    Fixtures.write(repo.resolve("broken/1/model.fake"), "corrupt");
    ModelRegistry registry =
        new ModelRegistry(
            ModelRepository.create(repo, List.of(backend)),
            BackendOptions.ofDefault(),
            PooledModelRunner.factory(1, 1024),
            new AutoCompleter(),
            2);
    registry.loadAll();
    service =
        ServiceUnderTest.of(registry, RequestLimits.ofDefault(), ModelControlMode.NONE, false);
    assertThat(registry.allReady()).isFalse();
    assertThat(service.isReady()).isTrue();
    service.beginDrain();
    assertThat(service.isReady()).isFalse();
  }

  @Test
  void reloadUnderLoad_failsNoRequest_andClosesTheOldInstances() throws Exception {
    echoModel("echo", "max_batch_size: 8");
    start(ModelControlMode.EXPLICIT, n -> true);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      clients.add(
          Thread.ofPlatform()
              .start(() -> {
                while (!stop.get()) {
                  try {
                    service.infer(request("echo", OptionalLong.empty(), 2)).join();
                    ok.incrementAndGet();
                  } catch (Throwable t) {
                    failures.add(t);
                  }
                }
              }));
    }
    for (int i = 0; i < 100; i++) {
      service.load("echo");
    }
    stop.set(true);
    for (Thread t : clients) {
      t.join();
    }
    assertThat(failures).isEmpty();
    assertThat(ok.get()).isGreaterThan(0);
    assertThat(backend.loads.get()).isEqualTo(101);
    assertThat(backend.closes.get()).isEqualTo(100);
  }
}
