package io.caracal.backend.onnxruntime;

import static io.caracal.backend.onnxruntime.Models.loadFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt and malicious model files fail to load with clean messages (no absolute paths). */
class MaliciousModelsTest {
  @TempDir Path repo;

  private Path file(byte[] bytes) throws Exception {
    Path dir = repo.resolve("bad").resolve("1");
    Files.createDirectories(dir);
    Path f = dir.resolve("model.onnx");
    Files.write(f, bytes);
    return f;
  }

  private void assertRefused(Path file, String expected) {
    assertThatThrownBy(() -> loadFile(file).close())
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining(expected)
        .satisfies(
            e -> assertThat(e.getMessage()).doesNotContain(repo.toString()).doesNotContain("/tmp"));
  }

  @Test
  void emptyFile() throws Exception {
    assertRefused(file(new byte[0]), "1/model.onnx is not a valid ONNX model: the file is empty");
  }

  @Test
  void randomBytes() throws Exception {
    byte[] b = new byte[4096];
    new Random(42).nextBytes(b);
    assertRefused(file(b), "not a valid ONNX model");
  }

  @Test
  void truncatedProtobuf() throws Exception {
    TestModels.addSub(repo, "good", io.caracal.api.DataType.FP32, 0);
    byte[] good = Files.readAllBytes(repo.resolve("good/1/model.onnx"));
    assertRefused(file(Arrays.copyOf(good, good.length / 2)), "not a valid ONNX model");
  }

  @Test
  void externalDataWithDotDot() throws Exception {
    Path model = file(externalModel("../x").toByteArray());
    Files.writeString(repo.resolve("bad").resolve("x"), "0123456789abcdef");
    assertRefused(model, "leaves the version folder");
    assertRefused(file(externalModel("sub/../../x").toByteArray()), "leaves the version folder");
  }

  @Test
  void externalDataAtAbsoluteLocation() throws Exception {
    assertRefused(file(externalModel("/etc/passwd").toByteArray()), "absolute location");
    assertRefused(file(externalModel("C:\\Windows\\win.ini").toByteArray()), "absolute location");
  }

  @Test
  void externalDataThroughSymlink() throws Exception {
    Path outside = Files.writeString(repo.resolve("outside.bin"), "0123456789abcdef");
    Path model = file(externalModel("weights.bin").toByteArray());
    Files.createSymbolicLink(model.resolveSibling("weights.bin"), outside);
    assertRefused(model, "outside the version folder");
  }

  @Test
  void externalDataInsideTheFolderLoads() throws Exception {
    Path model = file(externalModel("weights.bin").toByteArray());
    byte[] four = new byte[16];
    java.nio.ByteBuffer.wrap(four)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .put(new float[] {1, 2, 3, 4});
    Files.write(model.resolveSibling("weights.bin"), four);
    try (ModelInstance m = loadFile(model)) {
      assertThat(m.signature().outputs()).hasSize(1);
    }
  }

  @Test
  void unknownOperatorFailsCleanly() throws Exception {
    ModelProto m =
        externalModel("unused").toBuilder()
            .setGraph(
                externalModel("unused").getGraph().toBuilder()
                    .clearInitializer()
                    .setNode(
                        0,
                        NodeProto.newBuilder()
                            .setOpType("NoSuchOp")
                            .setDomain("evil.custom")
                            .addInput("X")
                            .addOutput("Y")))
            .build();
    assertRefused(file(m.toByteArray()), "ONNX Runtime cannot load 1/model.onnx");
  }

  /** X [4] float + W (external data at {@code location}) → Y. */
  private static ModelProto externalModel(String location) {
    TypeProto t =
        TypeProto.newBuilder()
            .setTensorType(
                TypeProto.Tensor.newBuilder()
                    .setElemType(TensorProto.DataType.FLOAT_VALUE)
                    .setShape(
                        TensorShapeProto.newBuilder()
                            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(4))))
            .build();
    TensorProto w =
        TensorProto.newBuilder()
            .setName("W")
            .setDataType(TensorProto.DataType.FLOAT_VALUE)
            .addDims(4)
            .setDataLocation(TensorProto.DataLocation.EXTERNAL)
            .addExternalData(
                StringStringEntryProto.newBuilder().setKey("location").setValue(location))
            .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("16"))
            .build();
    GraphProto g =
        GraphProto.newBuilder()
            .setName("ext")
            .addInput(ValueInfoProto.newBuilder().setName("X").setType(t))
            .addOutput(ValueInfoProto.newBuilder().setName("Y").setType(t))
            .addInitializer(w)
            .addNode(
                NodeProto.newBuilder().setOpType("Add").addInput("X").addInput("W").addOutput("Y"))
            .build();
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17))
        .setGraph(g)
        .build();
  }
}
