package io.caracal.testing.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.DataType;
import io.caracal.proto.onnx.GraphProto;
import io.caracal.proto.onnx.ModelProto;
import io.caracal.proto.onnx.NodeProto;
import io.caracal.proto.onnx.TensorProto;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestModelsTest {
  @TempDir Path repo;

  private static ModelProto read(Path modelDir, int version) throws IOException {
    return ModelProto.parseFrom(
        Files.readAllBytes(modelDir.resolve(Integer.toString(version)).resolve("model.onnx")));
  }

  @Test
  void addSubStructureAndConfig() throws IOException {
    Path dir = TestModels.addSub(repo, "add_sub_fp32", DataType.FP32, 8);
    GraphProto g = read(dir, 1).getGraph();
    assertThat(g.getInputList()).extracting(v -> v.getName()).containsExactly("INPUT0", "INPUT1");
    assertThat(g.getOutputList())
        .extracting(v -> v.getName())
        .containsExactly("OUTPUT0", "OUTPUT1");
    assertThat(g.getNodeList()).extracting(NodeProto::getOpType).containsExactly("Add", "Sub");
    var in0 = g.getInput(0).getType().getTensorType();
    assertThat(in0.getElemType()).isEqualTo(TensorProto.DataType.FLOAT_VALUE);
    assertThat(in0.getShape().getDim(0).getDimParam()).isEqualTo("batch");
    assertThat(in0.getShape().getDim(1).getDimValue()).isEqualTo(16);
    String config = Files.readString(dir.resolve("config.pbtxt"));
    assertThat(config)
        .contains(
            "name: \"add_sub_fp32\"",
            "platform: \"onnxruntime_onnx\"",
            "max_batch_size: 8",
            "data_type: TYPE_FP32",
            "dims: [ 16 ]");
  }

  @Test
  void noConfigWithoutMaxBatchSize() throws IOException {
    Path dir = TestModels.identity(repo, "id", DataType.BYTES, 0);
    assertThat(dir.resolve("config.pbtxt")).doesNotExist();
    assertThat(read(dir, 1).getGraph().getInput(0).getType().getTensorType().getElemType())
        .isEqualTo(TensorProto.DataType.STRING_VALUE);
  }

  @Test
  void configTextDropsTheBatchDimensionOnlyWhenBatching() {
    var io = TestModels.Io.of("X", DataType.BYTES, -1, 3);
    assertThat(TestModels.configText("m", 4, java.util.List.of(io), java.util.List.of(io)))
        .contains("data_type: TYPE_STRING", "dims: [ 3 ]");
    assertThat(TestModels.configText("m", 0, java.util.List.of(io), java.util.List.of(io)))
        .contains("dims: [ -1, 3 ]");
  }

  @Test
  void isDeterministic() throws IOException {
    Path a = TestModels.slow(repo.resolve("a"), "slow", 4);
    Path b = TestModels.slow(repo.resolve("b"), "slow", 4);
    assertThat(Files.readAllBytes(a.resolve("1/model.onnx")))
        .isEqualTo(Files.readAllBytes(b.resolve("1/model.onnx")));
    assertThat(Files.readString(a.resolve("config.pbtxt")))
        .isEqualTo(Files.readString(b.resolve("config.pbtxt")));
  }

  @Test
  void zipMapHasSequenceOfMapsOutputAndLabels() throws IOException {
    GraphProto g = read(TestModels.zipMap(repo, "zm", 3, 1, 2), 1).getGraph();
    assertThat(g.getOutput(1).getType().getSequenceType().getElemType().getMapType().getKeyType())
        .isEqualTo(TensorProto.DataType.INT64_VALUE);
    NodeProto zipMap =
        g.getNodeList().stream()
            .filter(n -> n.getOpType().equals("ZipMap"))
            .findFirst()
            .orElseThrow();
    assertThat(zipMap.getDomain()).isEqualTo("ai.onnx.ml");
    assertThat(zipMap.getAttribute(0).getIntsList()).containsExactly(3L, 1L, 2L);
  }

  @Test
  void denseHoldsScaledIdentityWeights() throws IOException {
    Path dir = TestModels.dense(repo, "dense", 64, 3f, 4);
    GraphProto g = read(dir, 1).getGraph();
    assertThat(g.getNodeList()).extracting(NodeProto::getOpType).containsExactly("MatMul");
    TensorProto w = g.getInitializer(0);
    assertThat(w.getDimsList()).containsExactly(64L, 64L);
    java.nio.FloatBuffer f =
        w.getRawData()
            .asReadOnlyByteBuffer()
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .asFloatBuffer();
    assertThat(f.remaining()).isEqualTo(64 * 64);
    assertThat(f.get(0)).isEqualTo(3f);
    assertThat(f.get(1)).isZero();
    assertThat(f.get(65)).isEqualTo(3f);
    assertThat(Files.size(dir.resolve("1/model.onnx"))).isGreaterThan(4L * 64 * 64);
    assertThat(Files.readString(dir.resolve("config.pbtxt")))
        .contains("max_batch_size: 4", "dims: [ 64 ]");
  }

  @Test
  void twoVersionsWritesBothFolders() throws IOException {
    Path dir = TestModels.twoVersions(repo, "v", 0);
    assertThat(read(dir, 1).getGraph().getNode(0).getOpType()).isEqualTo("Identity");
    assertThat(read(dir, 2).getGraph().getNode(0).getOpType()).isEqualTo("Add");
  }

  @Test
  void slowAndFixedModelsHaveTheirShapes() throws IOException {
    GraphProto slow = read(TestModels.slow(repo, "slow", 0), 1).getGraph();
    assertThat(slow.getInputList())
        .extracting(v -> v.getName())
        .containsExactly("INPUT0", "ITERATIONS");
    assertThat(slow.getNodeList()).extracting(NodeProto::getOpType).contains("Loop");
    GraphProto fixed = read(TestModels.fixedBatch(repo, "fixed"), 1).getGraph();
    assertThat(fixed.getInput(0).getType().getTensorType().getShape().getDimList())
        .extracting(d -> d.getDimValue())
        .containsExactly(1L, 4L);
  }
}
