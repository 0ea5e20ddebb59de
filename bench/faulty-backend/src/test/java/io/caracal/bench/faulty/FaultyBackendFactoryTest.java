package io.caracal.bench.faulty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.testing.TestTensors;
import io.caracal.testing.models.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultyBackendFactoryTest {
  private static final Shape ROW = Shape.of(1, 16);
  private static final long[] ONES = LongStream.range(0, 16).map(i -> 1).toArray();

  @TempDir Path repo;

  @Test
  void isAPlugInOfItsOwnPlatform() {
    assertThat(
            ServiceLoader.load(BackendFactory.class).stream().map(p -> (Object) p.type()).toList())
        .contains(FaultyBackendFactory.class);
    FaultyBackendFactory f = new FaultyBackendFactory();
    assertThat(f.supports("faulty_onnxruntime", "")).isTrue();
    assertThat(f.supports("", "faulty_onnxruntime")).isTrue();
    assertThat(f.supports("", "")).isFalse();
    assertThat(f.supports("onnxruntime_onnx", "")).isFalse();
    assertThat(f.defaultModelFileName()).isEqualTo("model.onnx");
  }

  @Test
  void failsExactlyEveryNthCallOfAnInstance_andRunsTheModelOtherwise() throws Exception {
    try (ModelInstance m = load(Map.of(FaultyBackendFactory.FAIL_EVERY, "3"))) {
      List<Integer> failed = new ArrayList<>();
      for (int call = 1; call <= 9; call++) {
        long[] x = LongStream.range(0, 16).map(i -> i + 10).toArray();
        try {
          List<NamedTensor> out = m.infer(inputs(x), List.of("OUTPUT0", "OUTPUT1"));
          assertThat(TestTensors.longs(out.get(0).tensor()))
              .containsExactly(LongStream.of(x).map(v -> v + 1).toArray());
          assertThat(TestTensors.longs(out.get(1).tensor()))
              .containsExactly(LongStream.of(x).map(v -> v - 1).toArray());
        } catch (FaultInjectingInstance.InjectedFault e) {
          assertThat(e).hasMessage("injected fault: call " + call + " of this instance");
          failed.add(call);
        }
      }
      assertThat(failed).containsExactly(3, 6, 9);
    }
  }

  @Test
  void eachInstanceCountsItsOwnCalls_oneInAHundredByDefault() throws Exception {
    try (ModelInstance a = load(Map.of());
        ModelInstance b = load(Map.of())) {
      for (int call = 1; call < 100; call++) {
        a.infer(inputs(ONES), List.of("OUTPUT0"));
      }
      b.infer(inputs(ONES), List.of("OUTPUT0"));
      assertThatThrownBy(() -> a.infer(inputs(ONES), List.of("OUTPUT0")))
          .isInstanceOf(FaultInjectingInstance.InjectedFault.class);
      b.infer(inputs(ONES), List.of("OUTPUT0"));
      a.infer(inputs(ONES), List.of("OUTPUT0"));
    }
  }

  @Test
  void zeroNeverFails_andABadValueRefusesTheLoadNamingTheParameter() throws Exception {
    try (ModelInstance m = load(Map.of(FaultyBackendFactory.FAIL_EVERY, "0"))) {
      for (int call = 1; call <= 200; call++) {
        m.infer(inputs(ONES), List.of("OUTPUT0"));
      }
    }
    assertThatThrownBy(() -> load(Map.of(FaultyBackendFactory.FAIL_EVERY, "often")))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("'fail_every'")
        .hasMessageContaining("'often'");
  }

  private ModelInstance load(Map<String, String> parameters) throws Exception {
    Path file =
        TestModels.addSub(repo, "m" + System.nanoTime(), DataType.INT64, 8)
            .resolve("1/" + TestModels.MODEL_FILE);
    return new FaultyBackendFactory()
        .load(new ModelArtifact(new ModelId("m", 1), file, parameters, BackendOptions.ofDefault()));
  }

  private static List<NamedTensor> inputs(long[] x) {
    return List.of(
        new NamedTensor("INPUT0", TestTensors.int64(ROW, x)),
        new NamedTensor("INPUT1", TestTensors.int64(ROW, ONES)));
  }
}
