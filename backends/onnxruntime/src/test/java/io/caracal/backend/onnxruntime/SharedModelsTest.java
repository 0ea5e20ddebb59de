package io.caracal.backend.onnxruntime;

import static io.caracal.backend.onnxruntime.Models.loadFile;
import static io.caracal.backend.onnxruntime.Models.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelInstance;
import io.caracal.testing.Npy;
import io.caracal.testing.SharedData;
import io.caracal.testing.TestTensors;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/** The real models in the shared folder reproduce their MODEL.md reference outputs. */
@EnabledIf(
    value = "sharedPresent",
    disabledReason = "needs the shared data folder (../shared or $CARACAL_SHARED)")
class SharedModelsTest {
  private static final float[] IRIS_ROWS = {
    5.1f, 3.5f, 1.4f, 0.2f, 7.0f, 3.2f, 4.7f, 1.4f, 6.3f, 3.3f, 6.0f, 2.5f
  };

  static boolean sharedPresent() {
    return SharedData.model("mnist-8").isPresent();
  }

  private static Path model(String name) {
    return SharedData.requireModel(name).resolve("model.onnx");
  }

  private static Path example(String model, String file) {
    return SharedData.requireModel(model).resolve("examples").resolve(file);
  }

  @BeforeAll
  static void describe() {
    System.out.println("shared data: " + SharedData.root().orElseThrow());
  }

  @Test
  void mnistDigit8() throws Exception {
    try (ModelInstance m = loadFile(model("mnist-8"))) {
      assertThat(m.signature().inputs())
          .containsExactly(IoSpec.of("Input3", DataType.FP32, Shape.of(1, 1, 28, 28)));
      for (int digit : new int[] {8, 3}) {
        Tensor in = Npy.readTensor(example("mnist-8", "input_digit" + digit + ".npy"));
        Tensor out = run(m, Map.of("Input3", in), "Plus214_Output_0").get("Plus214_Output_0");
        assertThat(TestTensors.argmax(out)).isEqualTo(digit);
        assertThat(out)
            .isEqualTo(
                Npy.readTensor(example("mnist-8", "expected_output_digit" + digit + ".npy")));
      }
    }
  }

  @Test
  void mobilenetInt8Tench() throws Exception {
    try (ModelInstance m = loadFile(model("mobilenetv2-12-int8"))) {
      assertThat(m.signature().inputs().get(0).shape()).isEqualTo(Shape.of(-1, 3, 224, 224));
      Tensor in = Npy.readTensor(example("mobilenetv2-12-int8", "input_tench.npy"));
      Tensor out = run(m, Map.of("input", in), "output").get("output");
      assertThat(TestTensors.argmax(out)).isEqualTo(0);
      float[] expected =
          TestTensors.floats(
              Npy.readTensor(example("mobilenetv2-12-int8", "expected_output_tench.npy")));
      assertThat(TestTensors.floats(out)).containsExactly(expected, within(1e-5f));
    }
  }

  @Test
  void squeezenetFp16Kitten() throws Exception {
    try (ModelInstance m = loadFile(model("squeezenet1.0-fp16"))) {
      assertThat(m.signature().inputs())
          .containsExactly(IoSpec.of("data_0", DataType.FP16, Shape.of(1, 3, 224, 224)));
      Tensor in = Npy.readTensor(example("squeezenet1.0-fp16", "input_kitten.npy"));
      assertThat(in.dataType()).isEqualTo(DataType.FP16);
      Tensor out = run(m, Map.of("data_0", in), "softmaxout_1").get("softmaxout_1");
      assertThat(out.dataType()).isEqualTo(DataType.FP16);
      assertThat(out.shape()).isEqualTo(Shape.of(1, 1000, 1, 1));
      assertThat(TestTensors.argmax(out)).isEqualTo(281);
      float[] expected =
          TestTensors.floats(
              Npy.readTensor(example("squeezenet1.0-fp16", "expected_output_kitten.npy")));
      assertThat(TestTensors.floats(out)).containsExactly(expected, within(0f));
    }
  }

  @Test
  void cifar10Kitten() throws Exception {
    try (ModelInstance m = loadFile(model("cifar10-tutorial-cnn"))) {
      Tensor in = Npy.readTensor(example("cifar10-tutorial-cnn", "input_kitten.npy"));
      Tensor out = run(m, Map.of("modelInput", in), "modelOutput").get("modelOutput");
      assertThat(TestTensors.argmax(out)).isEqualTo(3);
      assertThat(out)
          .isEqualTo(Npy.readTensor(example("cifar10-tutorial-cnn", "expected_output_kitten.npy")));
    }
  }

  @Test
  void irisPytorchMlp() throws Exception {
    try (ModelInstance m = loadFile(model("iris-pytorch-mlp"))) {
      Tensor out =
          run(m, Map.of("input", TestTensors.fp32(Shape.of(3, 4), IRIS_ROWS)), "output")
              .get("output");
      assertThat(out.shape()).isEqualTo(Shape.of(3, 3));
      assertThat(TestTensors.floats(out))
          .containsExactly(
              new float[] {
                8.661937f,
                2.6428127f,
                -13.07987f,
                -4.8576984f,
                1.6930683f,
                -2.3361077f,
                -11.83494f,
                -0.2245919f,
                4.486502f
              },
              within(1e-5f));
    }
  }

  @Test
  void sklearnRandomForestIris() throws Exception {
    assertClassifier(
        "sklearn-rf-iris",
        "float_input",
        TestTensors.fp32(Shape.of(3, 4), IRIS_ROWS),
        new long[] {0, 1, 2},
        new float[] {0.99999934f, 0, 0, 0, 0.98999935f, 0.01f, 0, 0, 0.99999934f});
  }

  @Test
  void xgboostIris() throws Exception {
    assertClassifier(
        "xgboost-iris",
        "input",
        TestTensors.fp32(Shape.of(2, 2), 5.8f, 2.7f, 6.9f, 3.1f),
        new long[] {1, 2},
        new float[] {0.1758379f, 0.43438542f, 0.3897767f, 0.17616782f, 0.36298677f, 0.46084544f});
  }

  @Test
  void lightgbmIris() throws Exception {
    assertClassifier(
        "lightgbm-iris",
        "input",
        TestTensors.fp32(Shape.of(2, 2), 5.8f, 2.7f, 6.9f, 3.1f),
        new long[] {1, 2},
        new float[] {0.23835632f, 0.43214878f, 0.32949492f, 0.23713748f, 0.28904018f, 0.47382236f});
  }

  @Test
  void sklearnTitanicWithStringsAndNaN() throws Exception {
    try (ModelInstance m = loadFile(model("sklearn-titanic"))) {
      assertThat(m.signature().input("pclass").orElseThrow())
          .isEqualTo(IoSpec.of("pclass", DataType.BYTES, Shape.of(-1, 1)));
      assertThat(m.signature().output("output_probability").orElseThrow().labels())
          .containsExactly("0", "1");
      Shape s = Shape.of(2, 1);
      Map<String, Tensor> base =
          Map.of(
              "pclass", TestTensors.strings(s, "1", "3"),
              "sex", TestTensors.strings(s, "female", "male"),
              "fare", TestTensors.fp32(s, 211.3375f, 7.25f),
              "embarked", TestTensors.strings(s, "S", "S"));
      assertTitanic(
          m,
          base,
          TestTensors.fp32(s, 29f, 22f),
          new float[] {0.09073481f, 0.90926516f, 0.90530956f, 0.09469044f});
      assertTitanic(
          m,
          base,
          TestTensors.fp32(s, Float.NaN, Float.NaN),
          new float[] {0.08824149f, 0.91175854f, 0.9199211f, 0.0800789f});
    }
  }

  private static void assertTitanic(
      ModelInstance m, Map<String, Tensor> base, Tensor age, float[] probs) throws Exception {
    Map<String, Tensor> in = new java.util.HashMap<>(base);
    in.put("age", age);
    Map<String, Tensor> out = run(m, in, "output_label", "output_probability");
    assertThat(TestTensors.longs(out.get("output_label"))).containsExactly(1, 0);
    assertThat(out.get("output_probability").shape()).isEqualTo(Shape.of(2, 2));
    assertThat(TestTensors.floats(out.get("output_probability")))
        .containsExactly(probs, within(1e-6f));
  }

  private static void assertClassifier(
      String name, String input, Tensor in, long[] labels, float[] probs) throws Exception {
    try (ModelInstance m = loadFile(model(name))) {
      IoSpec spec = m.signature().output("output_probability").orElseThrow();
      assertThat(spec)
          .isEqualTo(
              new IoSpec(
                  "output_probability", DataType.FP32, Shape.of(-1, 3), List.of("0", "1", "2")));
      assertThat(m.signature().output("output_label").orElseThrow().shape())
          .isEqualTo(Shape.of(-1));
      Map<String, Tensor> out = run(m, Map.of(input, in), "output_label", "output_probability");
      assertThat(TestTensors.longs(out.get("output_label"))).containsExactly(labels);
      assertThat(out.get("output_probability").shape()).isEqualTo(Shape.of(labels.length, 3));
      assertThat(TestTensors.floats(out.get("output_probability")))
          .containsExactly(probs, within(1e-6f));
    }
  }
}
