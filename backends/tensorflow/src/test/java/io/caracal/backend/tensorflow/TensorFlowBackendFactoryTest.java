package io.caracal.backend.tensorflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.testing.TestTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend on the committed SavedModels (src/test/models, made by generate.py), real TF. */
class TensorFlowBackendFactoryTest {
  static final Path MODELS = Path.of("src/test/models");
  private final TensorFlowBackendFactory factory = new TensorFlowBackendFactory();

  @TempDir Path tmp;

  static ModelArtifact artifact(Path modelFolder, Map<String, String> parameters) {
    return new ModelArtifact(
        new ModelId(String.valueOf(modelFolder.getFileName()), 1),
        modelFolder.resolve("1/model.savedmodel"),
        parameters,
        BackendOptions.ofDefault(),
        1);
  }

  private ModelInstance load(String model) throws ModelLoadException {
    return factory.load(artifact(MODELS.resolve(model), Map.of()));
  }

  private static List<NamedTensor> infer(ModelInstance m, List<NamedTensor> in, String... out)
      throws BackendException {
    return m.infer(in, List.of(out));
  }

  @Test
  void namesTritonsPlatformAndLayout() {
    assertThat(factory.name()).isEqualTo("tensorflow");
    assertThat(factory.platform()).isEqualTo("tensorflow_savedmodel");
    assertThat(factory.supports("tensorflow_savedmodel", "")).isTrue();
    assertThat(factory.supports("", "tensorflow")).isTrue();
    assertThat(factory.supports("tensorflow_graphdef", "")).isFalse();
    assertThat(factory.supports("", "")).isFalse();
    assertThat(factory.supports("onnxruntime_onnx", "")).isFalse();
    assertThat(factory.defaultModelFileName()).isEqualTo("model.savedmodel");
    assertThat(factory.defaultInstanceCount()).isEqualTo(2);
  }

  @Test
  void halfPlusTwo() throws Exception {
    try (ModelInstance m = load("half_plus_two")) {
      assertThat(m.signature().inputs())
          .containsExactly(IoSpec.of("x", DataType.FP32, Shape.of(-1, 1)));
      assertThat(m.signature().outputs())
          .containsExactly(IoSpec.of("y", DataType.FP32, Shape.of(-1, 1)));
      Tensor x = TestTensors.fp32(Shape.of(3, 1), 1f, 2f, 5f);
      Tensor y = infer(m, List.of(new NamedTensor("x", x)), "y").get(0).tensor();
      assertThat(y.shape()).isEqualTo(Shape.of(3, 1));
      assertThat(TestTensors.floats(y)).containsExactly(2.5f, 3f, 4.5f);
    }
  }

  @Test
  void stringsAreBytesByteForByte() throws Exception {
    try (ModelInstance m = load("strings")) {
      assertThat(m.signature().inputs())
          .containsExactly(
              IoSpec.of("scale", DataType.FP32, Shape.of(-1)),
              IoSpec.of("text", DataType.BYTES, Shape.of(-1)));
      byte[] notUtf8 = {(byte) 0xff, 'a', 0};
      Tensor text =
          Tensor.ofBytes(
              Shape.of(3), List.of("abc".getBytes(StandardCharsets.UTF_8), notUtf8, new byte[0]));
      Tensor scale = TestTensors.fp32(Shape.of(3), 2f, 1f, 5f);
      List<NamedTensor> out =
          infer(
              m,
              List.of(new NamedTensor("text", text), new NamedTensor("scale", scale)),
              "upper",
              "length",
              "scaled");
      List<byte[]> upper = out.get(0).tensor().bytesElements();
      assertThat(upper.get(0)).isEqualTo("ABC".getBytes(StandardCharsets.UTF_8));
      assertThat(upper.get(1)).isEqualTo(new byte[] {(byte) 0xff, 'A', 0});
      assertThat(upper.get(2)).isEmpty();
      assertThat(out.get(1).tensor().dataType()).isEqualTo(DataType.INT32);
      assertThat(TestTensors.doubles(out.get(1).tensor())).containsExactly(3, 3, 0);
      assertThat(TestTensors.floats(out.get(2).tensor())).containsExactly(6f, 3f, 0f);
    }
  }

  @Test
  void everySharedDatatype() throws Exception {
    List<DataType> fixed =
        List.of(
            DataType.BOOL,
            DataType.UINT8,
            DataType.UINT16,
            DataType.INT32,
            DataType.INT64,
            DataType.FP16,
            DataType.BF16,
            DataType.FP32,
            DataType.FP64);
    try (ModelInstance m = load("datatypes")) {
      List<NamedTensor> in = new ArrayList<>();
      List<String> outs = new ArrayList<>();
      for (DataType t : fixed) {
        assertThat(m.signature().input("in_" + t))
            .contains(IoSpec.of("in_" + t, t, Shape.of(-1, 2)));
        in.add(new NamedTensor("in_" + t, TestTensors.of(t, Shape.of(1, 2), 1, 3)));
        outs.add("out_" + t);
      }
      in.add(new NamedTensor("in_BYTES", TestTensors.strings(Shape.of(1, 2), "p", "q")));
      outs.add("out_BYTES");
      List<NamedTensor> out = m.infer(in, outs);
      for (int i = 0; i < fixed.size(); i++) {
        DataType t = fixed.get(i);
        Tensor r = out.get(i).tensor();
        assertThat(r.dataType()).as(t.name()).isEqualTo(t);
        double[] expected =
            switch (t) {
              case BOOL -> new double[] {0, 0}; // not
              case UINT16 -> new double[] {1, 3}; // identity
              default -> new double[] {2, 6}; // x + x
            };
        assertThat(TestTensors.doubles(r)).as(t.name()).containsExactly(expected);
      }
      assertThat(TestTensors.strings(out.get(fixed.size()).tensor())).containsExactly("p", "q");
    }
  }

  @Test
  void typesTfJavaCannotCarryAreRefusedAtLoad() {
    assertThatThrownBy(() -> load("int8_input"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("input 'small' has type INT8, which TF Java cannot carry");
  }

  @Test
  void cnnBatchedEqualsOneByOne() throws Exception {
    try (ModelInstance m = load("cnn")) {
      assertThat(m.signature().inputs())
          .containsExactly(IoSpec.of("image", DataType.FP32, Shape.of(-1, 8, 8, 1)));
      int n = 5;
      // TensorFlow's CPU kernels (oneDNN's convolution) may round differently for another batch
      // size; the server's batching is bit-identical to sending the same batch directly (it), and
      // here rows agree to float precision.
      float[] all = new float[n * 64];
      for (int i = 0; i < all.length; i++) {
        all[i] = (float) Math.sin(i * 0.37) * 3f;
      }
      Tensor batch = TestTensors.fp32(Shape.of(n, 8, 8, 1), all);
      Tensor batched = infer(m, List.of(new NamedTensor("image", batch)), "logits").get(0).tensor();
      assertThat(batched.shape()).isEqualTo(Shape.of(n, 3));
      for (int r = 0; r < n; r++) {
        float[] one = java.util.Arrays.copyOfRange(all, r * 64, (r + 1) * 64);
        Tensor single =
            infer(
                    m,
                    List.of(new NamedTensor("image", TestTensors.fp32(Shape.of(1, 8, 8, 1), one))),
                    "logits")
                .get(0)
                .tensor();
        float[] row = java.util.Arrays.copyOfRange(TestTensors.floats(batched), r * 3, r * 3 + 3);
        for (int j = 0; j < 3; j++) {
          assertThat(TestTensors.floats(single)[j])
              .as("row %d col %d", r, j)
              .isCloseTo(row[j], org.assertj.core.data.Offset.offset(1e-6f));
        }
      }
    }
  }

  /** The cross-backend network's answer, computed from its spec. */
  static float[] crossExpected(float[] x, int rows) {
    double[] y = io.caracal.testing.models.CrossNetwork.expected(x, rows);
    float[] out = new float[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = (float) y[i];
    }
    return out;
  }

  @Test
  void crossNetworkMatchesItsSpec() throws Exception {
    float[] x = {1, 2, 3, 4, -1, 0.5f, 2, -3, 0, 0, 0, 0};
    try (ModelInstance m = factory.load(artifact(MODELS.resolve("cross/cross_tf"), Map.of()))) {
      Tensor y =
          infer(m, List.of(new NamedTensor("x", TestTensors.fp32(Shape.of(3, 4), x))), "y")
              .get(0)
              .tensor();
      float[] expected = crossExpected(x, 3);
      float[] got = TestTensors.floats(y);
      for (int i = 0; i < expected.length; i++) {
        assertThat(got[i]).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void signatureFromParameterAndMissingSignatureListsTheOnesThereAre() {
    Map<String, String> p = Map.of("TF_SIGNATURE_DEF", "predict_v2");
    assertThatThrownBy(() -> factory.load(artifact(MODELS.resolve("half_plus_two"), p)))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "1/model.savedmodel has no signature 'predict_v2' (signatures: __saved_model_init_op,"
                + " serving_default); set the config parameter TF_SIGNATURE_DEF to one of them");
    Map<String, String> tag = Map.of("TF_GRAPH_TAG", "train");
    assertThatThrownBy(() -> factory.load(artifact(MODELS.resolve("half_plus_two"), tag)))
        .hasMessageContaining("has no meta graph tagged 'train' (tag sets: serve)");
  }

  private Path copy(String model) throws IOException {
    Path src = MODELS.resolve(model);
    Path dst = tmp.resolve(model);
    try (Stream<Path> files = Files.walk(src)) {
      for (Path p : files.toList()) {
        Path target = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return dst;
  }

  @Test
  void truncatedGraphIsRefusedWithoutAPath() throws Exception {
    Path model = copy("half_plus_two");
    Path pb = model.resolve("1/model.savedmodel/saved_model.pb");
    byte[] bytes = Files.readAllBytes(pb);
    Files.write(pb, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> factory.load(artifact(model, Map.of())))
        .isInstanceOf(ModelLoadException.class)
        .hasMessage(
            "1/model.savedmodel/saved_model.pb is not a valid SavedModel (it does not parse:"
                + " truncated or not a SavedModel)");
  }

  @Test
  void missingVariablesAreRefusedWithoutAPath() throws Exception {
    Path model = copy("cross/cross_tf");
    Path vars = model.resolve("1/model.savedmodel/variables");
    Files.delete(vars.resolve("variables.data-00000-of-00001"));
    assertThatThrownBy(() -> factory.load(artifact(model, Map.of())))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageStartingWith("TensorFlow cannot load 1/model.savedmodel: ")
        .message()
        .doesNotContain(tmp.toString())
        .doesNotContain(tmp.toRealPath().toString());
    Files.delete(vars.resolve("variables.index"));
    assertThatThrownBy(() -> factory.load(artifact(model, Map.of())))
        .hasMessage(
            "1/model.savedmodel/variables/variables.index does not exist: the variables cannot be"
                + " restored");
  }

  @Test
  void aFileOrAFolderWithoutGraphIsRefused() throws Exception {
    Path model = tmp.resolve("m");
    Files.createDirectories(model.resolve("1/model.savedmodel"));
    assertThatThrownBy(() -> factory.load(artifact(model, Map.of())))
        .hasMessage("1/model.savedmodel/saved_model.pb does not exist (or is not a regular file)");
    Path file = tmp.resolve("f");
    Files.createDirectories(file.resolve("1"));
    Files.writeString(file.resolve("1/model.savedmodel"), "not a folder");
    assertThatThrownBy(() -> factory.load(artifact(file, Map.of())))
        .hasMessageStartingWith("1/model.savedmodel is not a folder");
  }

  @Test
  void encryptedModelsAreRefused() {
    ModelArtifact a = artifact(MODELS.resolve("half_plus_two"), Map.of());
    ModelArtifact encrypted =
        new ModelArtifact(
            a.id(), a.file(), a.parameters(), a.options(), 1, Optional.of(() -> new byte[0]));
    assertThatThrownBy(() -> factory.load(encrypted))
        .hasMessageContaining("an encrypted TensorFlow model is not supported");
  }

  @Test
  void badThreadParameterNamesIt() {
    Map<String, String> p = Map.of("intra_op_thread_count", "many");
    assertThatThrownBy(() -> factory.load(artifact(MODELS.resolve("half_plus_two"), p)))
        .hasMessage(
            "config parameter 'intra_op_thread_count' has value 'many'; expected a thread count"
                + " from 0 (the runtime's default) to 1024");
  }

  @Test
  void threadSettingsFromOptionsAndParameters() throws Exception {
    BackendOptions options = new BackendOptions(3, 2);
    TfSettings s = TfSettings.of(options, Map.of(), 2, 8);
    assertThat(s).isEqualTo(new TfSettings("serve", "serving_default", 3, 2));
    assertThat(TfSettings.of(BackendOptions.ofDefault(), Map.of(), 2, 8).intraOpThreads())
        .isEqualTo(4);
    TfSettings p =
        TfSettings.of(options, Map.of("inter_op_thread_count", "1", "TF_GRAPH_TAG", "x"), 1, 8);
    assertThat(p).isEqualTo(new TfSettings("x", "serving_default", 3, 1));
    assertThat(p.toConfig().getUsePerSessionThreads()).isTrue();
    ModelArtifact a =
        new ModelArtifact(
            new ModelId("half_plus_two", 1),
            MODELS.resolve("half_plus_two/1/model.savedmodel"),
            Map.of(),
            new BackendOptions(1, 1),
            2);
    try (ModelInstance m = factory.load(a)) {
      Tensor y =
          infer(m, List.of(new NamedTensor("x", TestTensors.fp32(Shape.of(1, 1), 4f))), "y")
              .get(0)
              .tensor();
      assertThat(TestTensors.floats(y)).containsExactly(4f);
    }
  }

  @Test
  void badInputsAreTheClientsFault() throws Exception {
    try (ModelInstance m = load("half_plus_two")) {
      assertThatThrownBy(() -> infer(m, List.of(), "y")) // x not fed
          .isInstanceOfSatisfying(
              BackendException.class, e -> assertThat(e.isInvalidInput()).isTrue());
      assertThatThrownBy(() -> infer(m, List.of(), "nope"))
          .isInstanceOfSatisfying(
              BackendException.class, e -> assertThat(e.getMessage()).contains("nope"));
    }
  }

  @Test
  void loadAndCloseManyTimes() throws Exception {
    for (int i = 0; i < 20; i++) {
      try (ModelInstance m = load("half_plus_two")) {
        assertThat(m.signature().inputs()).hasSize(1);
      }
    }
  }
}
