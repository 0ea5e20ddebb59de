package io.caracal.backend.tensorflow;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ndarray.buffer.DataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TString;

/**
 * Converts tensors between Caracal's V2 binary encoding and TF Java. Fixed-size elements are copied
 * as raw little-endian bytes (TensorFlow's host order on x86-64, the one platform its natives are
 * shipped for here; BOOL is one byte on both sides). BYTES elements are TensorFlow strings, byte
 * for byte: no UTF-8 decoding, so any bytes pass.
 */
final class TfTensors {
  private TfTensors() {}

  /** Creates a TensorFlow tensor holding a copy of {@code tensor}; the caller closes it. */
  static org.tensorflow.Tensor toTf(Tensor tensor) {
    org.tensorflow.ndarray.Shape shape = org.tensorflow.ndarray.Shape.of(tensor.shape().toArray());
    if (tensor.dataType() == DataType.BYTES) {
      List<byte[]> elements = tensor.bytesElements();
      DataBuffer<byte[]> buffer = DataBuffers.ofObjects(byte[].class, elements.size());
      for (int i = 0; i < elements.size(); i++) {
        buffer.setObject(elements.get(i), i);
      }
      return TString.tensorOfBytes(shape, buffer);
    }
    ByteBuffer data = tensor.data().slice().order(ByteOrder.LITTLE_ENDIAN);
    return org.tensorflow.Tensor.of(
        TfTypes.tensorClass(tensor.dataType()), shape, DataBuffers.of(data));
  }

  /** Copies a TensorFlow tensor whose V2 type is {@code type} out of TensorFlow's memory. */
  static Tensor fromTf(org.tensorflow.Tensor value, DataType type) {
    Shape shape = Shape.of(value.shape().asArray());
    if (type == DataType.BYTES) {
      List<byte[]> out = new ArrayList<>(Math.toIntExact(shape.elementCount()));
      ((TString) value).asBytes().scalars().forEach(s -> out.add(s.getObject()));
      return Tensor.ofBytes(shape, out);
    }
    byte[] bytes = new byte[Math.toIntExact(value.numBytes())];
    value.asRawTensor().data().read(bytes);
    return Tensor.of(type, shape, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
  }
}
