package io.caracal.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelSignature;
import io.caracal.core.fixtures.FakeBackend;
import io.caracal.core.fixtures.Fixtures;
import io.caracal.core.repository.AutoCompleter;
import io.caracal.core.repository.ModelRepository;
import io.caracal.core.scheduler.PooledModelRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry tells its change listeners (the response cache) about every swap. */
class ModelRegistryChangeListenerTest {
  @TempDir Path repo;
  final FakeBackend backend = new FakeBackend();

  @Test
  void loadReloadAndUnload_notify_aFailedReloadThatKeepsServing_andTheInitialLoad_doNot()
      throws Exception {
    backend.signatures.put(
        "m",
        new ModelSignature(
            List.of(IoSpec.of("INPUT0", DataType.INT32, Shape.of(4))),
            List.of(IoSpec.of("OUTPUT0", DataType.INT32, Shape.of(4)))));
    Fixtures.write(repo.resolve("m/1/model.fake"), "ok");
    try (ModelRegistry registry =
        new ModelRegistry(
            ModelRepository.create(repo, List.of(backend)),
            BackendOptions.ofDefault(),
            PooledModelRunner.factory(1, 16),
            new AutoCompleter(),
            1)) {
      List<String> changed = new CopyOnWriteArrayList<>();
      registry.addChangeListener(changed::add);
      registry.addChangeListener(name -> {
        throw new IllegalStateException("a broken listener is ignored");
      });
      registry.loadAll();
      assertThat(changed).isEmpty();

      registry.load("m");
      assertThat(changed).containsExactly("m");
      Fixtures.write(repo.resolve("m/1/model.fake"), "corrupt");
      assertThatThrownBy(() -> registry.load("m")).hasMessageContaining("failed to load 'm'");
      assertThat(changed).containsExactly("m"); // the serving version keeps serving
      registry.unload("m");
      assertThat(changed).containsExactly("m", "m");
    }
  }
}
