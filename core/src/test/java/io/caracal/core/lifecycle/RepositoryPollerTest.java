package io.caracal.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.DataType;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelSignature;
import io.caracal.core.fixtures.FakeBackend;
import io.caracal.core.fixtures.Fixtures;
import io.caracal.core.repository.AutoCompleter;
import io.caracal.core.repository.ModelRepository;
import io.caracal.core.scheduler.DynamicBatcher;
import io.caracal.core.scheduler.RunnerFactory;
import io.caracal.core.scheduler.Ticker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poll mode, driven by calling {@link RepositoryPoller#scan} (no sleeping, no timer): added models
 * load, removed ones unload, changed ones reload; a corrupt new version keeps the old one serving
 * with the reason in the index. Also the warm-up that happens in the registry's load path.
 */
class RepositoryPollerTest {
  @TempDir Path repo;
  final FakeBackend backend = new FakeBackend();
  final List<AutoCloseable> toClose = new ArrayList<>();

  static final ModelSignature ECHO =
      new ModelSignature(
          List.of(IoSpec.of("INPUT0", DataType.INT32, Shape.of(-1, 4))),
          List.of(IoSpec.of("OUTPUT0", DataType.INT32, Shape.of(-1, 4))));

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
  }

  void model(String name, String config, long... versions) throws Exception {
    backend.signatures.put(name, ECHO);
    Fixtures.write(repo.resolve(name + "/config.pbtxt"), config);
    for (long v : versions) {
      Fixtures.write(repo.resolve(name + "/" + v + "/model.fake"), "ok");
    }
  }

  ModelRepository repository;

  ModelRegistry registry(RunnerFactory runners) throws Exception {
    repository = ModelRepository.create(repo, List.of(backend));
    ModelRegistry r =
        new ModelRegistry(repository, BackendOptions.ofDefault(), runners, new AutoCompleter(), 2);
    toClose.add(r);
    return r;
  }

  static RunnerFactory batchers() {
    return DynamicBatcher.factory(1, 128, Ticker.system(), InstantSource.system());
  }

  /**
   * A registry loaded from the repository with a poller whose baseline was taken before the load.
   */
  RepositoryPoller poller(ModelRegistry r) throws Exception {
    RepositoryPoller p = new RepositoryPoller(r, repository, Duration.ofSeconds(15), 2);
    toClose.add(p);
    p.baseline();
    r.loadAll();
    return p;
  }

  static List<ModelStatus> statuses(ModelRegistry r, String name) {
    return r.index().stream().filter(s -> s.name().equals(name)).toList();
  }

  static void deleteTree(Path p) throws Exception {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  @Test
  void nothingChangedDoesNothing() throws Exception {
    model("a", "max_batch_size: 4", 1);
    ModelRegistry r = registry(batchers());
    RepositoryPoller p = poller(r);
    int loads = backend.loads.get();
    RepositoryPoller.Changes c = p.scan();
    assertThat(c.loaded()).isEmpty();
    assertThat(c.reloaded()).isEmpty();
    assertThat(c.unloaded()).isEmpty();
    assertThat(backend.loads.get()).isEqualTo(loads);
  }

  @Test
  void addedModelLoadsAndRemovedModelUnloads() throws Exception {
    model("a", "max_batch_size: 4", 1);
    ModelRegistry r = registry(batchers());
    RepositoryPoller p = poller(r);

    model("b", "max_batch_size: 4", 1);
    RepositoryPoller.Changes c = p.scan();
    assertThat(c.loaded()).containsExactly("b");
    assertThat(r.isReady("b", OptionalLong.empty())).isTrue();

    LoadedModel a = r.lookup("a", OptionalLong.empty());
    deleteTree(repo.resolve("a"));
    c = p.scan();
    assertThat(c.unloaded()).containsExactly("a");
    assertThat(r.readyVersions("a")).isEmpty();
    assertThat(r.isReplaced(a)).isTrue();
    assertThat(statuses(r, "a"))
        .allSatisfy(s -> assertThat(s.state()).isEqualTo(ModelState.UNAVAILABLE));
    assertThat(r.isReady("b", OptionalLong.empty())).isTrue();
  }

  @Test
  void newVersionFolderSwapsVersionsAtomically() throws Exception {
    model("a", "max_batch_size: 4", 1);
    ModelRegistry r = registry(batchers());
    RepositoryPoller p = poller(r);
    LoadedModel v1 = r.lookup("a", OptionalLong.empty());

    Fixtures.write(repo.resolve("a/2/model.fake"), "ok");
    RepositoryPoller.Changes c = p.scan();
    assertThat(c.reloaded()).containsExactly("a");
    assertThat(r.lookup("a", OptionalLong.empty()).id().version()).isEqualTo(2);
    assertThat(r.readyVersions("a")).containsExactly(2L); // default policy: latest 1
    assertThat(r.isReplaced(v1)).isTrue();
  }

  @Test
  void configEditReloads() throws Exception {
    model("a", "max_batch_size: 4", 1);
    ModelRegistry r = registry(batchers());
    RepositoryPoller p = poller(r);
    assertThat(r.lookup("a", OptionalLong.empty()).config().maxBatchSize()).isEqualTo(4);

    Fixtures.write(
        repo.resolve("a/config.pbtxt"), "max_batch_size: 8"); // same size: the content hash sees it
    assertThat(p.scan().reloaded()).containsExactly("a");
    assertThat(r.lookup("a", OptionalLong.empty()).config().maxBatchSize()).isEqualTo(8);
  }

  @Test
  void corruptNewVersionKeepsTheOldServingWithTheReasonInTheIndex() throws Exception {
    model("a", "max_batch_size: 4", 1);
    ModelRegistry r = registry(batchers());
    RepositoryPoller p = poller(r);
    LoadedModel v1 = r.lookup("a", OptionalLong.empty());

    Fixtures.write(repo.resolve("a/2/model.fake"), "corrupt");
    p.scan();
    assertThat(r.lookup("a", OptionalLong.empty())).isSameAs(v1);
    assertThat(r.isReplaced(v1)).isFalse();
    assertThat(statuses(r, "a"))
        .anySatisfy(s -> {
          assertThat(s.version()).isEqualTo(2);
          assertThat(s.state()).isEqualTo(ModelState.UNAVAILABLE);
          assertThat(s.reason()).contains("corrupt");
        })
        .anySatisfy(s -> {
          assertThat(s.version()).isEqualTo(1);
          assertThat(s.state()).isEqualTo(ModelState.READY);
        });
    // Not retried while nothing changes; fixed file: the new version replaces the old.
    int loads = backend.loads.get();
    assertThat(p.scan().reloaded()).isEmpty();
    assertThat(backend.loads.get()).isEqualTo(loads);
    Fixtures.write(repo.resolve("a/2/model.fake"), "fixed, and longer");
    assertThat(p.scan().reloaded()).containsExactly("a");
    assertThat(r.lookup("a", OptionalLong.empty()).id().version()).isEqualTo(2);
    assertThat(r.isReplaced(v1)).isTrue();
  }

  @Test
  void corruptReplacementOfTheServingFileKeepsItServingAndSaysWhy() throws Exception {
    model("a", "max_batch_size: 4", 1);
    ModelRegistry r = registry(batchers());
    RepositoryPoller p = poller(r);
    LoadedModel v1 = r.lookup("a", OptionalLong.empty());
    Fixtures.write(repo.resolve("a/1/model.fake"), "corrupt!!");
    p.scan();
    assertThat(r.lookup("a", OptionalLong.empty())).isSameAs(v1);
    assertThat(statuses(r, "a"))
        .singleElement()
        .satisfies(s -> {
          assertThat(s.state()).isEqualTo(ModelState.READY);
          assertThat(s.reason()).contains("reload failed").contains("corrupt");
        });
  }

  @Test
  void warmUpRunsAtBatchOneAndMaxBatchBeforeTheRunnerExists() throws Exception {
    model("a", "max_batch_size: 6 dynamic_batching { }", 1);
    List<Integer> seenAtCreate = new ArrayList<>();
    RunnerFactory checking =
        new RunnerFactory() {
          final RunnerFactory inner = batchers();

          @Override
          public io.caracal.core.scheduler.ModelRunner create(
              io.caracal.api.ModelId id,
              io.caracal.core.repository.ModelSpec config,
              List<io.caracal.api.backend.ModelInstance> instances) {
            backend.warmups.forEach(
                call -> seenAtCreate.add((int) call.get(0).tensor().shape().dim(0)));
            return inner.create(id, config, instances);
          }
        };
    ModelRegistry r = registry(checking);
    r.loadAll();
    assertThat(seenAtCreate).containsExactly(1, 6);
    assertThat(backend.warmups)
        .allSatisfy(call -> {
          NamedTensor t = call.getFirst();
          assertThat(t.name()).isEqualTo("INPUT0");
          assertThat(t.tensor().shape().dim(1)).isEqualTo(4);
          assertThat(t.tensor().data().duplicate().getInt(0)).isZero();
        });
    assertThat(r.isReady("a", OptionalLong.empty())).isTrue();
  }

  @Test
  void nonBatchingModelWarmsOnceWithoutBatchDimension() throws Exception {
    backend.signatures.put(
        "nb",
        new ModelSignature(
            List.of(IoSpec.of("T", DataType.BYTES, Shape.of(3))),
            List.of(IoSpec.of("O", DataType.BYTES, Shape.of(3)))));
    Fixtures.write(repo.resolve("nb/config.pbtxt"), "max_batch_size: 0");
    Fixtures.write(repo.resolve("nb/1/model.fake"), "ok");
    ModelRegistry r = registry(batchers());
    r.loadAll();
    assertThat(backend.warmups)
        .singleElement()
        .satisfies(call -> {
          assertThat(call.getFirst().tensor().shape()).isEqualTo(Shape.of(3));
          assertThat(call.getFirst().tensor().bytesElements())
              .allSatisfy(b -> assertThat(new String(b)).isEqualTo("0"));
        });
  }

  @Test
  void configuredWarmupSamplesRunCountTimesOnEveryInstance() throws Exception {
    model(
        "a",
        """
        max_batch_size: 8
        instance_group { count: 2 }
        model_warmup {
          name: "file"
          batch_size: 3
          count: 2
          inputs { key: "INPUT0" value: { data_type: TYPE_INT32 dims: [4] input_data_file: "in.bin" } }
        }
        """,
        1);
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putInt(7).putInt(8).putInt(9).putInt(10);
    Files.createDirectories(repo.resolve("a/warmup"));
    Files.write(repo.resolve("a/warmup/in.bin"), b.array());
    ModelRegistry r = registry(batchers());
    r.loadAll();
    assertThat(r.isReady("a", OptionalLong.empty())).isTrue();
    assertThat(backend.warmups).hasSize(4); // 2 instances x count 2
    assertThat(backend.warmups)
        .allSatisfy(call -> {
          assertThat(call.getFirst().tensor().shape()).isEqualTo(Shape.of(3, 4));
          assertThat(
                  call.getFirst()
                      .tensor()
                      .data()
                      .duplicate()
                      .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                      .getInt(16))
              .isEqualTo(7);
        });
  }

  @Test
  void warmupFileOutsideTheWarmupFolderIsRefused() throws Exception {
    model(
        "a",
        """
        max_batch_size: 8
        model_warmup { batch_size: 1 inputs { key: "INPUT0" value: { data_type: TYPE_INT32 dims: [4] input_data_file: "../config.pbtxt" } } }
        """,
        1);
    Files.createDirectories(repo.resolve("a/warmup"));
    ModelRegistry r = registry(batchers());
    r.loadAll();
    assertThat(statuses(r, "a"))
        .singleElement()
        .satisfies(s -> {
          assertThat(s.state()).isEqualTo(ModelState.UNAVAILABLE);
          assertThat(s.reason()).contains("model_warmup").contains("warmup/ folder");
        });
    assertThat(backend.warmups).isEmpty();
  }

  @Test
  void failingWarmupMakesTheVersionUnavailableWithTheReason() throws Exception {
    model("a", "max_batch_size: 4", 1);
    backend.failWarmup = true;
    ModelRegistry r = registry(batchers());
    r.loadAll();
    assertThat(statuses(r, "a"))
        .singleElement()
        .satisfies(s -> {
          assertThat(s.state()).isEqualTo(ModelState.UNAVAILABLE);
          assertThat(s.reason()).contains("warm-up of 'a' version 1 failed").contains("boom");
        });
    assertThat(backend.closes.get()).as("its instances are closed").isEqualTo(backend.loads.get());
  }

  @Test
  void failingWarmupOfANewVersionKeepsTheOldServing() throws Exception {
    model("a", "max_batch_size: 4", 1);
    ModelRegistry r = registry(batchers());
    RepositoryPoller p = poller(r);
    LoadedModel v1 = r.lookup("a", OptionalLong.empty());
    backend.failWarmup = true;
    Fixtures.write(repo.resolve("a/2/model.fake"), "ok");
    p.scan();
    backend.failWarmup = false;
    assertThat(r.lookup("a", OptionalLong.empty())).isSameAs(v1);
    assertThat(statuses(r, "a"))
        .anySatisfy(s -> {
          assertThat(s.version()).isEqualTo(2);
          assertThat(s.state()).isEqualTo(ModelState.UNAVAILABLE);
          assertThat(s.reason()).contains("warm-up");
        });
  }
}
