package io.caracal.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.DataType;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
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
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad scheduling setting makes the model unavailable with a reason that names the setting and its
 * value, while other models load; a runner factory failing for no stated reason stays generic.
 */
class ModelRegistrySchedulingConfigTest {
  @TempDir Path repo;
  final FakeBackend backend = new FakeBackend();

  static final ModelSignature ECHO =
      new ModelSignature(
          List.of(IoSpec.of("INPUT0", DataType.INT32, Shape.of(-1, 4))),
          List.of(IoSpec.of("OUTPUT0", DataType.INT32, Shape.of(-1, 4))));

  void model(String name, String config) throws Exception {
    backend.signatures.put(name, ECHO);
    Fixtures.write(repo.resolve(name + "/config.pbtxt"), config);
    Fixtures.write(repo.resolve(name + "/1/model.fake"), "ok");
  }

  ModelRegistry registry(RunnerFactory runners) throws Exception {
    ModelRegistry r =
        new ModelRegistry(
            ModelRepository.create(repo, List.of(backend)),
            BackendOptions.ofDefault(),
            runners,
            new AutoCompleter(),
            2);
    r.loadAll();
    return r;
  }

  static RunnerFactory batchers() {
    return DynamicBatcher.factory(1, 128, Ticker.system(), InstantSource.system());
  }

  static ModelStatus status(ModelRegistry r, String name) {
    return r.index().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void nonNumericInstanceParameterIsNamedWithItsValue() throws Exception {
    model(
        "bad",
        "max_batch_size: 8 dynamic_batching { } parameters { key: \"caracal.max_instances\" value: { string_value: \"abc\" } }");
    model("good", "max_batch_size: 8 dynamic_batching { }");
    try (ModelRegistry r = registry(batchers())) {
      ModelStatus bad = status(r, "bad");
      assertThat(bad.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(bad.reason())
          .contains("'bad'")
          .contains("caracal.max_instances")
          .contains("'abc'")
          .doesNotContain("unexpected error");
      assertThat(r.isReady("good", OptionalLong.empty())).isTrue();
      assertThat(backend.closes.get()).as("the bad model's instance is closed").isEqualTo(1);
    }
  }

  @Test
  void outOfRangeAndInconsistentParametersAreNamed() throws Exception {
    model(
        "range",
        "max_batch_size: 8 parameters { key: \"caracal.scale_up_queue_delay_us\" value: { string_value: \"-5\" } }");
    model(
        "order",
        "max_batch_size: 8 parameters [ { key: \"caracal.min_instances\" value: { string_value: \"3\" } },"
            + " { key: \"caracal.max_instances\" value: { string_value: \"2\" } } ]");
    try (ModelRegistry r = registry(batchers())) {
      assertThat(status(r, "range").reason())
          .contains("caracal.scale_up_queue_delay_us")
          .contains("-5");
      assertThat(status(r, "order").reason())
          .contains("caracal.max_instances")
          .contains("caracal.min_instances")
          .contains("2")
          .contains("3");
      assertThat(status(r, "order").state()).isEqualTo(ModelState.UNAVAILABLE);
    }
  }

  @Test
  void unexpectedRunnerFailureStaysGeneric() throws Exception {
    model("m", "max_batch_size: 8");
    RunnerFactory broken =
        new RunnerFactory() {
          @Override
          public io.caracal.core.scheduler.ModelRunner create(
              io.caracal.api.ModelId id,
              io.caracal.core.repository.ModelSpec config,
              List<io.caracal.api.backend.ModelInstance> instances) {
            throw new IllegalStateException("internal detail /secret/path");
          }
        };
    try (ModelRegistry r = registry(broken)) {
      ModelStatus m = status(r, "m");
      assertThat(m.state()).isEqualTo(ModelState.UNAVAILABLE);
      assertThat(m.reason()).contains("unexpected error").doesNotContain("/secret/path");
    }
  }
}
