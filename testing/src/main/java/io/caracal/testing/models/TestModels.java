package io.caracal.testing.models;

import static io.caracal.testing.models.Onnx.floats;
import static io.caracal.testing.models.Onnx.graphAttr;
import static io.caracal.testing.models.Onnx.int64s;
import static io.caracal.testing.models.Onnx.intAttr;
import static io.caracal.testing.models.Onnx.intsAttr;
import static io.caracal.testing.models.Onnx.mlNode;
import static io.caracal.testing.models.Onnx.node;
import static io.caracal.testing.models.Onnx.stringsAttr;
import static io.caracal.testing.models.Onnx.tensorAttr;
import static io.caracal.testing.models.Onnx.value;

import io.caracal.api.DataType;
import io.caracal.proto.onnx.GraphProto;
import io.caracal.proto.onnx.ModelProto;
import io.caracal.proto.onnx.TensorProto;
import io.caracal.proto.onnx.TypeProto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small, real ONNX models into a Triton-layout model repository, built with our own code
 * from the {@code onnx.proto} classes. Every generator writes {@code <repo>/<name>/1/model.onnx}
 * (two versions for {@link #twoVersions}) and returns the model folder {@code <repo>/<name>}. When
 * a generator takes {@code maxBatchSize} and it is greater than 0, a Triton {@code config.pbtxt}
 * with that {@code max_batch_size} (dims without the batch dimension) is written too; with 0, no
 * config is written and the model file alone describes the model. Output is deterministic: the same
 * call writes the same bytes.
 *
 * <p>The models (dimension {@code -1} is the symbolic {@code batch}):
 *
 * <ul>
 *   <li>{@link #addSub}: {@code INPUT0, INPUT1 [-1,16]} → {@code OUTPUT0 = INPUT0+INPUT1}, {@code
 *       OUTPUT1 = INPUT0-INPUT1} (integers wrap). {@link #ADD_SUB_TYPES} lists the types ONNX
 *       Runtime can run; for BOOL and BF16 the file is written but ORT refuses it at session
 *       creation (no kernel).
 *   <li>{@link #identity}: {@code INPUT0 [-1,-1]} → {@code OUTPUT0}, any datatype.
 *   <li>{@link #cast}: {@code INPUT0 [-1,-1]} → {@code OUTPUT0 = Cast(INPUT0)} between two
 *       datatypes.
 *   <li>{@link #fixedBatch}: FP32 {@code INPUT0 [1,4]} → {@code OUTPUT0 [1,4]} (identity, no
 *       dynamic dimension); {@link #dynamicBatch}: the same with {@code [-1,4]}.
 *   <li>{@link #strings}: STRING {@code INPUT0, INPUT1 [-1,-1]} → {@code OUTPUT0 =
 *       StringConcat(INPUT0, INPUT1)}, {@code OUTPUT1 = INPUT0}.
 *   <li>{@link #slow}: FP32 {@code INPUT0 [-1,16]} and INT64 {@code ITERATIONS [-1,1]} → {@code
 *       OUTPUT0 = INPUT0} after a Loop of {@code max(ITERATIONS)} 256×256 float MatMuls, so a test
 *       chooses how long a call takes (about 0.1 ms per iteration on an idle 2-core box, 0.3 ms
 *       when busy; measure rather than assume).
 *   <li>{@link #zipMap}, {@link #zipMapStrings}: a scikit-learn-shaped classifier: FP32 {@code
 *       INPUT0 [-1,n]} (the class probabilities) → INT64 or STRING {@code output_label [-1]} (the
 *       label of the largest column) and {@code output_probability}, a {@code seq(map(label →
 *       float))} made by ai.onnx.ml ZipMap whose map for row {@code i} maps label {@code j} to
 *       {@code INPUT0[i][j]}.
 *   <li>{@link #twoVersions}: FP32 {@code INPUT0 [-1,4]} → {@code OUTPUT0}: version 1 is the
 *       identity, version 2 adds 1.
 *   <li>{@link #dense}: FP32 {@code INPUT0 [-1,n]} → {@code OUTPUT0 = MatMul(INPUT0, W)} with the
 *       {@code n×n} weight matrix {@code W = scale·I} stored in the file ({@code 4·n²} bytes, 4 MiB
 *       for {@code n = 1024}), so {@code OUTPUT0 = scale·INPUT0}; a model whose size shows when
 *       sessions leak.
 * </ul>
 */
public final class TestModels {
  /**
   * The datatypes for which ONNX Runtime 1.29's CPU provider has Add and Sub kernels and ORT Java
   * can feed inputs directly (found by trying): not BOOL (no ONNX Add for it) nor BF16 (no CPU
   * kernel). UINT16/32/64 have kernels too but are not listed: ORT Java cannot create those input
   * tensors, and the ONNX Runtime backend serves them only by rewriting the model at load.
   */
  public static final List<DataType> ADD_SUB_TYPES =
      List.of(
          DataType.UINT8,
          DataType.INT8,
          DataType.INT16,
          DataType.INT32,
          DataType.INT64,
          DataType.FP16,
          DataType.FP32,
          DataType.FP64);

  /** The file name each version folder holds. */
  public static final String MODEL_FILE = "model.onnx";

  private static final long IR_VERSION = 8;
  private static final long OPSET = 17;
  private static final int SLOW_MATRIX = 256;

  private TestModels() {}

  /** Writes the add/sub model for {@code type}; see the class comment. */
  public static Path addSub(Path repo, String name, DataType type, int maxBatchSize)
      throws IOException {
    GraphProto g =
        GraphProto.newBuilder()
            .setName(name)
            .addInput(value("INPUT0", type, -1, 16))
            .addInput(value("INPUT1", type, -1, 16))
            .addOutput(value("OUTPUT0", type, -1, 16))
            .addOutput(value("OUTPUT1", type, -1, 16))
            .addNode(node("Add", List.of("INPUT0", "INPUT1"), List.of("OUTPUT0")))
            .addNode(node("Sub", List.of("INPUT0", "INPUT1"), List.of("OUTPUT1")))
            .build();
    Path dir = write(repo, name, 1, Onnx.model(g, IR_VERSION, OPSET, false));
    writeConfig(
        dir,
        name,
        maxBatchSize,
        List.of(io("INPUT0", type, -1, 16), io("INPUT1", type, -1, 16)),
        List.of(io("OUTPUT0", type, -1, 16), io("OUTPUT1", type, -1, 16)));
    return dir;
  }

  /** Writes an identity model {@code INPUT0 [-1,-1] → OUTPUT0} of {@code type}. */
  public static Path identity(Path repo, String name, DataType type, int maxBatchSize)
      throws IOException {
    Path dir = write(repo, name, 1, identityModel(name, type, -1, -1));
    writeConfig(
        dir,
        name,
        maxBatchSize,
        List.of(io("INPUT0", type, -1, -1)),
        List.of(io("OUTPUT0", type, -1, -1)));
    return dir;
  }

  /**
   * Writes a model {@code INPUT0 [-1,-1]} of type {@code from} → {@code OUTPUT0 = Cast(INPUT0)} of
   * type {@code to}; for example to produce output types a client cannot feed.
   */
  public static Path cast(Path repo, String name, DataType from, DataType to, int maxBatchSize)
      throws IOException {
    GraphProto g =
        GraphProto.newBuilder()
            .setName(name)
            .addInput(value("INPUT0", from, -1, -1))
            .addOutput(value("OUTPUT0", to, -1, -1))
            .addNode(
                node(
                    "Cast",
                    List.of("INPUT0"),
                    List.of("OUTPUT0"),
                    intAttr("to", Onnx.elemType(to))))
            .build();
    Path dir = write(repo, name, 1, Onnx.model(g, IR_VERSION, OPSET, false));
    writeConfig(
        dir,
        name,
        maxBatchSize,
        List.of(io("INPUT0", from, -1, -1)),
        List.of(io("OUTPUT0", to, -1, -1)));
    return dir;
  }

  /** Writes an FP32 identity model with the fixed shape {@code [1,4]} and no config. */
  public static Path fixedBatch(Path repo, String name) throws IOException {
    return write(repo, name, 1, identityModel(name, DataType.FP32, 1, 4));
  }

  /** Writes an FP32 identity model of shape {@code [-1,4]}. */
  public static Path dynamicBatch(Path repo, String name, int maxBatchSize) throws IOException {
    Path dir = write(repo, name, 1, identityModel(name, DataType.FP32, -1, 4));
    writeConfig(
        dir,
        name,
        maxBatchSize,
        List.of(io("INPUT0", DataType.FP32, -1, 4)),
        List.of(io("OUTPUT0", DataType.FP32, -1, 4)));
    return dir;
  }

  /**
   * Writes TF Serving's test model {@code half_plus_two} as ONNX (version {@code version}, no
   * config): FP32 {@code x [-1]} → {@code y = 0.5·x + 2} ({@code Mul} then {@code Add}).
   */
  public static Path halfPlusTwo(Path repo, String name, long version) throws IOException {
    GraphProto g =
        GraphProto.newBuilder()
            .setName(name)
            .addInput(value("x", DataType.FP32, -1))
            .addOutput(value("y", DataType.FP32, -1))
            .addInitializer(Onnx.rawFloats("half", new long[] {}, new float[] {0.5f}))
            .addInitializer(Onnx.rawFloats("two", new long[] {}, new float[] {2f}))
            .addNode(node("Mul", List.of("x", "half"), List.of("x_half")))
            .addNode(node("Add", List.of("x_half", "two"), List.of("y")))
            .build();
    return write(repo, name, version, Onnx.model(g, IR_VERSION, OPSET, false));
  }

  /** Writes the strings model (StringConcat and identity); see the class comment. */
  public static Path strings(Path repo, String name, int maxBatchSize) throws IOException {
    DataType s = DataType.BYTES;
    GraphProto g =
        GraphProto.newBuilder()
            .setName(name)
            .addInput(value("INPUT0", s, -1, -1))
            .addInput(value("INPUT1", s, -1, -1))
            .addOutput(value("OUTPUT0", s, -1, -1))
            .addOutput(value("OUTPUT1", s, -1, -1))
            .addNode(node("StringConcat", List.of("INPUT0", "INPUT1"), List.of("OUTPUT0")))
            .addNode(node("Identity", List.of("INPUT0"), List.of("OUTPUT1")))
            .build();
    Path dir = write(repo, name, 1, Onnx.model(g, 9, 20, false));
    writeConfig(
        dir,
        name,
        maxBatchSize,
        List.of(io("INPUT0", s, -1, -1), io("INPUT1", s, -1, -1)),
        List.of(io("OUTPUT0", s, -1, -1), io("OUTPUT1", s, -1, -1)));
    return dir;
  }

  /** Writes the slow model; see the class comment. */
  public static Path slow(Path repo, String name, int maxBatchSize) throws IOException {
    long n = SLOW_MATRIX;
    TypeProto scalarI64 = Onnx.tensorType(DataType.INT64, "");
    TypeProto scalarBool = Onnx.tensorType(DataType.BOOL, "");
    TypeProto matrix = Onnx.tensorType(DataType.FP32, "", n, n);
    GraphProto body =
        GraphProto.newBuilder()
            .setName("slow_body")
            .addInput(value("i", scalarI64))
            .addInput(value("cond_in", scalarBool))
            .addInput(value("s_in", matrix))
            .addOutput(value("cond_out", scalarBool))
            .addOutput(value("s_out", matrix))
            .addNode(node("Identity", List.of("cond_in"), List.of("cond_out")))
            .addNode(node("MatMul", List.of("s_in", "eye"), List.of("s_out")))
            .build();
    GraphProto g =
        GraphProto.newBuilder()
            .setName(name)
            .addInput(value("INPUT0", DataType.FP32, -1, 16))
            .addInput(value("ITERATIONS", DataType.INT64, -1, 1))
            .addOutput(value("OUTPUT0", DataType.FP32, -1, 16))
            .addInitializer(int64s("matrix_shape", new long[] {2}, n, n))
            .addInitializer(Onnx.bools("true", true))
            .addInitializer(floats("one", new long[0], 1f))
            .addNode(
                node("ReduceMax", List.of("ITERATIONS"), List.of("trips"), intAttr("keepdims", 0)))
            .addNode(
                node(
                    "ConstantOfShape",
                    List.of("matrix_shape"),
                    List.of("ones"),
                    tensorAttr("value", floats("", new long[] {1}, 1f))))
            .addNode(node("EyeLike", List.of("ones"), List.of("eye")))
            .addNode(
                node(
                    "Loop",
                    List.of("trips", "true", "ones"),
                    List.of("final"),
                    graphAttr("body", body)))
            .addNode(node("ReduceMax", List.of("final"), List.of("max"), intAttr("keepdims", 0)))
            .addNode(node("Sub", List.of("max", "one"), List.of("zero")))
            .addNode(node("Add", List.of("INPUT0", "zero"), List.of("OUTPUT0")))
            .build();
    Path dir = write(repo, name, 1, Onnx.model(g, IR_VERSION, OPSET, false));
    writeConfig(
        dir,
        name,
        maxBatchSize,
        List.of(io("INPUT0", DataType.FP32, -1, 16), io("ITERATIONS", DataType.INT64, -1, 1)),
        List.of(io("OUTPUT0", DataType.FP32, -1, 16)));
    return dir;
  }

  /** Writes the ZipMap classifier with INT64 class labels; see the class comment. */
  public static Path zipMap(Path repo, String name, long... classLabels) throws IOException {
    List<String> labels = new ArrayList<>();
    for (long l : classLabels) {
      labels.add(Long.toString(l));
    }
    TensorProto labelTensor = int64s("labels", new long[] {classLabels.length}, classLabels);
    return zipMap(
        repo,
        name,
        DataType.INT64,
        labelTensor,
        intsAttr("classlabels_int64s", classLabels),
        labels.size());
  }

  /** Writes the ZipMap classifier with STRING class labels; see the class comment. */
  public static Path zipMapStrings(Path repo, String name, String... classLabels)
      throws IOException {
    List<String> labels = List.of(classLabels);
    return zipMap(
        repo,
        name,
        DataType.BYTES,
        Onnx.strings("labels", labels),
        stringsAttr("classlabels_strings", labels),
        labels.size());
  }

  private static Path zipMap(
      Path repo,
      String name,
      DataType labelType,
      TensorProto labels,
      io.caracal.proto.onnx.AttributeProto attr,
      int n)
      throws IOException {
    TypeProto valueType =
        TypeProto.newBuilder()
            .setTensorType(TypeProto.Tensor.newBuilder().setElemType(Onnx.elemType(DataType.FP32)))
            .build();
    TypeProto map =
        TypeProto.newBuilder()
            .setMapType(
                TypeProto.Map.newBuilder()
                    .setKeyType(Onnx.elemType(labelType))
                    .setValueType(valueType))
            .build();
    TypeProto seq =
        TypeProto.newBuilder()
            .setSequenceType(TypeProto.Sequence.newBuilder().setElemType(map))
            .build();
    GraphProto g =
        GraphProto.newBuilder()
            .setName(name)
            .addInput(value("INPUT0", DataType.FP32, -1, n))
            .addOutput(value("output_label", labelType, -1))
            .addOutput(value("output_probability", seq))
            .addInitializer(labels)
            .addNode(
                node(
                    "ArgMax",
                    List.of("INPUT0"),
                    List.of("index"),
                    intAttr("axis", 1),
                    intAttr("keepdims", 0)))
            .addNode(
                node(
                    "Gather",
                    List.of("labels", "index"),
                    List.of("output_label"),
                    intAttr("axis", 0)))
            .addNode(mlNode("ZipMap", List.of("INPUT0"), List.of("output_probability"), attr))
            .build();
    return write(repo, name, 1, Onnx.model(g, IR_VERSION, OPSET, true));
  }

  /** Writes version 1 (identity) and version 2 ({@code x + 1}) of an FP32 {@code [-1,4]} model. */
  public static Path twoVersions(Path repo, String name, int maxBatchSize) throws IOException {
    write(repo, name, 1, identityModel(name, DataType.FP32, -1, 4));
    GraphProto g =
        GraphProto.newBuilder()
            .setName(name)
            .addInput(value("INPUT0", DataType.FP32, -1, 4))
            .addOutput(value("OUTPUT0", DataType.FP32, -1, 4))
            .addInitializer(floats("one", new long[0], 1f))
            .addNode(node("Add", List.of("INPUT0", "one"), List.of("OUTPUT0")))
            .build();
    Path dir = write(repo, name, 2, Onnx.model(g, IR_VERSION, OPSET, false));
    writeConfig(
        dir,
        name,
        maxBatchSize,
        List.of(io("INPUT0", DataType.FP32, -1, 4)),
        List.of(io("OUTPUT0", DataType.FP32, -1, 4)));
    return dir;
  }

  /**
   * Writes the dense model (version 1): FP32 {@code INPUT0 [-1,size]} → {@code OUTPUT0 =
   * MatMul(INPUT0, scale·I)}, with the {@code size×size} weights in the file; see the class
   * comment.
   */
  public static Path dense(Path repo, String name, int size, float scale, int maxBatchSize)
      throws IOException {
    if (size < 1) {
      throw new IllegalArgumentException("size < 1: " + size);
    }
    float[] weights = new float[size * size];
    for (int i = 0; i < size; i++) {
      weights[i * size + i] = scale;
    }
    GraphProto g =
        GraphProto.newBuilder()
            .setName(name)
            .addInput(value("INPUT0", DataType.FP32, -1, size))
            .addOutput(value("OUTPUT0", DataType.FP32, -1, size))
            .addInitializer(Onnx.rawFloats("W", new long[] {size, size}, weights))
            .addNode(node("MatMul", List.of("INPUT0", "W"), List.of("OUTPUT0")))
            .build();
    Path dir = write(repo, name, 1, Onnx.model(g, IR_VERSION, OPSET, false));
    writeConfig(
        dir,
        name,
        maxBatchSize,
        List.of(io("INPUT0", DataType.FP32, -1, size)),
        List.of(io("OUTPUT0", DataType.FP32, -1, size)));
    return dir;
  }

  /**
   * Writes {@code model} as {@code <repo>/<name>/<version>/model.onnx}, creating folders, and
   * returns the model folder. Use it for hand-built (for example malformed) models.
   */
  public static Path write(Path repo, String name, long version, ModelProto model)
      throws IOException {
    Path dir = repo.resolve(name);
    Path versionDir = dir.resolve(Long.toString(version));
    Files.createDirectories(versionDir);
    Files.write(versionDir.resolve(MODEL_FILE), model.toByteArray());
    return dir;
  }

  /**
   * Returns a Triton {@code config.pbtxt} for an ONNX model. With {@code maxBatchSize > 0} the
   * first dimension of every shape (the batch) is left out of {@code dims}.
   */
  public static String configText(
      String name, int maxBatchSize, List<Io> inputs, List<Io> outputs) {
    StringBuilder sb = new StringBuilder();
    sb.append("name: \"").append(name).append("\"\n");
    sb.append("platform: \"onnxruntime_onnx\"\n");
    sb.append("max_batch_size: ").append(maxBatchSize).append('\n');
    appendIo(sb, "input", inputs, maxBatchSize > 0);
    appendIo(sb, "output", outputs, maxBatchSize > 0);
    return sb.toString();
  }

  /**
   * An input or output in a generated config.
   *
   * @param name the tensor name
   * @param dataType its datatype
   * @param dims the full shape, batch dimension included; {@code -1} for any size
   */
  public record Io(String name, DataType dataType, List<Long> dims) {
    public Io {
      dims = List.copyOf(dims);
    }

    /** Returns an input or output with these dimensions. */
    public static Io of(String name, DataType dataType, long... dims) {
      List<Long> d = new ArrayList<>();
      for (long x : dims) {
        d.add(x);
      }
      return new Io(name, dataType, d);
    }
  }

  private static Io io(String name, DataType type, long... dims) {
    return Io.of(name, type, dims);
  }

  private static void appendIo(StringBuilder sb, String kind, List<Io> ios, boolean dropBatch) {
    sb.append(kind).append(" [\n");
    for (int i = 0; i < ios.size(); i++) {
      Io io = ios.get(i);
      List<Long> dims = io.dims();
      StringBuilder d = new StringBuilder();
      for (int k = dropBatch ? 1 : 0; k < dims.size(); k++) {
        d.append(d.isEmpty() ? "" : ", ").append(dims.get(k));
      }
      sb.append("  {\n")
          .append("    name: \"")
          .append(io.name())
          .append("\"\n")
          .append("    data_type: TYPE_")
          .append(io.dataType() == DataType.BYTES ? "STRING" : io.dataType().name())
          .append('\n')
          .append("    dims: [ ")
          .append(d)
          .append(" ]\n")
          .append(i + 1 < ios.size() ? "  },\n" : "  }\n");
    }
    sb.append("]\n");
  }

  private static void writeConfig(
      Path dir, String name, int maxBatchSize, List<Io> inputs, List<Io> outputs)
      throws IOException {
    if (maxBatchSize < 0) {
      throw new IllegalArgumentException("maxBatchSize < 0: " + maxBatchSize);
    }
    if (maxBatchSize > 0) {
      Files.writeString(
          dir.resolve("config.pbtxt"),
          configText(name, maxBatchSize, inputs, outputs),
          StandardCharsets.UTF_8);
    }
  }

  private static ModelProto identityModel(String name, DataType type, long... dims) {
    GraphProto g =
        GraphProto.newBuilder()
            .setName(name)
            .addInput(value("INPUT0", type, dims))
            .addOutput(value("OUTPUT0", type, dims))
            .addNode(node("Identity", List.of("INPUT0"), List.of("OUTPUT0")))
            .build();
    return Onnx.model(g, IR_VERSION, OPSET, false);
  }
}
