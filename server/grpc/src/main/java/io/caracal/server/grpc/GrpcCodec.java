package io.caracal.server.grpc;

import com.google.protobuf.ByteString;
import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelStatus;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.RequestedOutput;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.TensorMetadata;
import io.caracal.core.ModelRef;
import io.caracal.core.repository.ModelNames;
import io.caracal.proto.inference.InferParameter;
import io.caracal.proto.inference.InferStatistics;
import io.caracal.proto.inference.InferTensorContents;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.caracal.proto.inference.ModelMetadataResponse;
import io.caracal.proto.inference.RepositoryIndexResponse;
import io.caracal.proto.inference.StatisticDuration;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * Converts between the gRPC messages and core's values. Validation is as strict as the REST
 * codec's, with the same messages: shapes are non-negative and their element counts
 * overflow-checked, raw contents must hold exactly the shape's bytes (BYTES: exactly its count of
 * length-prefixed elements), typed contents exactly its count of values, each in range of the
 * datatype. Nothing is allocated before the sizes are checked. Stateless.
 */
final class GrpcCodec {
  /** Most dimensions a request shape may have before core's own rank limit applies. */
  static final int MAX_DIMS = 64;

  private GrpcCodec() {}

  // ---- inference requests ---------------------------------------------------------------------

  /** Decodes and checks an inference request. */
  static InferenceRequest decodeInfer(ModelInferRequest r) {
    ModelRef ref = ModelRef.parse(r.getModelName(), r.getModelVersion());
    String model = ref.name();
    OptionalLong version = ref.version();
    int n = r.getInputsCount();
    if (n == 0) {
      throw InferenceException.invalid("inputs", "the request has no 'inputs'");
    }
    int rawCount = r.getRawInputContentsCount();
    boolean raw = rawCount > 0;
    if (raw && rawCount != n) {
      throw InferenceException.invalid(
          "raw_input_contents",
          "expected "
              + n
              + " entries in 'raw_input_contents' (one per input, in input order) for model '"
              + model
              + "', got "
              + rawCount);
    }
    Map<String, ParameterValue> params = parameters(r.getParametersMap(), "the request");
    List<NamedTensor> inputs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ModelInferRequest.InferInputTensor in = r.getInputs(i);
      String name = in.getName();
      if (name.isEmpty()) {
        throw InferenceException.invalid("inputs", "an input has no 'name'");
      }
      DataType dt =
          DataType.fromWireName(in.getDatatype())
              .orElseThrow(() ->
                  InferenceException.invalid(
                      name,
                      "invalid datatype '"
                          + ModelNames.printable(in.getDatatype())
                          + "' for input '"
                          + name
                          + "'"));
      Shape shape = shape(in.getShapeList(), name, model);
      long count;
      try {
        count = shape.elementCount();
      } catch (ArithmeticException e) {
        throw InferenceException.invalid(
            name, "shape " + shape + " of input '" + name + "' has too many elements");
      }
      rejectSharedMemory(parameters(in.getParametersMap(), "input '" + name + "'"), "input", name);
      Tensor t;
      if (raw) {
        if (in.hasContents()) {
          throw InferenceException.invalid(
              name,
              "contents field must not be specified when using raw_input_contents for '"
                  + name
                  + "' for model '"
                  + model
                  + "'");
        }
        t = rawTensor(r.getRawInputContents(i), dt, shape, count, name, model);
      } else {
        t = typedTensor(in.getContents(), dt, shape, count, name, model);
      }
      inputs.add(new NamedTensor(name, t));
    }
    List<RequestedOutput> outputs = new ArrayList<>(r.getOutputsCount());
    for (ModelInferRequest.InferRequestedOutputTensor o : r.getOutputsList()) {
      if (o.getName().isEmpty()) {
        throw InferenceException.invalid("outputs", "a requested output has no 'name'");
      }
      Map<String, ParameterValue> op =
          parameters(o.getParametersMap(), "output '" + o.getName() + "'");
      rejectSharedMemory(op, "output", o.getName());
      outputs.add(new RequestedOutput(o.getName(), op));
    }
    return new InferenceRequest(model, version, r.getId(), inputs, outputs, params);
  }

  private static Shape shape(List<Long> dims, String name, String model) {
    if (dims.size() > MAX_DIMS) {
      throw InferenceException.invalid(
          name, "'shape' of input '" + name + "' has more than " + MAX_DIMS + " dimensions");
    }
    Shape s = Shape.of(dims);
    if (s.hasWildcard()) {
      throw InferenceException.invalid(
          name,
          "All input dimensions should be specified for input '"
              + name
              + "' for model '"
              + model
              + "', got "
              + s);
    }
    return s;
  }

  private static Tensor rawTensor(
      ByteString raw, DataType dt, Shape shape, long count, String name, String model) {
    int size = raw.size();
    if (dt.isFixedSize()) {
      long expected;
      try {
        expected = Math.multiplyExact(count, dt.byteSize());
      } catch (ArithmeticException e) {
        throw InferenceException.invalid(
            name, "shape " + shape + " of input '" + name + "' has too many elements");
      }
      if (expected != size) {
        throw InferenceException.invalid(
            name,
            "input byte size mismatch for input '"
                + name
                + "' for model '"
                + model
                + "'. Expected "
                + expected
                + ", got "
                + size);
      }
    } else {
      if (count > size / 4) {
        throw InferenceException.invalid(
            name,
            "shape "
                + shape
                + " of input '"
                + name
                + "' needs at least "
                + count
                + " length-prefixed elements, more than its "
                + size
                + " bytes of raw data hold");
      }
      long found = Tensor.countBytesElements(raw.asReadOnlyByteBuffer());
      if (found != count) {
        throw InferenceException.invalid(
            name,
            found < 0
                ? "malformed BYTES data for input '"
                    + name
                    + "' for model '"
                    + model
                    + "': an element length runs past the end of its raw data"
                : "expected "
                    + count
                    + " string elements for input '"
                    + name
                    + "' for model '"
                    + model
                    + "', got "
                    + found);
      }
    }
    ByteBuffer copy = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
    raw.copyTo(copy);
    copy.flip();
    return of(dt, shape, copy, name);
  }

  private static Tensor typedTensor(
      InferTensorContents c, DataType dt, Shape shape, long count, String name, String model) {
    String field = contentsField(dt);
    if (field == null) {
      throw InferenceException.invalid(
          name,
          dt
              + " data of input '"
              + name
              + "' must be sent in 'raw_input_contents': typed contents have no field for "
              + dt);
    }
    int given = contentsCount(c, dt);
    int total =
        c.getBoolContentsCount()
            + c.getIntContentsCount()
            + c.getInt64ContentsCount()
            + c.getUintContentsCount()
            + c.getUint64ContentsCount()
            + c.getFp32ContentsCount()
            + c.getFp64ContentsCount()
            + c.getBytesContentsCount();
    if (total != given) {
      throw InferenceException.invalid(
          name,
          "input '"
              + name
              + "' of datatype "
              + dt
              + " takes its data in '"
              + field
              + "' (or 'raw_input_contents'), but other contents fields are set");
    }
    if (given != count) {
      throw InferenceException.invalid(
          name,
          "unexpected number of elements in '"
              + field
              + "' of input '"
              + name
              + "' for model '"
              + model
              + "': shape "
              + shape
              + " needs "
              + count
              + ", got "
              + given);
    }
    int n = given;
    ByteBuffer buf;
    if (dt == DataType.BYTES) {
      long size = 0;
      for (ByteString b : c.getBytesContentsList()) {
        size += 4L + b.size();
      }
      if (size > Integer.MAX_VALUE - 16) {
        throw InferenceException.of(
            new InferenceError.RequestTooLarge("BYTES data of input '" + name + "' is too large"));
      }
      buf = ByteBuffer.allocateDirect((int) size).order(ByteOrder.LITTLE_ENDIAN);
      for (ByteString b : c.getBytesContentsList()) {
        buf.putInt(b.size());
        b.copyTo(buf);
      }
      return of(dt, shape, buf.flip(), name);
    }
    buf =
        ByteBuffer.allocateDirect(Math.multiplyExact(n, dt.byteSize()))
            .order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      switch (dt) {
        case BOOL -> buf.put((byte) (c.getBoolContents(i) ? 1 : 0));
        case INT8 ->
            buf.put((byte) ranged(c.getIntContents(i), Byte.MIN_VALUE, Byte.MAX_VALUE, dt, name));
        case INT16 ->
            buf.putShort(
                (short) ranged(c.getIntContents(i), Short.MIN_VALUE, Short.MAX_VALUE, dt, name));
        case INT32 -> buf.putInt(c.getIntContents(i));
        case INT64 -> buf.putLong(c.getInt64Contents(i));
        case UINT8 ->
            buf.put((byte) ranged(Integer.toUnsignedLong(c.getUintContents(i)), 0, 0xFF, dt, name));
        case UINT16 ->
            buf.putShort(
                (short) ranged(Integer.toUnsignedLong(c.getUintContents(i)), 0, 0xFFFF, dt, name));
        case UINT32 -> buf.putInt(c.getUintContents(i));
        case UINT64 -> buf.putLong(c.getUint64Contents(i));
        case FP32 -> buf.putFloat(c.getFp32Contents(i));
        case FP64 -> buf.putDouble(c.getFp64Contents(i));
        case FP16, BF16, BYTES -> throw new IllegalStateException("handled above: " + dt);
      }
    }
    return of(dt, shape, buf.flip(), name);
  }

  private static long ranged(long v, long min, long max, DataType dt, String name) {
    if (v < min || v > max) {
      throw InferenceException.invalid(
          name,
          "value "
              + v
              + " of input '"
              + name
              + "' is out of range for "
              + dt
              + " ["
              + min
              + ", "
              + max
              + "]");
    }
    return v;
  }

  /**
   * Returns the typed contents field that carries {@code dt}, or null for FP16 and BF16 (raw only).
   */
  static @Nullable String contentsField(DataType dt) {
    return switch (dt) {
      case BOOL -> "bool_contents";
      case INT8, INT16, INT32 -> "int_contents";
      case INT64 -> "int64_contents";
      case UINT8, UINT16, UINT32 -> "uint_contents";
      case UINT64 -> "uint64_contents";
      case FP32 -> "fp32_contents";
      case FP64 -> "fp64_contents";
      case BYTES -> "bytes_contents";
      case FP16, BF16 -> null;
    };
  }

  private static int contentsCount(InferTensorContents c, DataType dt) {
    return switch (dt) {
      case BOOL -> c.getBoolContentsCount();
      case INT8, INT16, INT32 -> c.getIntContentsCount();
      case INT64 -> c.getInt64ContentsCount();
      case UINT8, UINT16, UINT32 -> c.getUintContentsCount();
      case UINT64 -> c.getUint64ContentsCount();
      case FP32 -> c.getFp32ContentsCount();
      case FP64 -> c.getFp64ContentsCount();
      case BYTES -> c.getBytesContentsCount();
      case FP16, BF16 -> 0;
    };
  }

  private static Tensor of(DataType dt, Shape shape, ByteBuffer data, String name) {
    try {
      return Tensor.of(dt, shape, data);
    } catch (IllegalArgumentException e) {
      throw InferenceException.invalid(name, "input '" + name + "': " + e.getMessage());
    }
  }

  private static Map<String, ParameterValue> parameters(
      Map<String, InferParameter> in, String where) {
    if (in.isEmpty()) {
      return Map.of();
    }
    Map<String, ParameterValue> out = new LinkedHashMap<>();
    for (Map.Entry<String, InferParameter> e : in.entrySet()) {
      String k = e.getKey();
      if (k.startsWith("triton_")) {
        throw InferenceException.invalid(
            k,
            "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.");
      }
      InferParameter p = e.getValue();
      String shown = "parameter '" + ModelNames.printable(k) + "' of " + where;
      ParameterValue v =
          switch (p.getParameterChoiceCase()) {
            case BOOL_PARAM -> new ParameterValue.Bool(p.getBoolParam());
            case INT64_PARAM -> new ParameterValue.Int(p.getInt64Param());
            case STRING_PARAM -> new ParameterValue.Str(p.getStringParam());
            case DOUBLE_PARAM -> {
              if (!Double.isFinite(p.getDoubleParam())) {
                throw InferenceException.invalid(k, shown + " is out of range");
              }
              yield new ParameterValue.Real(p.getDoubleParam());
            }
            case UINT64_PARAM -> {
              if (p.getUint64Param() < 0) {
                throw InferenceException.invalid(k, shown + " is out of range");
              }
              yield new ParameterValue.Int(p.getUint64Param());
            }
            case PARAMETERCHOICE_NOT_SET ->
                throw InferenceException.invalid(k, shown + " has no value");
          };
      out.put(k, v);
    }
    return out;
  }

  private static void rejectSharedMemory(
      Map<String, ParameterValue> params, String kind, String name) {
    for (String k : params.keySet()) {
      if (k.startsWith("shared_memory_")) {
        throw InferenceException.invalid(
            name,
            "shared memory is not supported by this server (parameter '"
                + k
                + "' of "
                + kind
                + " '"
                + name
                + "')");
      }
    }
  }

  // ---- responses ------------------------------------------------------------------------------

  /** Encodes a response: every output's data in {@code raw_output_contents}, in output order. */
  static ModelInferResponse encodeInfer(InferenceResponse resp) {
    ModelInferResponse.Builder b =
        ModelInferResponse.newBuilder()
            .setModelName(resp.modelName())
            .setModelVersion(Long.toString(resp.modelVersion()))
            .setId(resp.id());
    resp.parameters().forEach((k, v) -> b.putParameters(k, parameter(v)));
    for (NamedTensor o : resp.outputs()) {
      Tensor t = o.tensor();
      ModelInferResponse.InferOutputTensor.Builder ob =
          ModelInferResponse.InferOutputTensor.newBuilder()
              .setName(o.name())
              .setDatatype(t.dataType().wireName());
      for (long d : t.shape().toArray()) {
        ob.addShape(d);
      }
      b.addOutputs(ob);
      b.addRawOutputContents(ByteString.copyFrom(t.data()));
    }
    return b.build();
  }

  static InferParameter parameter(ParameterValue v) {
    return switch (v) {
      case ParameterValue.Bool x -> InferParameter.newBuilder().setBoolParam(x.value()).build();
      case ParameterValue.Int x -> InferParameter.newBuilder().setInt64Param(x.value()).build();
      case ParameterValue.Real x -> InferParameter.newBuilder().setDoubleParam(x.value()).build();
      case ParameterValue.Str x -> InferParameter.newBuilder().setStringParam(x.value()).build();
    };
  }

  static ModelMetadataResponse metadata(ModelMetadata md) {
    ModelMetadataResponse.Builder b =
        ModelMetadataResponse.newBuilder()
            .setName(md.name())
            .addAllVersions(md.versions())
            .setPlatform(md.platform());
    for (TensorMetadata t : md.inputs()) {
      b.addInputs(tensorMetadata(t));
    }
    for (TensorMetadata t : md.outputs()) {
      b.addOutputs(tensorMetadata(t));
    }
    return b.build();
  }

  private static ModelMetadataResponse.TensorMetadata tensorMetadata(TensorMetadata t) {
    ModelMetadataResponse.TensorMetadata.Builder b =
        ModelMetadataResponse.TensorMetadata.newBuilder()
            .setName(t.name())
            .setDatatype(t.dataType().wireName());
    for (long d : t.shape().toArray()) {
      b.addShape(d);
    }
    return b.build();
  }

  static RepositoryIndexResponse index(List<ModelStatus> models, boolean readyOnly) {
    RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
    for (ModelStatus s : models) {
      if (readyOnly && s.state() != io.caracal.api.ModelState.READY) {
        continue;
      }
      b.addModels(
          RepositoryIndexResponse.ModelIndex.newBuilder()
              .setName(s.name())
              .setVersion(s.version() > 0 ? Long.toString(s.version()) : "")
              .setState(s.state().name())
              .setReason(s.reason()));
    }
    return b.build();
  }

  static io.caracal.proto.inference.ModelStatistics statistics(io.caracal.api.ModelStatistics s) {
    io.caracal.api.ModelStatistics.InferStats i = s.inference();
    io.caracal.proto.inference.ModelStatistics.Builder b =
        io.caracal.proto.inference.ModelStatistics.newBuilder()
            .setName(s.name())
            .setVersion(Long.toString(s.version()))
            .setLastInference(s.lastInferenceMillis())
            .setInferenceCount(s.inferenceCount())
            .setExecutionCount(s.executionCount())
            .setInferenceStats(
                InferStatistics.newBuilder()
                    .setSuccess(duration(i.success()))
                    .setFail(duration(i.fail()))
                    .setQueue(duration(i.queue()))
                    .setComputeInput(duration(i.computeInput()))
                    .setComputeInfer(duration(i.computeInfer()))
                    .setComputeOutput(duration(i.computeOutput()))
                    .setCacheHit(duration(i.cacheHit()))
                    .setCacheMiss(duration(i.cacheMiss())));
    for (io.caracal.api.ModelStatistics.BatchStats bs : s.batches()) {
      b.addBatchStats(
          io.caracal.proto.inference.InferBatchStatistics.newBuilder()
              .setBatchSize(bs.batchSize())
              .setComputeInput(duration(bs.computeInput()))
              .setComputeInfer(duration(bs.computeInfer()))
              .setComputeOutput(duration(bs.computeOutput())));
    }
    return b.build();
  }

  private static StatisticDuration duration(io.caracal.api.ModelStatistics.Duration d) {
    return StatisticDuration.newBuilder().setCount(d.count()).setNs(d.nanos()).build();
  }

  /** Reads core's configuration document as Triton's ModelConfig message. */
  static io.caracal.proto.inference.ModelConfig modelConfig(
      io.caracal.core.ModelConfigDocument doc) {
    try {
      return io.caracal.proto.inference.ModelConfig.parseFrom(doc.toByteArray());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException("core returned a configuration that does not parse", e);
    }
  }
}
