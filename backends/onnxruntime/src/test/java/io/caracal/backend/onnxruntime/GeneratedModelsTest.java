package io.caracal.backend.onnxruntime;

import static io.caracal.backend.onnxruntime.Models.load;
import static io.caracal.backend.onnxruntime.Models.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.testing.TestTensors;
import io.caracal.testing.models.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GeneratedModelsTest {
  private static final Shape S = Shape.of(2, 16);

  @TempDir Path repo;

  private static double[] values(int n, int mul, int add) {
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = (i * mul + add) % 100;
    }
    return d;
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void identityRoundTripsEveryType(DataType type) throws Exception {
    // UINT16/32/64 included: fed through UnsignedInputRewriter (see UnsignedInputsTest)
    Path dir = TestModels.identity(repo, "id_" + type, type, 0);
    Tensor in =
        type == DataType.BYTES
            ? TestTensors.strings(Shape.of(2, 2), "a", "", "héllo", "x\u0000y")
            : TestTensors.of(type, Shape.of(2, 3), 0, 1, 2, 3, 100, 127);
    try (ModelInstance m = load(dir)) {
      assertThat(m.signature().inputs())
          .containsExactly(IoSpec.of("INPUT0", type, Shape.of(-1, -1)));
      Tensor out = run(m, Map.of("INPUT0", in), "OUTPUT0").get("OUTPUT0");
      assertThat(out).isEqualTo(in);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"UINT16", "UINT32", "UINT64"})
  void unsignedOutputsAreServed(DataType type) throws Exception {
    try (ModelInstance m = load(TestModels.cast(repo, "cast", DataType.INT64, type, 0))) {
      assertThat(m.signature().outputs())
          .containsExactly(IoSpec.of("OUTPUT0", type, Shape.of(-1, -1)));
      Tensor out =
          run(m, Map.of("INPUT0", TestTensors.int64(Shape.of(1, 3), 0, 7, 65535)), "OUTPUT0")
              .get("OUTPUT0");
      assertThat(out).isEqualTo(TestTensors.of(type, Shape.of(1, 3), 0, 7, 65535));
    }
  }

  @Test
  void heapAndDirectInputsGiveTheSameResult() throws Exception {
    try (ModelInstance m = load(TestModels.addSub(repo, "as", DataType.FP32, 0))) {
      Tensor heap = TestTensors.of(DataType.FP32, S, values(32, 1, 0));
      ByteBuffer direct = ByteBuffer.allocateDirect(heap.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
      direct.put(heap.data()).flip();
      Tensor directTensor = Tensor.of(DataType.FP32, S, direct);
      Map<String, Tensor> a = run(m, Map.of("INPUT0", heap, "INPUT1", heap), "OUTPUT0");
      Map<String, Tensor> b =
          run(m, Map.of("INPUT0", directTensor, "INPUT1", directTensor), "OUTPUT0");
      assertThat(a).isEqualTo(b);
    }
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void addSubWhereOrtHasKernels(DataType type) throws Exception {
    if (type == DataType.BYTES) {
      return;
    }
    Path dir = TestModels.addSub(repo, "as_" + type, type, 8);
    // ORT has Add/Sub kernels for UINT16/32/64 too; they are fed through UnsignedInputRewriter
    boolean unsigned =
        type == DataType.UINT16 || type == DataType.UINT32 || type == DataType.UINT64;
    if (!TestModels.ADD_SUB_TYPES.contains(type) && !unsigned) {
      assertThatThrownBy(() -> load(dir).close()).isInstanceOf(ModelLoadException.class);
      return;
    }
    double[] a = values(32, 3, 1);
    double[] b = values(32, 7, 2);
    double[] sum = new double[32];
    double[] diff = new double[32];
    for (int i = 0; i < 32; i++) {
      sum[i] = a[i] + b[i];
      diff[i] = a[i] - b[i];
    }
    try (ModelInstance m = load(dir)) {
      Map<String, Tensor> out =
          run(
              m,
              Map.of("INPUT0", TestTensors.of(type, S, a), "INPUT1", TestTensors.of(type, S, b)),
              "OUTPUT1",
              "OUTPUT0");
      assertThat(out.keySet()).containsExactly("OUTPUT1", "OUTPUT0");
      assertThat(out.get("OUTPUT0")).isEqualTo(TestTensors.of(type, S, sum));
      assertThat(out.get("OUTPUT1")).isEqualTo(TestTensors.of(type, S, diff));
    }
  }

  @Test
  void bytesThatAreNotUtf8_areRefusedNamingTheInput_neverAltered() throws Exception {
    try (ModelInstance m = load(TestModels.identity(repo, "id_bytes", DataType.BYTES, 0))) {
      Tensor bad =
          Tensor.ofBytes(
              Shape.of(1, 2),
              List.of(new byte[] {'o', 'k'}, new byte[] {0, (byte) 0xFF, (byte) 0xC3}));
      assertThatThrownBy(() -> run(m, Map.of("INPUT0", bad), "OUTPUT0"))
          .isInstanceOfSatisfying(
              io.caracal.api.backend.BackendException.class,
              e -> assertThat(e.isInvalidInput()).isTrue())
          .hasMessageContaining("input 'INPUT0' element 1 is not valid UTF-8");
    }
  }

  @Test
  void emptyTensorsPassThrough() throws Exception {
    try (ModelInstance m = load(TestModels.identity(repo, "id", DataType.FP32, 0))) {
      Tensor empty = TestTensors.fp32(Shape.of(0, 3));
      assertThat(run(m, Map.of("INPUT0", empty), "OUTPUT0").get("OUTPUT0")).isEqualTo(empty);
    }
  }

  @Test
  void sequenceOfTensorsOutputIsRefusedWithAHint() throws Exception {
    io.caracal.proto.onnx.TypeProto floats =
        io.caracal.proto.onnx.TypeProto.newBuilder()
            .setTensorType(
                io.caracal.proto.onnx.TypeProto.Tensor.newBuilder()
                    .setElemType(io.caracal.proto.onnx.TensorProto.DataType.FLOAT_VALUE)
                    .setShape(
                        io.caracal.proto.onnx.TensorShapeProto.newBuilder()
                            .addDim(
                                io.caracal.proto.onnx.TensorShapeProto.Dimension.newBuilder()
                                    .setDimValue(2))))
            .build();
    io.caracal.proto.onnx.TypeProto seq =
        io.caracal.proto.onnx.TypeProto.newBuilder()
            .setSequenceType(
                io.caracal.proto.onnx.TypeProto.Sequence.newBuilder().setElemType(floats))
            .build();
    io.caracal.proto.onnx.ModelProto model =
        io.caracal.proto.onnx.ModelProto.newBuilder()
            .setIrVersion(8)
            .addOpsetImport(io.caracal.proto.onnx.OperatorSetIdProto.newBuilder().setVersion(17))
            .setGraph(
                io.caracal.proto.onnx.GraphProto.newBuilder()
                    .setName("seq")
                    .addInput(
                        io.caracal.proto.onnx.ValueInfoProto.newBuilder()
                            .setName("X")
                            .setType(floats))
                    .addOutput(
                        io.caracal.proto.onnx.ValueInfoProto.newBuilder().setName("Y").setType(seq))
                    .addNode(
                        io.caracal.proto.onnx.NodeProto.newBuilder()
                            .setOpType("SplitToSequence")
                            .addInput("X")
                            .addOutput("Y")))
            .build();
    Path dir = TestModels.write(repo, "seq", 1, model);
    assertThatThrownBy(() -> load(dir).close())
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("output 'Y' is a sequence")
        .hasMessageContaining("'zipmap': False");
  }

  @Test
  void onlyRequestedOutputsAreReturned() throws Exception {
    try (ModelInstance m = load(TestModels.addSub(repo, "as", DataType.INT32, 0))) {
      Tensor t = TestTensors.of(DataType.INT32, S, values(32, 1, 0));
      assertThat(run(m, Map.of("INPUT0", t, "INPUT1", t), "OUTPUT1")).containsOnlyKeys("OUTPUT1");
    }
  }

  @Test
  void fixedAndDynamicBatchSignatures() throws Exception {
    try (ModelInstance fixed = load(TestModels.fixedBatch(repo, "fixed"));
        ModelInstance dynamic = load(TestModels.dynamicBatch(repo, "dynamic", 8))) {
      assertThat(fixed.signature().inputs())
          .containsExactly(IoSpec.of("INPUT0", DataType.FP32, Shape.of(1, 4)));
      assertThat(fixed.signature().outputs())
          .containsExactly(IoSpec.of("OUTPUT0", DataType.FP32, Shape.of(1, 4)));
      assertThat(dynamic.signature().inputs())
          .containsExactly(IoSpec.of("INPUT0", DataType.FP32, Shape.of(-1, 4)));
      Tensor three = TestTensors.fp32(Shape.of(3, 4), new float[12]);
      assertThat(run(dynamic, Map.of("INPUT0", three), "OUTPUT0").get("OUTPUT0")).isEqualTo(three);
      var e =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.caracal.api.backend.BackendException.class,
              () -> run(fixed, Map.of("INPUT0", three), "OUTPUT0"));
      assertThat(e.isInvalidInput()).isTrue();
    }
  }

  @Test
  void stringsModelConcatenates() throws Exception {
    try (ModelInstance m = load(TestModels.strings(repo, "strings", 0))) {
      Tensor a = TestTensors.strings(Shape.of(1, 3), "a", "héllo ", "");
      Tensor b = TestTensors.strings(Shape.of(1, 3), "b", "wörld", "");
      Map<String, Tensor> out = run(m, Map.of("INPUT0", a, "INPUT1", b), "OUTPUT0", "OUTPUT1");
      assertThat(TestTensors.strings(out.get("OUTPUT0"))).containsExactly("ab", "héllo wörld", "");
      assertThat(out.get("OUTPUT0").shape()).isEqualTo(Shape.of(1, 3));
      assertThat(out.get("OUTPUT1")).isEqualTo(a);
    }
  }

  @Test
  void zipMapBecomesProbabilityTensorWithLabels() throws Exception {
    try (ModelInstance m = load(TestModels.zipMap(repo, "zm", 30, 10, 20))) {
      IoSpec probs = m.signature().output("output_probability").orElseThrow();
      assertThat(probs)
          .isEqualTo(
              new IoSpec(
                  "output_probability", DataType.FP32, Shape.of(-1, 3), List.of("30", "10", "20")));
      Tensor in = TestTensors.fp32(Shape.of(2, 3), 0.1f, 0.7f, 0.2f, 0.5f, 0.25f, 0.25f);
      Map<String, Tensor> out = run(m, Map.of("INPUT0", in), "output_label", "output_probability");
      assertThat(TestTensors.longs(out.get("output_label"))).containsExactly(10, 30);
      assertThat(out.get("output_probability")).isEqualTo(in);
    }
  }

  @Test
  void zipMapWithStringLabels() throws Exception {
    try (ModelInstance m = load(TestModels.zipMapStrings(repo, "zms", "cat", "dog"))) {
      assertThat(m.signature().output("output_probability").orElseThrow().labels())
          .containsExactly("cat", "dog");
      Tensor in = TestTensors.fp32(Shape.of(1, 2), 0.25f, 0.75f);
      Map<String, Tensor> out = run(m, Map.of("INPUT0", in), "output_label", "output_probability");
      assertThat(TestTensors.strings(out.get("output_label"))).containsExactly("dog");
      assertThat(out.get("output_probability")).isEqualTo(in);
    }
  }

  @Test
  void twoVersionsDiffer() throws Exception {
    Path dir = TestModels.twoVersions(repo, "versions", 4);
    Tensor in = TestTensors.fp32(Shape.of(1, 4), 1, 2, 3, 4);
    try (ModelInstance v1 = load(dir, 1);
        ModelInstance v2 = load(dir, 2)) {
      assertThat(run(v1, Map.of("INPUT0", in), "OUTPUT0").get("OUTPUT0")).isEqualTo(in);
      assertThat(run(v2, Map.of("INPUT0", in), "OUTPUT0").get("OUTPUT0"))
          .isEqualTo(TestTensors.fp32(Shape.of(1, 4), 2, 3, 4, 5));
    }
  }

  @Test
  void slowModelTakesLongerWithMoreIterations() throws Exception {
    try (ModelInstance m = load(TestModels.slow(repo, "slow", 0))) {
      Tensor in = TestTensors.fp32(Shape.of(1, 16), new float[16]);
      time(m, in, 1);
      long fast = time(m, in, 0);
      long slow = time(m, in, 2000);
      assertThat(slow).isGreaterThan(fast + 50_000_000L);
      System.out.printf(
          "slow model: 0 iterations %.2f ms, 2000 iterations %.2f ms%n", fast / 1e6, slow / 1e6);
    }
  }

  private static long time(ModelInstance m, Tensor in, long iterations) throws Exception {
    long start = System.nanoTime();
    Tensor out =
        run(
                m,
                Map.of("INPUT0", in, "ITERATIONS", TestTensors.int64(Shape.of(1, 1), iterations)),
                "OUTPUT0")
            .get("OUTPUT0");
    long elapsed = System.nanoTime() - start;
    assertThat(out).isEqualTo(in);
    return elapsed;
  }
}
