package io.caracal.backend.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.ModelId;
import io.caracal.api.Shape;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.testing.TestTensors;
import io.caracal.testing.models.TestModels;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxRuntimeBackendFactoryTest {
  @TempDir Path repo;

  @Test
  void isDiscoveredWithServiceLoader() {
    assertThat(
            ServiceLoader.load(BackendFactory.class).stream().map(p -> (Object) p.type()).toList())
        .contains(OnnxRuntimeBackendFactory.class);
  }

  @Test
  void namesAndPlatformMatching() {
    OnnxRuntimeBackendFactory f = new OnnxRuntimeBackendFactory();
    assertThat(f.name()).isEqualTo("onnxruntime");
    assertThat(f.platform()).isEqualTo("onnxruntime_onnx");
    assertThat(f.defaultModelFileName()).isEqualTo("model.onnx");
    assertThat(f.supports("", "")).isTrue();
    assertThat(f.supports("onnxruntime_onnx", "")).isTrue();
    assertThat(f.supports("", "onnxruntime")).isTrue();
    assertThat(f.supports("tensorflow_savedmodel", "")).isFalse();
    assertThat(f.supports("", "python")).isFalse();
  }

  @Test
  void threadOptionsAreAccepted() throws Exception {
    Path file = TestModels.dynamicBatch(repo, "d", 0).resolve("1/model.onnx");
    try (ModelInstance m =
        new OnnxRuntimeBackendFactory()
            .load(
                new ModelArtifact(new ModelId("d", 1), file, Map.of(), new BackendOptions(1, 1)))) {
      assertThat(m.signature().inputs()).hasSize(1);
    }
  }

  @Test
  void tritonSessionParametersAreApplied_andTheModelStillAnswersExactly() throws Exception {
    Path file = TestModels.dynamicBatch(repo, "d", 0).resolve("1/model.onnx");
    Map<String, String> params =
        Map.of(
            "intra_op_thread_count", "1",
            "inter_op_thread_count", "1",
            "execution_mode", "1",
            "enable_mem_arena", "false",
            "allow_spinning", "0",
            "caracal.min_instances", "1"); // not a session parameter: left to the scheduler
    try (ModelInstance m =
        new OnnxRuntimeBackendFactory()
            .load(
                new ModelArtifact(new ModelId("d", 1), file, params, BackendOptions.ofDefault()))) {
      Map<String, io.caracal.api.Tensor> out =
          Models.run(
              m,
              Map.of("INPUT0", TestTensors.fp32(Shape.of(2, 4), 1, 2, 3, 4, 5, 6, 7, 8)),
              "OUTPUT0");
      assertThat(out.get("OUTPUT0").shape()).isEqualTo(Shape.of(2, 4));
    }
  }

  @Test
  void aBadSessionParameterRefusesTheLoadNamingIt() throws Exception {
    Path file = TestModels.dynamicBatch(repo, "d", 0).resolve("1/model.onnx");
    Map<String, String> bad =
        Map.of(
            "intra_op_thread_count", "many",
            "inter_op_thread_count", "-1",
            "execution_mode", "2",
            "enable_mem_arena", "yes",
            "allow_spinning", "sometimes");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      assertThatThrownBy(() ->
              new OnnxRuntimeBackendFactory()
                  .load(
                      new ModelArtifact(
                          new ModelId("d", 1),
                          file,
                          Map.of(e.getKey(), e.getValue()),
                          BackendOptions.ofDefault())))
          .isInstanceOf(io.caracal.api.backend.ModelLoadException.class)
          .hasMessageContaining(
              "config parameter '" + e.getKey() + "' has value '" + e.getValue() + "'");
    }
  }

  @Test
  void outputsNeverShareMemoryWithInputs_evenForAnIdentityModel() throws Exception {
    try (ModelInstance m = Models.load(TestModels.identity(repo, "id", DataType.FP32, 8))) {
      assertThat(m.outputsMayShareInputs()).isFalse();
      java.nio.ByteBuffer direct =
          java.nio.ByteBuffer.allocateDirect(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      direct.putFloat(1).putFloat(2).putFloat(3).putFloat(4).flip();
      io.caracal.api.Tensor in = io.caracal.api.Tensor.of(DataType.FP32, Shape.of(1, 4), direct);
      String output = m.signature().outputs().get(0).name();
      java.util.List<io.caracal.api.NamedTensor> out =
          m.infer(
              java.util.List.of(
                  new io.caracal.api.NamedTensor(m.signature().inputs().get(0).name(), in)),
              java.util.List.of(output));
      // the scheduler reuses the input buffer for the next batch: the output must not change with
      // it
      direct.putFloat(0, 9).putFloat(4, 9).putFloat(8, 9).putFloat(12, 9);
      assertThat(out.get(0).tensor()).isEqualTo(TestTensors.fp32(Shape.of(1, 4), 1, 2, 3, 4));
    }
  }

  @Test
  void ortInvalidArgumentIsInvalidInput() throws Exception {
    try (ModelInstance m = Models.load(TestModels.dynamicBatch(repo, "d", 0))) {
      // wrong rank: ORT rejects it with ORT_INVALID_ARGUMENT
      assertThatThrownBy(() ->
              Models.run(m, Map.of("INPUT0", TestTensors.fp32(Shape.of(4), 1, 2, 3, 4)), "OUTPUT0"))
          .isInstanceOfSatisfying(
              BackendException.class, e -> assertThat(e.isInvalidInput()).isTrue())
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain(repo.toString()));
      // wrong datatype
      assertThatThrownBy(() ->
              Models.run(
                  m,
                  Map.of("INPUT0", TestTensors.of(DataType.FP64, Shape.of(1, 4), 1, 2, 3, 4)),
                  "OUTPUT0"))
          .isInstanceOfSatisfying(
              BackendException.class, e -> assertThat(e.isInvalidInput()).isTrue());
    }
  }
}
