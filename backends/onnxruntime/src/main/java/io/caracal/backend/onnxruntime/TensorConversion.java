package io.caracal.backend.onnxruntime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Converts tensors between Caracal's V2 binary encoding and ONNX Runtime.
 *
 * <p>ORT Java can create input tensors of BOOL, INT8, INT16, INT32, INT64, UINT8, FP16, BF16, FP32,
 * FP64 and STRING ({@link OnnxJavaType} has no UINT16, UINT32 or UINT64), and can read outputs of
 * all of those plus UINT16, UINT32 and UINT64 (which it reports as the signed type of the same
 * width; the bytes are the same). UINT16, UINT32 and UINT64 inputs are fed as INT16, INT32 and
 * INT64 tensors over the same bytes, which is what a model rewritten by {@link
 * UnsignedInputRewriter} expects. Fixed-size data is handed over as raw little-endian bytes (the
 * host order of every platform ORT ships for).
 */
final class TensorConversion {
  private TensorConversion() {}

  /** Returns the V2 datatype of an ONNX element type, if we carry it at all. */
  static Optional<DataType> dataType(OnnxTensorType t) {
    return Optional.ofNullable(
        switch (t) {
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DataType.BOOL;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DataType.UINT8;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DataType.UINT16;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DataType.UINT32;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DataType.UINT64;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DataType.INT8;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DataType.INT16;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DataType.INT32;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DataType.INT64;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DataType.FP16;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> DataType.BF16;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DataType.FP32;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DataType.FP64;
          case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DataType.BYTES;
          default -> null;
        });
  }

  /**
   * Returns whether ORT Java can create an input tensor of this type (UINT16/32/64 only because
   * they are fed as the signed type; the model must have been rewritten to take that).
   */
  static boolean canFeed(DataType t) {
    return t == DataType.BYTES || javaType(t).isPresent();
  }

  /** Returns INT16, INT32, INT64 for UINT16, UINT32, UINT64, and the type itself otherwise. */
  static DataType signedOfSameWidth(DataType t) {
    return switch (t) {
      case UINT16 -> DataType.INT16;
      case UINT32 -> DataType.INT32;
      case UINT64 -> DataType.INT64;
      default -> t;
    };
  }

  private static Optional<OnnxJavaType> javaType(DataType t) {
    return Optional.ofNullable(
        switch (t) {
          case BOOL -> OnnxJavaType.BOOL;
          case UINT8 -> OnnxJavaType.UINT8;
          case INT8 -> OnnxJavaType.INT8;
          case INT16, UINT16 -> OnnxJavaType.INT16;
          case INT32, UINT32 -> OnnxJavaType.INT32;
          case INT64, UINT64 -> OnnxJavaType.INT64;
          case FP16 -> OnnxJavaType.FLOAT16;
          case BF16 -> OnnxJavaType.BFLOAT16;
          case FP32 -> OnnxJavaType.FLOAT;
          case FP64 -> OnnxJavaType.DOUBLE;
          case BYTES -> null;
        });
  }

  /**
   * Creates an ORT tensor over the data of input {@code name}: a direct buffer is passed as is (no
   * copy), a heap buffer is copied once into a direct one. BYTES elements become Java strings,
   * because ORT Java carries string tensors only as text: an element that is not valid UTF-8 is
   * refused (an {@link IllegalArgumentException} naming the input and the element), never altered.
   */
  static OnnxTensor toOnnx(OrtEnvironment env, String name, Tensor tensor) throws OrtException {
    long[] shape = tensor.shape().toArray();
    if (tensor.dataType() == DataType.BYTES) {
      List<byte[]> elements = tensor.bytesElements();
      String[] strings = new String[elements.size()];
      java.nio.charset.CharsetDecoder utf8 =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
              .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
      for (int i = 0; i < strings.length; i++) {
        try {
          strings[i] = utf8.decode(ByteBuffer.wrap(elements.get(i))).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
          throw new IllegalArgumentException(
              "input '"
                  + name
                  + "' element "
                  + i
                  + " is not valid UTF-8: ONNX Runtime takes BYTES elements"
                  + " as UTF-8 text, so arbitrary bytes cannot be passed to this model");
        }
      }
      return OnnxTensor.createTensor(env, strings, shape);
    }
    OnnxJavaType type =
        javaType(tensor.dataType())
            .orElseThrow(() ->
                new IllegalArgumentException(
                    "ONNX Runtime Java cannot take " + tensor.dataType() + " inputs"));
    ByteBuffer data = tensor.data();
    if (!data.isDirect()) {
      ByteBuffer direct =
          ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
      data = direct.put(data).flip();
    }
    return OnnxTensor.createTensor(env, data, shape, type);
  }

  /** Converts an ORT output tensor whose V2 type is {@code type}. */
  static Tensor fromOnnx(OnnxTensor value, DataType type) throws OrtException {
    TensorInfo info = value.getInfo();
    Shape shape = Shape.of(info.getShape());
    if (type == DataType.BYTES) {
      List<String> strings = new ArrayList<>();
      flatten(value.getValue(), strings);
      return Tensor.ofStrings(shape, strings);
    }
    ByteBuffer bytes = value.getByteBuffer();
    return Tensor.of(type, shape, bytes.order(ByteOrder.LITTLE_ENDIAN));
  }

  /**
   * Converts a ZipMap output (a sequence of maps, one per row) into an FP32 {@code [rows, labels]}
   * tensor.
   */
  static Tensor fromZipMap(OnnxValue value, ZipMapOutput spec) throws OrtException {
    if (!(value instanceof OnnxSequence seq)) {
      throw new IllegalStateException("output " + spec.name() + " is not a sequence");
    }
    List<? extends OnnxValue> rows = seq.getValue();
    int n = spec.labels().size();
    Object[] keys = new Object[n];
    for (int j = 0; j < n; j++) {
      keys[j] =
          spec.int64Keys() ? (Object) Long.valueOf(spec.labels().get(j)) : spec.labels().get(j);
    }
    ByteBuffer out = ByteBuffer.allocate(rows.size() * n * 4).order(ByteOrder.LITTLE_ENDIAN);
    try {
      for (OnnxValue row : rows) {
        Map<? extends Object, ? extends Object> map = ((OnnxMap) row).getValue();
        for (Object key : keys) {
          Object p = map.get(key);
          out.putFloat(p instanceof Number num ? num.floatValue() : 0f);
        }
      }
    } finally {
      rows.forEach(OnnxValue::close);
    }
    return Tensor.of(DataType.FP32, Shape.of(rows.size(), n), out.flip());
  }

  private static void flatten(Object value, List<String> out) {
    if (value instanceof String s) {
      out.add(s);
    } else if (value instanceof Object[] array) {
      for (Object o : array) {
        flatten(o, out);
      }
    } else {
      throw new IllegalStateException(
          "unexpected string tensor element " + value.getClass().getSimpleName());
    }
  }
}
