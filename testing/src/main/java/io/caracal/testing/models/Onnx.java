package io.caracal.testing.models;

import com.google.protobuf.ByteString;
import io.caracal.api.DataType;
import io.caracal.proto.onnx.AttributeProto;
import io.caracal.proto.onnx.GraphProto;
import io.caracal.proto.onnx.ModelProto;
import io.caracal.proto.onnx.NodeProto;
import io.caracal.proto.onnx.OperatorSetIdProto;
import io.caracal.proto.onnx.TensorProto;
import io.caracal.proto.onnx.TensorShapeProto;
import io.caracal.proto.onnx.TypeProto;
import io.caracal.proto.onnx.ValueInfoProto;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Small builders over the generated ONNX protobuf classes. */
final class Onnx {
  static final String ML_DOMAIN = "ai.onnx.ml";

  private Onnx() {}

  /** Returns the ONNX {@code TensorProto.DataType} number for a V2 datatype (BYTES is STRING). */
  static int elemType(DataType type) {
    return switch (type) {
      case BOOL -> TensorProto.DataType.BOOL_VALUE;
      case UINT8 -> TensorProto.DataType.UINT8_VALUE;
      case UINT16 -> TensorProto.DataType.UINT16_VALUE;
      case UINT32 -> TensorProto.DataType.UINT32_VALUE;
      case UINT64 -> TensorProto.DataType.UINT64_VALUE;
      case INT8 -> TensorProto.DataType.INT8_VALUE;
      case INT16 -> TensorProto.DataType.INT16_VALUE;
      case INT32 -> TensorProto.DataType.INT32_VALUE;
      case INT64 -> TensorProto.DataType.INT64_VALUE;
      case FP16 -> TensorProto.DataType.FLOAT16_VALUE;
      case BF16 -> TensorProto.DataType.BFLOAT16_VALUE;
      case FP32 -> TensorProto.DataType.FLOAT_VALUE;
      case FP64 -> TensorProto.DataType.DOUBLE_VALUE;
      case BYTES -> TensorProto.DataType.STRING_VALUE;
    };
  }

  /**
   * Returns a tensor type; a negative dimension becomes a symbolic one ({@code dimParam}, or {@code
   * dimParam_k} past the first).
   */
  static TypeProto tensorType(DataType type, String dimParam, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (int k = 0; k < dims.length; k++) {
      long d = dims[k];
      shape.addDim(
          d < 0
              ? TensorShapeProto.Dimension.newBuilder()
                  .setDimParam(k == 0 ? dimParam : dimParam + "_" + k)
              : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return TypeProto.newBuilder()
        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType(type)).setShape(shape))
        .build();
  }

  static ValueInfoProto value(String name, TypeProto type) {
    return ValueInfoProto.newBuilder().setName(name).setType(type).build();
  }

  static ValueInfoProto value(String name, DataType type, long... dims) {
    return value(name, tensorType(type, "batch", dims));
  }

  static NodeProto node(
      String op, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
    return NodeProto.newBuilder()
        .setOpType(op)
        .setName(op + "_" + outputs.get(0))
        .addAllInput(inputs)
        .addAllOutput(outputs)
        .addAllAttribute(List.of(attrs))
        .build();
  }

  static NodeProto mlNode(
      String op, List<String> inputs, List<String> outputs, AttributeProto... attrs) {
    return node(op, inputs, outputs, attrs).toBuilder().setDomain(ML_DOMAIN).build();
  }

  static AttributeProto intAttr(String name, long v) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(v)
        .build();
  }

  static AttributeProto intsAttr(String name, long... v) {
    AttributeProto.Builder b =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long x : v) {
      b.addInts(x);
    }
    return b.build();
  }

  static AttributeProto stringsAttr(String name, List<String> v) {
    AttributeProto.Builder b =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
    for (String s : v) {
      b.addStrings(ByteString.copyFrom(s, StandardCharsets.UTF_8));
    }
    return b.build();
  }

  static AttributeProto tensorAttr(String name, TensorProto t) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.TENSOR)
        .setT(t)
        .build();
  }

  static AttributeProto graphAttr(String name, GraphProto g) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.GRAPH)
        .setG(g)
        .build();
  }

  static TensorProto int64s(String name, long[] dims, long... values) {
    TensorProto.Builder b =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
    for (long d : dims) {
      b.addDims(d);
    }
    for (long v : values) {
      b.addInt64Data(v);
    }
    return b.build();
  }

  static TensorProto strings(String name, List<String> values) {
    TensorProto.Builder b =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.STRING_VALUE)
            .addDims(values.size());
    for (String s : values) {
      b.addStringData(ByteString.copyFrom(s, StandardCharsets.UTF_8));
    }
    return b.build();
  }

  static TensorProto floats(String name, long[] dims, float... values) {
    TensorProto.Builder b =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
    for (long d : dims) {
      b.addDims(d);
    }
    for (float v : values) {
      b.addFloatData(v);
    }
    return b.build();
  }

  /** Returns an FP32 tensor whose values are stored as little-endian {@code raw_data}. */
  static TensorProto rawFloats(String name, long[] dims, float[] values) {
    java.nio.ByteBuffer raw =
        java.nio.ByteBuffer.allocate(values.length * Float.BYTES)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    TensorProto.Builder b =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
    for (long d : dims) {
      b.addDims(d);
    }
    return b.setRawData(ByteString.copyFrom(raw.array())).build();
  }

  static TensorProto bools(String name, boolean value) {
    return TensorProto.newBuilder()
        .setName(name)
        .setDataType(TensorProto.DataType.BOOL_VALUE)
        .addInt32Data(value ? 1 : 0)
        .build();
  }

  /**
   * Wraps a graph into a model importing the default domain at {@code opset} (and ai.onnx.ml 1 when
   * {@code ml}).
   */
  static ModelProto model(GraphProto graph, long irVersion, long opset, boolean ml) {
    ModelProto.Builder m =
        ModelProto.newBuilder()
            .setIrVersion(irVersion)
            .setProducerName("caracal-testing")
            .setProducerVersion("1")
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
            .setGraph(graph);
    if (ml) {
      m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(ML_DOMAIN).setVersion(1));
    }
    return m.build();
  }
}
