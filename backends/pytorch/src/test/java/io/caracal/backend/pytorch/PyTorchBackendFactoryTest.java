package io.caracal.backend.pytorch;

import static io.caracal.backend.pytorch.TorchModels.FACTORY;
import static io.caracal.backend.pytorch.TorchModels.load;
import static io.caracal.backend.pytorch.TorchModels.run;
import static io.caracal.backend.pytorch.TorchModels.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.pytorch.jni.JniUtils;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.api.backend.ModelSignature;
import io.caracal.testing.TestTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PyTorch backend on real libtorch with the committed TorchScript models. */
class PyTorchBackendFactoryTest {

  @Test
  void namesTheTritonPlatformAndFile() {
    assertThat(FACTORY.name()).isEqualTo("pytorch");
    assertThat(FACTORY.platform()).isEqualTo("pytorch_libtorch");
    assertThat(FACTORY.defaultModelFileName()).isEqualTo("model.pt");
    assertThat(FACTORY.supports("pytorch_libtorch", "")).isTrue();
    assertThat(FACTORY.supports("", "pytorch")).isTrue();
    assertThat(FACTORY.supports("", "")).isFalse();
    assertThat(FACTORY.supports("onnxruntime_onnx", "")).isFalse();
  }

  @Test
  void linearModelAnswersAsInPython() throws Exception {
    var expected = TorchModels.expected("linear");
    try (ModelInstance m = load("linear", TorchModels.linear())) {
      assertThat(m.signature()).isEqualTo(TorchModels.linear());
      Tensor y =
          run(m, Map.of("INPUT__0", expected.get("INPUT__0").fp32()), "OUTPUT__0").get("OUTPUT__0");
      assertThat(y.shape()).isEqualTo(Shape.of(2, 2));
      assertThat(TestTensors.doubles(y)).containsExactly(expected.get("OUTPUT__0").values());
      assertThat(JniUtils.isGradMode()).as("inference ran without autograd").isFalse();
    }
  }

  @Test
  void scriptedCnnAnswersAsInPythonInEvalMode() throws Exception {
    // The CNN has a Dropout(0.5): in training mode its answers would be random.
    var expected = TorchModels.expected("cnn");
    try (ModelInstance m = load("cnn", TorchModels.cnn())) {
      for (int i = 0; i < 3; i++) {
        Tensor scores =
            run(m, Map.of("image", expected.get("image").fp32()), "scores").get("scores");
        assertThat(scores.shape()).isEqualTo(Shape.of(3, 3));
        assertThat(TestTensors.doubles(scores))
            .containsExactly(expected.get("scores").values(), within(1e-5));
      }
    }
  }

  @Test
  void crossBackendNetworkAnswersAsInPython() throws Exception {
    var expected = TorchModels.expected("cross");
    try (ModelInstance m = load("cross", TorchModels.cross())) {
      Tensor y = run(m, Map.of("x", expected.get("x").fp32()), "y").get("y");
      assertThat(TestTensors.doubles(y)).containsExactly(expected.get("y").values(), within(1e-6));
    }
  }

  /**
   * libtorch's CPU kernels (oneDNN/MKL convolution and GEMM) pick their blocking by batch size, so
   * a row computed in a batch of 3 can differ from the same row computed alone in the last bit
   * (seen here: 3 of 9 CNN scores, 1 ULP; with or without the graph optimiser and with one thread).
   * What holds bit for bit: the same batch gives the same bits every time, and the two differ by at
   * most a few ULP.
   */
  @Test
  void batchedAndOneByOneAgreeAndBatchesAreDeterministic() throws Exception {
    var image = TorchModels.expected("cnn").get("image");
    int rows = (int) image.dims()[0];
    int per = image.values().length / rows;
    try (ModelInstance m = load("cnn", TorchModels.cnn())) {
      float[] batched =
          TestTensors.floats(run(m, Map.of("image", image.fp32()), "scores").get("scores"));
      float[] again =
          TestTensors.floats(run(m, Map.of("image", image.fp32()), "scores").get("scores"));
      List<Float> oneByOne = new ArrayList<>();
      for (int r = 0; r < rows; r++) {
        float[] row = new float[per];
        for (int i = 0; i < per; i++) {
          row[i] = (float) image.values()[r * per + i];
        }
        Tensor in = TestTensors.fp32(Shape.of(1, 1, 6, 6), row);
        for (float f : TestTensors.floats(run(m, Map.of("image", in), "scores").get("scores"))) {
          oneByOne.add(f);
        }
      }
      assertThat(oneByOne).hasSize(batched.length);
      for (int i = 0; i < batched.length; i++) {
        assertThat(Float.floatToRawIntBits(again[i]))
            .as("element %d of a repeated batch", i)
            .isEqualTo(Float.floatToRawIntBits(batched[i]));
        assertThat(oneByOne.get(i))
            .as("element %d alone vs in a batch", i)
            .isCloseTo(batched[i], within(4 * Math.ulp(batched[i])));
      }
    }
  }

  @Test
  void crossNetworkRowsAreBitIdenticalAloneAndInABatch() throws Exception {
    var x = TorchModels.expected("cross").get("x");
    try (ModelInstance m = load("cross", TorchModels.cross())) {
      float[] batched = TestTensors.floats(run(m, Map.of("x", x.fp32()), "y").get("y"));
      for (int r = 0; r < x.dims()[0]; r++) {
        float[] row = new float[4];
        for (int i = 0; i < 4; i++) {
          row[i] = (float) x.values()[r * 4 + i];
        }
        float[] alone =
            TestTensors.floats(
                run(m, Map.of("x", TestTensors.fp32(Shape.of(1, 4), row)), "y").get("y"));
        for (int k = 0; k < 2; k++) {
          assertThat(Float.floatToRawIntBits(alone[k]))
              .as("row %d element %d", r, k)
              .isEqualTo(Float.floatToRawIntBits(batched[r * 2 + k]));
        }
      }
    }
  }

  @Test
  void everySharedDatatypeRoundTripsAndOutputsFollowTheirIndex() throws Exception {
    List<DataType> types =
        List.of(
            DataType.BOOL,
            DataType.UINT8,
            DataType.INT8,
            DataType.INT32,
            DataType.INT64,
            DataType.FP16,
            DataType.FP32,
            DataType.FP64);
    List<String> names = List.of("b", "u8", "i8", "i32", "i64", "f16", "f32", "f64");
    var inputs = new ArrayList<io.caracal.api.backend.IoSpec>();
    var outputs = new ArrayList<io.caracal.api.backend.IoSpec>();
    for (int i = 0; i < types.size(); i++) {
      inputs.add(spec(names.get(i), types.get(i), -1, 3));
    }
    for (int i = types.size() - 1; i >= 0; i--) {
      outputs.add(spec("OUT__" + i, types.get(i), -1, 3));
    }
    try (ModelInstance m = load("datatypes", new ModelSignature(inputs, outputs))) {
      var feed = new java.util.LinkedHashMap<String, Tensor>();
      for (int i = 0; i < types.size(); i++) {
        feed.put(names.get(i), TestTensors.of(types.get(i), Shape.of(1, 3), 0, 1, 2));
      }
      String[] asked = new String[types.size()];
      for (int i = 0; i < types.size(); i++) {
        asked[i] = "OUT__" + i;
      }
      Map<String, Tensor> out = run(m, feed, asked);
      for (int i = 0; i < types.size(); i++) {
        Tensor t = out.get("OUT__" + i);
        assertThat(t.dataType()).as(names.get(i)).isEqualTo(types.get(i));
        assertThat(t.shape()).isEqualTo(Shape.of(1, 3));
        double[] want =
            types.get(i) == DataType.BOOL ? new double[] {1, 0, 0} : new double[] {1, 2, 3};
        assertThat(TestTensors.doubles(t)).as(names.get(i)).containsExactly(want);
      }
    }
  }

  @Test
  void typesDjlCannotHandleAreRefusedAtLoad() {
    for (DataType type :
        List.of(DataType.INT16, DataType.UINT16, DataType.UINT32, DataType.UINT64, DataType.BF16)) {
      ModelSignature sig =
          new ModelSignature(
              List.of(spec("INPUT__0", DataType.FP32, -1, 4)),
              List.of(spec("OUTPUT__0", type, -1, 2)));
      assertThatThrownBy(() -> load("linear", sig))
          .isInstanceOf(ModelLoadException.class)
          .hasMessageContaining("output 'OUTPUT__0' is TYPE_" + type)
          .hasMessageContaining("serves BOOL, UINT8");
    }
  }

  @Test
  void loadsFromMemoryWithoutTheFile() throws Exception {
    byte[] bytes = Files.readAllBytes(TorchModels.file("linear"));
    var expected = TorchModels.expected("linear");
    try (ModelInstance m = TorchModels.loadInMemory(bytes, TorchModels.linear())) {
      Tensor y =
          run(m, Map.of("INPUT__0", expected.get("INPUT__0").fp32()), "OUTPUT__0").get("OUTPUT__0");
      assertThat(TestTensors.doubles(y)).containsExactly(expected.get("OUTPUT__0").values());
    }
  }

  @Test
  void aPickleIsRefusedWithoutAPathAndTheBackendStaysUsable() throws Exception {
    Path file = TorchModels.file("pickle").toAbsolutePath();
    assertThatThrownBy(() -> load("pickle", TorchModels.linear()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("1/model.pt")
        .hasMessageContaining("not TorchScript")
        .message()
        .doesNotContain(file.getParent().toString());
    try (ModelInstance m = load("linear", TorchModels.linear())) {
      assertThat(m.signature().inputs()).hasSize(1);
    }
  }

  @Test
  void aTruncatedFileIsRefused(@TempDir Path dir) throws Exception {
    byte[] bytes = Files.readAllBytes(TorchModels.file("linear"));
    Path file = Files.createDirectories(dir.resolve("m/1")).resolve("model.pt");
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(
            () -> FACTORY.load(TorchModels.artifact(file, TorchModels.linear(), Map.of())))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("cannot load 1/model.pt as TorchScript")
        .message()
        .doesNotContain(dir.toString());
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length / 2);
    assertThatThrownBy(() -> TorchModels.loadInMemory(cut, TorchModels.linear()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("as TorchScript");
  }

  @Test
  void aModelWithoutConfiguredTensorsIsRefusedWithTheReason() {
    assertThatThrownBy(() -> load("linear", new ModelSignature(List.of(), List.of())))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("needs a config.pbtxt")
        .hasMessageContaining("INPUT__0");
  }

  @Test
  void bytesTensorsAreRefused() {
    ModelSignature sig =
        new ModelSignature(
            List.of(spec("INPUT__0", DataType.BYTES, -1, 4)),
            List.of(spec("OUTPUT__0", DataType.FP32, -1, 2)));
    assertThatThrownBy(() -> load("linear", sig))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("input 'INPUT__0' is TYPE_STRING (BYTES)");
  }

  @Test
  void aWrongConfiguredTypeIsReportedPerCall() throws Exception {
    ModelSignature sig =
        new ModelSignature(
            List.of(spec("INPUT__0", DataType.FP32, -1, 4)),
            List.of(spec("OUTPUT__0", DataType.FP64, -1, 2)));
    try (ModelInstance m = load("linear", sig)) {
      Tensor x = TestTensors.fp32(Shape.of(1, 4), 1, 2, 3, 4);
      assertThatThrownBy(() -> run(m, Map.of("INPUT__0", x), "OUTPUT__0"))
          .isInstanceOf(BackendException.class)
          .hasMessageContaining("but the config says FP64");
    }
  }

  @Test
  void aShapeForwardRefusesIsTheClientsError() throws Exception {
    ModelSignature sig =
        new ModelSignature(
            List.of(spec("INPUT__0", DataType.FP32, -1, -1)),
            List.of(spec("OUTPUT__0", DataType.FP32, -1, 2)));
    try (ModelInstance m = load("linear", sig)) {
      Tensor x = TestTensors.fp32(Shape.of(1, 3), 1, 2, 3);
      assertThatThrownBy(() -> run(m, Map.of("INPUT__0", x), "OUTPUT__0"))
          .isInstanceOfSatisfying(
              BackendException.class, e -> assertThat(e.isInvalidInput()).isTrue())
          .hasMessageContaining(
              "the model rejected the inputs: RuntimeError: mat1 and mat2 shapes cannot be"
                  + " multiplied (1x3 and 4x2)")
          .message()
          .doesNotContain("\n")
          .doesNotContain("/");
    }
  }

  @Test
  void callsFreeTheirTensorsAndCloseFreesTheModel() throws Exception {
    ModelInstance m = load("linear", TorchModels.linear());
    PyTorchModelInstance instance = (PyTorchModelInstance) m;
    int before = instance.manager().getManagedArrays().size();
    Tensor x = TestTensors.fp32(Shape.of(1, 4), 1, 2, 3, 4);
    for (int i = 0; i < 50; i++) {
      run(m, Map.of("INPUT__0", x), "OUTPUT__0");
    }
    assertThat(instance.manager().getManagedArrays()).hasSize(before);
    m.close();
    assertThat(instance.manager().isOpen()).isFalse();
  }

  @Test
  void concurrentCallsOnOneInstanceGetTheirOwnAnswers() throws Exception {
    try (ModelInstance m = load("cross", TorchModels.cross())) {
      int threads = 8;
      int calls = 50;
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      List<Thread> workers = new ArrayList<>();
      java.util.concurrent.ConcurrentLinkedQueue<String> wrong =
          new java.util.concurrent.ConcurrentLinkedQueue<>();
      float[][] expected = new float[threads][];
      for (int t = 0; t < threads; t++) {
        Tensor x = TestTensors.fp32(Shape.of(1, 4), t, -t, t * 0.5f, 1);
        expected[t] = TestTensors.floats(run(m, Map.of("x", x), "y").get("y"));
      }
      for (int t = 0; t < threads; t++) {
        int k = t;
        workers.add(
            Thread.ofPlatform()
                .start(() -> {
                  try {
                    go.await();
                    Tensor x = TestTensors.fp32(Shape.of(1, 4), k, -k, k * 0.5f, 1);
                    for (int i = 0; i < calls; i++) {
                      float[] y = TestTensors.floats(run(m, Map.of("x", x), "y").get("y"));
                      if (!java.util.Arrays.equals(y, expected[k])) {
                        wrong.add(
                            "thread " + k + " call " + i + ": " + java.util.Arrays.toString(y));
                      }
                    }
                  } catch (Exception e) {
                    wrong.add("thread " + k + ": " + e);
                  }
                }));
      }
      go.countDown();
      for (Thread w : workers) {
        w.join();
      }
      assertThat(wrong).isEmpty();
    }
  }

  @Test
  void repeatedLoadAndUnloadClosesEveryModel() throws Exception {
    Tensor x = TestTensors.fp32(Shape.of(1, 4), 1, 2, 3, 4);
    for (int i = 0; i < 20; i++) {
      ModelInstance m = load("cross", TorchModels.cross());
      run(m, Map.of("x", x), "y");
      m.close();
      assertThat(((PyTorchModelInstance) m).manager().isOpen()).as("cycle %d", i).isFalse();
    }
  }
}
