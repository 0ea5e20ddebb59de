package io.caracal.client;

import com.google.protobuf.ByteString;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.proto.inference.InferParameter;
import io.caracal.proto.inference.InferTensorContents;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.caracal.proto.inference.ModelMetadataResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gRPC codec of the client: inputs always in {@code raw_input_contents} (one entry per input,
 * V2 binary encoding), outputs read from {@code raw_output_contents}, or from typed {@code
 * contents} when a server sends those instead.
 */
final class GrpcCodec {
  private GrpcCodec() {}

  static ModelInferRequest encode(InferRequest req) {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(req.model());
    req.version().ifPresent(b::setModelVersion);
    req.id().ifPresent(b::setId);
    req.parameters().forEach((k, v) -> b.putParameters(k, parameter(v)));
    for (InferInput in : req.inputs()) {
      ModelInferRequest.InferInputTensor.Builder t =
          ModelInferRequest.InferInputTensor.newBuilder()
              .setName(in.name())
              .setDatatype(in.dataType().wireName());
      for (long d : in.shape().toArray()) {
        t.addShape(d);
      }
      in.parameters().forEach((k, v) -> t.putParameters(k, parameter(v)));
      b.addInputs(t);
      b.addRawInputContents(ByteString.copyFrom(in.tensor().data()));
    }
    for (InferRequestedOutput o : req.outputs()) {
      ModelInferRequest.InferRequestedOutputTensor.Builder t =
          ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName(o.name());
      o.parameters().forEach((k, v) -> t.putParameters(k, parameter(v)));
      b.addOutputs(t);
    }
    return b.build();
  }

  static InferParameter parameter(Object v) {
    return switch (v) {
      case String s -> InferParameter.newBuilder().setStringParam(s).build();
      case Boolean x -> InferParameter.newBuilder().setBoolParam(x).build();
      case Long x -> InferParameter.newBuilder().setInt64Param(x).build();
      case Double x -> InferParameter.newBuilder().setDoubleParam(x).build();
      default -> throw new IllegalArgumentException("unsupported parameter value " + v);
    };
  }

  static Map<String, Object> parameters(Map<String, InferParameter> in) {
    Map<String, Object> out = new LinkedHashMap<>();
    in.forEach((k, p) -> {
      Object v =
          switch (p.getParameterChoiceCase()) {
            case BOOL_PARAM -> p.getBoolParam();
            case INT64_PARAM -> p.getInt64Param();
            case STRING_PARAM -> p.getStringParam();
            case DOUBLE_PARAM -> p.getDoubleParam();
            case UINT64_PARAM -> p.getUint64Param();
            case PARAMETERCHOICE_NOT_SET -> null;
          };
      if (v != null) {
        out.put(k, v);
      }
    });
    return out;
  }

  static InferResult decode(ModelInferResponse r) {
    List<InferOutput> outputs = new ArrayList<>(r.getOutputsCount());
    boolean raw = r.getRawOutputContentsCount() > 0;
    if (raw && r.getRawOutputContentsCount() != r.getOutputsCount()) {
      throw new IllegalArgumentException(
          "response has "
              + r.getOutputsCount()
              + " outputs but "
              + r.getRawOutputContentsCount()
              + " raw_output_contents");
    }
    for (int i = 0; i < r.getOutputsCount(); i++) {
      ModelInferResponse.InferOutputTensor o = r.getOutputs(i);
      DataType type =
          DataType.fromWireName(o.getDatatype())
              .orElseThrow(() ->
                  new IllegalArgumentException(
                      "unknown datatype '"
                          + o.getDatatype()
                          + "' of output '"
                          + o.getName()
                          + "'"));
      Shape shape = Shape.of(o.getShapeList());
      ByteBuffer data =
          raw
              ? r.getRawOutputContents(i).asReadOnlyByteBuffer()
              : fromContents(type, shape, o.getContents());
      outputs.add(
          new InferOutput(
              o.getName(), Tensor.of(type, shape, data), parameters(o.getParametersMap())));
    }
    return new InferResult(
        r.getModelName(),
        r.getModelVersion(),
        r.getId(),
        parameters(r.getParametersMap()),
        outputs);
  }

  private static ByteBuffer fromContents(DataType type, Shape shape, InferTensorContents c) {
    if (type == DataType.BYTES) {
      List<byte[]> elements = new ArrayList<>();
      for (ByteString s : c.getBytesContentsList()) {
        elements.add(s.toByteArray());
      }
      return Tensor.ofBytes(Shape.of(elements.size()), elements).data();
    }
    int n = Math.toIntExact(shape.elementCount());
    ByteBuffer b = ByteBuffer.allocate(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      switch (type) {
        case BOOL -> b.put((byte) (c.getBoolContents(i) ? 1 : 0));
        case INT8 -> b.put((byte) c.getIntContents(i));
        case INT16 -> b.putShort((short) c.getIntContents(i));
        case INT32 -> b.putInt(c.getIntContents(i));
        case INT64 -> b.putLong(c.getInt64Contents(i));
        case UINT8 -> b.put((byte) c.getUintContents(i));
        case UINT16 -> b.putShort((short) c.getUintContents(i));
        case UINT32 -> b.putInt(c.getUintContents(i));
        case UINT64 -> b.putLong(c.getUint64Contents(i));
        case FP32 -> b.putFloat(c.getFp32Contents(i));
        case FP64 -> b.putDouble(c.getFp64Contents(i));
        case FP16, BF16 ->
            throw new IllegalArgumentException(type + " output without raw_output_contents");
        case BYTES -> throw new AssertionError();
      }
    }
    return b.flip();
  }

  static ModelMetadata metadata(ModelMetadataResponse r) {
    return new ModelMetadata(
        r.getName(),
        r.getVersionsList(),
        r.getPlatform(),
        specs(r.getInputsList()),
        specs(r.getOutputsList()));
  }

  private static List<ModelMetadata.TensorSpec> specs(
      List<ModelMetadataResponse.TensorMetadata> in) {
    List<ModelMetadata.TensorSpec> out = new ArrayList<>(in.size());
    for (ModelMetadataResponse.TensorMetadata t : in) {
      long[] shape = new long[t.getShapeCount()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = t.getShape(i);
      }
      out.add(new ModelMetadata.TensorSpec(t.getName(), t.getDatatype(), shape));
    }
    return out;
  }
}
