package io.caracal.server.tfserving;

import com.google.protobuf.ByteString;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.proto.tensorflow.TensorProto;
import io.caracal.proto.tensorflow.TensorShapeProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between TF's {@code TensorProto} and Caracal's {@link Tensor}, as TF's {@code
 * Tensor::FromProto} and {@code AsProtoField} do: in, {@code tensor_content} (raw little-endian
 * bytes) or the typed {@code *_val} field, where fewer values than the shape holds repeat the last
 * one and none fill with zeros (or empty strings); out, always the typed field ({@code float_val},
 * {@code int_val}, ...), which TF Serving's clients read. Stateless.
 */
final class TensorProtos {
  private TensorProtos() {}

  /** Returns Caracal's type of a TF dtype, or null for one Caracal cannot hold. */
  static DataType dataType(io.caracal.proto.tensorflow.DataType t) {
    return switch (t) {
      case DT_FLOAT -> DataType.FP32;
      case DT_DOUBLE -> DataType.FP64;
      case DT_INT32 -> DataType.INT32;
      case DT_UINT8 -> DataType.UINT8;
      case DT_INT16 -> DataType.INT16;
      case DT_INT8 -> DataType.INT8;
      case DT_STRING -> DataType.BYTES;
      case DT_INT64 -> DataType.INT64;
      case DT_BOOL -> DataType.BOOL;
      case DT_UINT16 -> DataType.UINT16;
      case DT_HALF -> DataType.FP16;
      case DT_BFLOAT16 -> DataType.BF16;
      case DT_UINT32 -> DataType.UINT32;
      case DT_UINT64 -> DataType.UINT64;
      default -> throw TfStatus.invalid("Unsupported tensor dtype: " + t.name()).toException();
    };
  }

  /** Returns TF's dtype of a Caracal type. */
  static io.caracal.proto.tensorflow.DataType dtype(DataType t) {
    return io.caracal.proto.tensorflow.DataType.valueOf(
        io.caracal.protocol.tf.TfDtypes.enumName(t));
  }

  /** Returns the dims as a TF shape ({@code -1} for unknown dims; {@code Dim.name} empty). */
  static TensorShapeProto shape(long[] dims) {
    TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
    for (long d : dims) {
      b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return b.build();
  }

  /**
   * Returns the tensor a request sent under {@code alias}.
   *
   * @throws TfStatus.Failure {@code tensor parsing error: <alias>} for content that does not fit
   *     the shape, or an unknown dtype
   */
  static Tensor fromProto(String alias, TensorProto p) {
    DataType t = dataType(p.getDtype());
    long[] dims = new long[p.getTensorShape().getDimCount()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = p.getTensorShape().getDim(i).getSize();
    }
    TfStatus parsing = TfStatus.invalid("tensor parsing error: " + alias);
    Shape shape;
    long n;
    try {
      shape = Shape.of(dims);
      n = shape.hasWildcard() ? -1 : shape.elementCount();
    } catch (RuntimeException e) {
      throw parsing.toException();
    }
    if (n < 0 || n > Integer.MAX_VALUE / 8) {
      throw parsing.toException();
    }
    int count = (int) n;
    if (t == DataType.BYTES) {
      List<byte[]> out = new ArrayList<>(count);
      int have = p.getStringValCount();
      for (int i = 0; i < count; i++) {
        out.add(have == 0 ? new byte[0] : p.getStringVal(Math.min(i, have - 1)).toByteArray());
      }
      return Tensor.ofBytes(shape, out);
    }
    int size = t.byteSize();
    ByteBuffer buf = ByteBuffer.allocateDirect(count * size).order(ByteOrder.LITTLE_ENDIAN);
    if (!p.getTensorContent().isEmpty()) {
      if (p.getTensorContent().size() != (long) count * size) {
        throw parsing.toException();
      }
      p.getTensorContent().copyTo(buf);
      return Tensor.of(t, shape, buf.flip());
    }
    int have = typedCount(t, p);
    for (int i = 0; i < count && have > 0; i++) {
      int j = Math.min(i, have - 1);
      switch (t) {
        case FP32 -> buf.putFloat(p.getFloatVal(j));
        case FP64 -> buf.putDouble(p.getDoubleVal(j));
        case INT32 -> buf.putInt(p.getIntVal(j));
        case INT16, UINT16 -> buf.putShort((short) p.getIntVal(j));
        case INT8, UINT8 -> buf.put((byte) p.getIntVal(j));
        case FP16, BF16 -> buf.putShort((short) p.getHalfVal(j));
        case INT64 -> buf.putLong(p.getInt64Val(j));
        case UINT32 -> buf.putInt(p.getUint32Val(j));
        case UINT64 -> buf.putLong(p.getUint64Val(j));
        case BOOL -> buf.put((byte) (p.getBoolVal(j) ? 1 : 0));
        case BYTES -> throw new IllegalStateException("handled above");
      }
    }
    buf.position(0).limit(count * size); // none sent: zeros
    return Tensor.of(t, shape, buf);
  }

  private static int typedCount(DataType t, TensorProto p) {
    return switch (t) {
      case FP32 -> p.getFloatValCount();
      case FP64 -> p.getDoubleValCount();
      case INT32, INT16, UINT16, INT8, UINT8 -> p.getIntValCount();
      case FP16, BF16 -> p.getHalfValCount();
      case INT64 -> p.getInt64ValCount();
      case UINT32 -> p.getUint32ValCount();
      case UINT64 -> p.getUint64ValCount();
      case BOOL -> p.getBoolValCount();
      case BYTES -> p.getStringValCount();
    };
  }

  /** Returns a tensor as TF Serving returns it: dtype, shape and the typed field. */
  static TensorProto toProto(Tensor tensor) {
    DataType t = tensor.dataType();
    TensorProto.Builder b =
        TensorProto.newBuilder().setDtype(dtype(t)).setTensorShape(shape(tensor.shape().toArray()));
    if (t == DataType.BYTES) {
      for (byte[] e : tensor.bytesElements()) {
        b.addStringVal(ByteString.copyFrom(e));
      }
      return b.build();
    }
    ByteBuffer d = tensor.data();
    while (d.hasRemaining()) {
      switch (t) {
        case FP32 -> b.addFloatVal(d.getFloat());
        case FP64 -> b.addDoubleVal(d.getDouble());
        case INT32 -> b.addIntVal(d.getInt());
        case INT16 -> b.addIntVal(d.getShort());
        case UINT16 -> b.addIntVal(Short.toUnsignedInt(d.getShort()));
        case INT8 -> b.addIntVal(d.get());
        case UINT8 -> b.addIntVal(Byte.toUnsignedInt(d.get()));
        case FP16, BF16 -> b.addHalfVal(Short.toUnsignedInt(d.getShort()));
        case INT64 -> b.addInt64Val(d.getLong());
        case UINT32 -> b.addUint32Val(d.getInt());
        case UINT64 -> b.addUint64Val(d.getLong());
        case BOOL -> b.addBoolVal(d.get() != 0);
        case BYTES -> throw new IllegalStateException("handled above");
      }
    }
    return b.build();
  }
}
