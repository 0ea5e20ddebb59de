package io.caracal.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.ModelId;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.ModelInstance;
import io.caracal.core.fixtures.FakeBackend;
import io.caracal.core.fixtures.Fixtures;
import io.caracal.core.repository.AutoCompleter;
import io.caracal.core.repository.ModelRepository;
import io.caracal.core.repository.ModelSource;
import io.caracal.core.repository.ModelSource.VersionSource;
import io.caracal.core.scheduler.PooledModelRunner;
import io.caracal.core.scheduler.RunnerFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader on its own: files to a servable version, or to the reason it is not one. */
class ModelLoaderTest {
  @TempDir Path repo;
  final FakeBackend backend = new FakeBackend();
  final List<ModelInstance> handedToRunner = new ArrayList<>();

  LoadResult load(String config, String file, RunnerFactory runners) throws Exception {
    backend.signatures.put("m", ModelRegistrySchedulingConfigTest.ECHO);
    Fixtures.write(repo.resolve("m/config.pbtxt"), config);
    Fixtures.write(repo.resolve("m/1/model.fake"), file);
    ModelRepository repository = ModelRepository.create(repo, List.of(backend));
    ModelLoader loader =
        new ModelLoader(repository, BackendOptions.ofDefault(), runners, new AutoCompleter(), 1);
    ModelSource.Found found = (ModelSource.Found) repository.find("m");
    return loader.load(found, (VersionSource.Loadable) found.versions().get(0));
  }

  RunnerFactory pooled() {
    return (id, config, instances) -> {
      handedToRunner.addAll(instances);
      return new PooledModelRunner(id, instances, 1, 8);
    };
  }

  @Test
  void loadsEveryInstanceOfTheGroupAndWrapsThemInARunner() throws Exception {
    LoadResult result =
        load("max_batch_size: 8 instance_group [ { count: 2 kind: KIND_CPU } ]", "ok", pooled());
    assertThat(result).isInstanceOf(LoadResult.Loaded.class);
    LoadedModel model = ((LoadResult.Loaded) result).model();
    try {
      assertThat(model.id()).isEqualTo(new ModelId("m", 1));
      assertThat(model.config().instanceCount()).isEqualTo(2);
      assertThat(handedToRunner).hasSize(2);
      assertThat(backend.loads.get()).isEqualTo(2);
      assertThat(backend.closes.get()).isZero();
    } finally {
      model.runner().close();
    }
  }

  @Test
  void aRejectedSchedulingSettingClosesTheLoadedInstancesAndNamesTheModel() throws Exception {
    RunnerFactory refusing =
        (id, config, instances) -> {
          throw new IllegalArgumentException(
              "parameter 'caracal.max_instances' must be an integer, got 'x'");
        };
    LoadResult result =
        load("max_batch_size: 8 instance_group [ { count: 2 kind: KIND_CPU } ]", "ok", refusing);
    assertThat(result)
        .isEqualTo(
            new LoadResult.Failed(
                "invalid config for 'm': parameter 'caracal.max_instances' must be an integer, got 'x'"));
    assertThat(backend.closes.get()).as("every instance loaded so far is closed").isEqualTo(2);
  }

  @Test
  void aBackendFailureGivesTheBackendsReasonForTheModel() throws Exception {
    LoadResult result = load("max_batch_size: 8", "corrupt", pooled());
    assertThat(result)
        .isEqualTo(new LoadResult.Failed("failed to load 'm': model file is corrupt"));
    assertThat(handedToRunner).isEmpty();
  }
}
