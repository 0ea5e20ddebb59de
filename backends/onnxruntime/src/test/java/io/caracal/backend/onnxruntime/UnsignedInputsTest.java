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
import io.caracal.proto.onnx.AttributeProto;
import io.caracal.proto.onnx.GraphProto;
import io.caracal.proto.onnx.ModelProto;
import io.caracal.proto.onnx.NodeProto;
import io.caracal.proto.onnx.OperatorSetIdProto;
import io.caracal.proto.onnx.StringStringEntryProto;
import io.caracal.proto.onnx.TensorProto;
import io.caracal.proto.onnx.TensorShapeProto;
import io.caracal.proto.onnx.TypeProto;
import io.caracal.proto.onnx.ValueInfoProto;
import io.caracal.testing.models.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** UINT16/32/64 inputs, served through {@link UnsignedInputRewriter}. */
class UnsignedInputsTest {
  private static final int U16 = TensorProto.DataType.UINT16_VALUE;
  private static final int U32 = TensorProto.DataType.UINT32_VALUE;
  private static final int U64 = TensorProto.DataType.UINT64_VALUE;
  private static final int I64 = TensorProto.DataType.INT64_VALUE;
  private static final int BOOL = TensorProto.DataType.BOOL_VALUE;

  @TempDir Path repo;

  /** The extreme values of each type, as raw little-endian elements. */
  private static long[] extremes(DataType type) {
    return switch (type) {
      case UINT16 -> new long[] {0, 1, 0x7fff, 0x8000, 0xfffe, 0xffff};
      case UINT32 -> new long[] {0, 1, 0x7fff_ffffL, 1L << 31, 0xffff_fffeL, 0xffff_ffffL};
      case UINT64 ->
          new long[] {
            0, 1, Long.MAX_VALUE, Long.MIN_VALUE /* 2^63 */, -2 /* 2^64-2 */, -1 /* 2^64-1 */
          };
      default -> throw new IllegalArgumentException(type.name());
    };
  }

  private static Tensor tensor(DataType type, Shape shape, long... raw) {
    ByteBuffer b = ByteBuffer.allocate(raw.length * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : raw) {
      switch (type.byteSize()) {
        case 2 -> b.putShort((short) v);
        case 4 -> b.putInt((int) v);
        default -> b.putLong(v);
      }
    }
    return Tensor.of(type, shape, b.flip());
  }

  private static byte[] bytes(Tensor t) {
    ByteBuffer b = t.data().duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"UINT16", "UINT32", "UINT64"})
  void identityRoundTripsExtremeValuesByteExactly(DataType type) throws Exception {
    Tensor in = tensor(type, Shape.of(2, 3), extremes(type));
    try (ModelInstance m = load(TestModels.identity(repo, "id", type, 0))) {
      assertThat(m.signature().inputs())
          .containsExactly(IoSpec.of("INPUT0", type, Shape.of(-1, -1)));
      assertThat(m.signature().outputs())
          .containsExactly(IoSpec.of("OUTPUT0", type, Shape.of(-1, -1)));
      Tensor out = run(m, Map.of("INPUT0", in), "OUTPUT0").get("OUTPUT0");
      assertThat(out.dataType()).isEqualTo(type);
      assertThat(out.shape()).isEqualTo(Shape.of(2, 3));
      assertThat(bytes(out)).isEqualTo(bytes(in));
    }
  }

  @Test
  void theBriefsValuesRoundTrip() throws Exception {
    try (ModelInstance m = load(TestModels.identity(repo, "u32", DataType.UINT32, 0))) {
      Tensor in = tensor(DataType.UINT32, Shape.of(1, 4), 0, 1, 1L << 31, 0xffff_ffffL);
      assertThat(bytes(run(m, Map.of("INPUT0", in), "OUTPUT0").get("OUTPUT0")))
          .isEqualTo(bytes(in));
    }
    try (ModelInstance m = load(TestModels.identity(repo, "u64", DataType.UINT64, 0))) {
      Tensor in = tensor(DataType.UINT64, Shape.of(1, 2), Long.MIN_VALUE, -1);
      assertThat(bytes(run(m, Map.of("INPUT0", in), "OUTPUT0").get("OUTPUT0")))
          .isEqualTo(bytes(in));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"UINT16", "UINT32", "UINT64"})
  void addSubWrapsModuloTheWidth(DataType type) throws Exception {
    long max =
        switch (type) {
          case UINT16 -> 0xffff;
          case UINT32 -> 0xffff_ffffL;
          default -> -1;
        };
    Shape s = Shape.of(1, 16);
    long[] a = new long[16];
    long[] b = new long[16];
    long[] sum = new long[16];
    long[] diff = new long[16];
    for (int i = 0; i < 16; i++) {
      a[i] = i % 2 == 0 ? max - i : i;
      b[i] = i * 3L;
      sum[i] = a[i] + b[i];
      diff[i] = a[i] - b[i];
    }
    try (ModelInstance m = load(TestModels.addSub(repo, "as", type, 0))) {
      assertThat(m.signature().inputs())
          .containsExactly(
              IoSpec.of("INPUT0", type, Shape.of(-1, 16)),
              IoSpec.of("INPUT1", type, Shape.of(-1, 16)));
      Map<String, Tensor> out =
          run(
              m,
              Map.of("INPUT0", tensor(type, s, a), "INPUT1", tensor(type, s, b)),
              "OUTPUT0",
              "OUTPUT1");
      assertThat(bytes(out.get("OUTPUT0"))).isEqualTo(bytes(tensor(type, s, sum)));
      assertThat(bytes(out.get("OUTPUT1"))).isEqualTo(bytes(tensor(type, s, diff)));
    }
  }

  @Test
  void inputUsedInsideALoopBody() throws Exception {
    // OUTPUT0 [3, n] = Loop 3 times, each iteration emitting the outer X as a scan output
    GraphProto body =
        GraphProto.newBuilder()
            .setName("body")
            .addInput(value("i", I64))
            .addInput(value("cond_in", BOOL))
            .addOutput(value("cond_out", BOOL))
            .addOutput(value("y", U32, -1))
            .addNode(node("Identity", List.of("cond_in"), List.of("cond_out")))
            .addNode(node("Identity", List.of("X"), List.of("y")))
            .build();
    GraphProto g =
        GraphProto.newBuilder()
            .setName("loop")
            .addInput(value("X", U32, -1))
            .addOutput(value("OUTPUT0", U32, -1, -1))
            .addInitializer(int64Scalar("trips", 3))
            .addInitializer(
                TensorProto.newBuilder().setName("true").setDataType(BOOL).addInt32Data(1))
            .addNode(
                node("Loop", List.of("trips", "true"), List.of("OUTPUT0"), graphAttr("body", body)))
            .build();
    Path dir = TestModels.write(repo, "loop", 1, model(g, 17));
    long[] raw = {0, 1, 1L << 31, 0xffff_ffffL};
    try (ModelInstance m = load(dir)) {
      assertThat(m.signature().inputs())
          .containsExactly(IoSpec.of("X", DataType.UINT32, Shape.of(-1)));
      Tensor out =
          run(m, Map.of("X", tensor(DataType.UINT32, Shape.of(4), raw)), "OUTPUT0").get("OUTPUT0");
      long[] expected = new long[12];
      for (int i = 0; i < 12; i++) {
        expected[i] = raw[i % 4];
      }
      assertThat(out).isEqualTo(tensor(DataType.UINT32, Shape.of(3, 4), expected));
    }
  }

  @Test
  void inputUsedInsideNestedIfBranches() throws Exception {
    // then: Identity(X); else: an If nested in the branch whose own branches read X two levels up
    GraphProto thenBranch =
        GraphProto.newBuilder()
            .setName("then")
            .addOutput(value("t", U64, -1))
            .addNode(node("Identity", List.of("X"), List.of("t")))
            .build();
    GraphProto innerThen =
        GraphProto.newBuilder()
            .setName("inner_then")
            .addOutput(value("it", U64, -1))
            .addNode(node("Identity", List.of("X"), List.of("it")))
            .build();
    GraphProto innerElse =
        GraphProto.newBuilder()
            .setName("inner_else")
            .addOutput(value("ie", U64, -1))
            .addNode(node("Identity", List.of("X"), List.of("ie")))
            .build();
    GraphProto elseBranch =
        GraphProto.newBuilder()
            .setName("else")
            .addOutput(value("e", U64, -1))
            .addNode(
                node(
                    "If",
                    List.of("C"),
                    List.of("e"),
                    graphAttr("then_branch", innerThen),
                    graphAttr("else_branch", innerElse)))
            .build();
    NodeProto ifNode =
        node(
            "If",
            List.of("C"),
            List.of("OUTPUT0"),
            graphAttr("then_branch", thenBranch),
            graphAttr("else_branch", elseBranch));
    GraphProto g =
        GraphProto.newBuilder()
            .setName("if")
            .addInput(value("C", BOOL))
            .addInput(value("X", U64, -1))
            .addOutput(value("OUTPUT0", U64, -1))
            .addNode(ifNode)
            .build();
    Path dir = TestModels.write(repo, "if", 1, model(g, 17));
    Tensor x = tensor(DataType.UINT64, Shape.of(3), Long.MIN_VALUE, -1, 42);
    try (ModelInstance m = load(dir)) {
      assertThat(m.signature().inputs())
          .containsExactly(
              IoSpec.of("C", DataType.BOOL, Shape.of()),
              IoSpec.of("X", DataType.UINT64, Shape.of(-1)));
      for (boolean c : new boolean[] {true, false}) {
        Tensor cond =
            Tensor.of(DataType.BOOL, Shape.of(), ByteBuffer.wrap(new byte[] {(byte) (c ? 1 : 0)}));
        Tensor out = run(m, Map.of("C", cond, "X", x), "OUTPUT0").get("OUTPUT0");
        assertThat(out).as("branch %s", c).isEqualTo(x);
      }
    }
  }

  @Test
  void inputThatIsAlsoAGraphOutput() throws Exception {
    GraphProto g =
        GraphProto.newBuilder()
            .setName("passthrough")
            .addInput(value("X", U16, -1))
            .addOutput(value("X", U16, -1))
            .addOutput(value("Y", U16, -1))
            .addNode(node("Identity", List.of("X"), List.of("Y")))
            .build();
    Path dir = TestModels.write(repo, "pass", 1, model(g, 17));
    Tensor x = tensor(DataType.UINT16, Shape.of(4), 0, 0x8000, 0xffff, 7);
    try (ModelInstance m = load(dir)) {
      assertThat(m.signature().inputs())
          .containsExactly(IoSpec.of("X", DataType.UINT16, Shape.of(-1)));
      assertThat(m.signature().outputs())
          .containsExactlyInAnyOrder(
              IoSpec.of("X", DataType.UINT16, Shape.of(-1)),
              IoSpec.of("Y", DataType.UINT16, Shape.of(-1)));
      Map<String, Tensor> out = run(m, Map.of("X", x), "X", "Y");
      assertThat(out.get("X")).isEqualTo(x);
      assertThat(out.get("Y")).isEqualTo(x);
    }
  }

  @Test
  void rewriteCastsFirstAndPicksAFreshName() throws Exception {
    // the natural fresh name is taken inside a subgraph, so the rewriter must pick another
    GraphProto thenBranch =
        GraphProto.newBuilder()
            .setName("then")
            .addOutput(value("X__caracal_unsigned", U32, -1))
            .addNode(node("Identity", List.of("X"), List.of("X__caracal_unsigned")))
            .build();
    GraphProto elseBranch =
        GraphProto.newBuilder()
            .setName("else")
            .addOutput(value("e", U32, -1))
            .addNode(node("Identity", List.of("X"), List.of("e")))
            .build();
    GraphProto g =
        GraphProto.newBuilder()
            .setName("g")
            .addInput(value("C", BOOL))
            .addInput(value("X", U32, -1))
            .addOutput(value("OUTPUT0", U32, -1))
            .addNode(
                node(
                    "If",
                    List.of("C"),
                    List.of("OUTPUT0"),
                    graphAttr("then_branch", thenBranch),
                    graphAttr("else_branch", elseBranch)))
            .build();
    UnsignedInputRewriter.Result r = UnsignedInputRewriter.rewrite(model(g, 17), "m").orElseThrow();
    assertThat(r.unsignedTypes()).isEqualTo(Map.of("X", DataType.UINT32));
    GraphProto out = r.model().getGraph();
    assertThat(out.getInput(1).getType().getTensorType().getElemType())
        .isEqualTo(TensorProto.DataType.INT32_VALUE);
    assertThat(out.getInput(1).getType().getTensorType().getShape())
        .isEqualTo(g.getInput(1).getType().getTensorType().getShape());
    NodeProto cast = out.getNode(0);
    assertThat(cast.getOpType()).isEqualTo("Cast");
    assertThat(cast.getInputList()).containsExactly("X");
    assertThat(cast.getOutputList()).containsExactly("X__caracal_unsigned_1");
    assertThat(cast.getAttribute(0).getI()).isEqualTo(U32);
    for (AttributeProto a : out.getNode(1).getAttributeList()) {
      assertThat(a.getG().getNode(0).getInputList()).containsExactly("X__caracal_unsigned_1");
    }
    // and ORT accepts it
    Path dir = TestModels.write(repo, "fresh", 1, model(g, 17));
    load(dir).close();
  }

  @Test
  void subgraphThatDefinesItsOwnNameIsLeftAlone() throws Exception {
    // the Loop body has a formal input named X too (the loop-carried value), which shadows the
    // outer X
    GraphProto body =
        GraphProto.newBuilder()
            .setName("body")
            .addInput(value("i", I64))
            .addInput(value("cond_in", BOOL))
            .addInput(value("X", I64))
            .addOutput(value("cond_out", BOOL))
            .addOutput(value("X_out", I64))
            .addNode(node("Identity", List.of("cond_in"), List.of("cond_out")))
            .addNode(node("Add", List.of("X", "i"), List.of("X_out")))
            .build();
    GraphProto g =
        GraphProto.newBuilder()
            .setName("g")
            .addInput(value("X", U32, -1))
            .addOutput(value("OUTPUT0", U32, -1))
            .addOutput(value("OUTPUT1", I64))
            .addInitializer(int64Scalar("trips", 3))
            .addInitializer(int64Scalar("zero", 0))
            .addNode(
                node(
                    "Loop",
                    List.of("trips", "", "zero"),
                    List.of("OUTPUT1"),
                    graphAttr("body", body)))
            .addNode(node("Identity", List.of("X"), List.of("OUTPUT0")))
            .build();
    UnsignedInputRewriter.Result r = UnsignedInputRewriter.rewrite(model(g, 17), "m").orElseThrow();
    GraphProto loop = r.model().getGraph().getNode(1).getAttribute(0).getG();
    assertThat(loop.getNode(1).getInputList()).containsExactly("X", "i");
    assertThat(r.model().getGraph().getNode(2).getInputList())
        .containsExactly("X__caracal_unsigned");
    try (ModelInstance m = load(TestModels.write(repo, "shadow", 1, model(g, 17)))) {
      Tensor x = tensor(DataType.UINT32, Shape.of(2), 0xffff_ffffL, 5);
      Map<String, Tensor> out = run(m, Map.of("X", x), "OUTPUT0", "OUTPUT1");
      assertThat(out.get("OUTPUT0")).isEqualTo(x);
      assertThat(out.get("OUTPUT1")).isEqualTo(tensor(DataType.INT64, Shape.of(), 0 + 1 + 2));
    }
  }

  @Test
  void inputWithAnUnsignedDefaultInitializer() throws Exception {
    TensorProto typed =
        TensorProto.newBuilder()
            .setName("X")
            .setDataType(U32)
            .addDims(2)
            .addUint64Data(0xffff_ffffL)
            .addUint64Data(1L << 31)
            .build();
    GraphProto g =
        GraphProto.newBuilder()
            .setName("g")
            .addInput(value("X", U32, 2))
            .addOutput(value("OUTPUT0", U32, 2))
            .addInitializer(typed)
            .addNode(node("Identity", List.of("X"), List.of("OUTPUT0")))
            .build();
    // ORT Java lists no inputs for an input with a default (it cannot feed overridable
    // initializers),
    // but the retyped default must still flow through the Cast unchanged
    try (ModelInstance m = load(TestModels.write(repo, "default", 1, model(g, 17)))) {
      assertThat(m.signature().inputs()).isEmpty();
      assertThat(run(m, Map.of(), "OUTPUT0").get("OUTPUT0"))
          .isEqualTo(tensor(DataType.UINT32, Shape.of(2), 0xffff_ffffL, 1L << 31));
    }
  }

  @Test
  void opsetBelowSixIsRefused() throws Exception {
    GraphProto g =
        GraphProto.newBuilder()
            .setName("g")
            .addInput(value("X", U32, -1))
            .addOutput(value("OUTPUT0", U32, -1))
            .addNode(node("Identity", List.of("X"), List.of("OUTPUT0")))
            .build();
    assertThatThrownBy(() -> load(TestModels.write(repo, "old", 1, model(g, 5))).close())
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("'X'")
        .hasMessageContaining("opset 5");
  }

  @Test
  void externalDataWithAnUnsignedInputIsRefused() throws Exception {
    Path dir = repo.resolve("ext");
    Files.createDirectories(dir.resolve("1"));
    Files.write(dir.resolve("1").resolve("weights.bin"), new byte[8]);
    TensorProto w =
        TensorProto.newBuilder()
            .setName("W")
            .setDataType(I64)
            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
            .addExternalData(
                StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
            .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("8"))
            .build();
    GraphProto g =
        GraphProto.newBuilder()
            .setName("g")
            .addInput(value("X", U64, -1))
            .addOutput(value("OUTPUT0", U64, -1))
            .addOutput(value("OUTPUT1", I64))
            .addInitializer(w)
            .addNode(node("Identity", List.of("X"), List.of("OUTPUT0")))
            .addNode(node("Identity", List.of("W"), List.of("OUTPUT1")))
            .build();
    TestModels.write(repo, "ext", 1, model(g, 17));
    assertThatThrownBy(() -> load(dir).close())
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("'X'")
        .hasMessageContaining("external data");
  }

  @Test
  void modelsWithoutUnsignedInputsAreNotRewritten() throws Exception {
    GraphProto g =
        GraphProto.newBuilder()
            .setName("g")
            .addInput(value("X", I64, -1))
            .addOutput(value("OUTPUT0", U64, -1))
            .addNode(node("Cast", List.of("X"), List.of("OUTPUT0"), intAttr("to", U64)))
            .build();
    assertThat(UnsignedInputRewriter.rewrite(model(g, 17), "m")).isEmpty();
  }

  // --- small proto builders (the testing module's are package-private) ---

  private static ValueInfoProto value(String name, int elemType, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (int k = 0; k < dims.length; k++) {
      shape.addDim(
          dims[k] < 0
              ? TensorShapeProto.Dimension.newBuilder().setDimParam("d" + k)
              : TensorShapeProto.Dimension.newBuilder().setDimValue(dims[k]));
    }
    TypeProto type =
        TypeProto.newBuilder()
            .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))
            .build();
    return ValueInfoProto.newBuilder().setName(name).setType(type).build();
  }

  private static NodeProto node(
      String op, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
    return NodeProto.newBuilder()
        .setOpType(op)
        .setName(op + "_" + outputs.get(0))
        .addAllInput(inputs)
        .addAllOutput(outputs)
        .addAllAttribute(List.of(attrs))
        .build();
  }

  private static AttributeProto graphAttr(String name, GraphProto g) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.GRAPH)
        .setG(g)
        .build();
  }

  private static AttributeProto intAttr(String name, long v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(v)
        .build();
  }

  private static TensorProto int64Scalar(String name, long v) {
    return TensorProto.newBuilder().setName(name).setDataType(I64).addInt64Data(v).build();
  }

  private static ModelProto model(GraphProto g, long opset) {
    return ModelProto.newBuilder()
        .setIrVersion(opset < 6 ? 3 : 8)
        .setProducerName("caracal-test")
        .setGraph(g)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
        .build();
  }
}
