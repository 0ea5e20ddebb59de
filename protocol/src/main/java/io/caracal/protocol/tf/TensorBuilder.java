package io.caracal.protocol.tf;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Collects the elements of one input from JSON values ({@code FillTensorProto} and {@code
 * AddValueToTensor} of TF's {@code json_tensor.cc}): the shape of a value follows its first
 * elements, every leaf must sit at that depth and every list must have that length, and each leaf
 * is checked against the dtype. Not thread-safe; one per input per request.
 */
final class TensorBuilder {
  private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger UINT32_MAX = BigInteger.valueOf(0xFFFF_FFFFL);
  private static final BigInteger UINT64_MAX =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private final DataType dtype;
  private final ByteArrayOutputStream fixed = new ByteArrayOutputStream();
  private final List<byte[]> strings = new ArrayList<>();
  private final byte[] scratch = new byte[8];
  private int count;

  TensorBuilder(DataType dtype) {
    this.dtype = dtype;
  }

  /** Returns the dims of {@code v} from its first elements ({@code GetDenseTensorShape}). */
  static List<Long> shapeOf(TfJson v) {
    List<Long> dims = new ArrayList<>();
    TfJson cur = v;
    while (cur instanceof TfJson.JArray a) {
      dims.add((long) a.elements().size());
      if (a.elements().isEmpty()) {
        break;
      }
      cur = a.elements().get(0);
    }
    return dims;
  }

  /**
   * Adds the elements of {@code v}, whose shape must be {@code dims}; returns how many it added.
   */
  int add(TfJson v, List<Long> dims) {
    int before = count;
    fill(v, 0, dims);
    return count - before;
  }

  private void fill(TfJson v, int level, List<Long> dims) {
    int rank = dims.size();
    if (!(v instanceof TfJson.JArray a)) {
      if (level != rank) {
        throw TfJsonException.invalid(
            "JSON Value: "
                + TfJson.render(v)
                + " found at incorrect level: "
                + (level + 1)
                + " in the JSON DOM. Expected at level: "
                + rank);
      }
      if (v instanceof TfJson.JObject o) {
        if (dtype == DataType.BYTES) {
          addBase64(o);
        } else {
          throw typeError(v);
        }
      } else {
        addValue(v);
      }
      count++;
      return;
    }
    if (level >= rank) {
      throw TfJsonException.invalid(
          "Encountered list at unexpected level: " + level + " expected < " + rank);
    }
    if (a.elements().size() != dims.get(level)) {
      throw TfJsonException.invalid(
          "Encountered list at unexpected size: "
              + a.elements().size()
              + " at level: "
              + level
              + " expected size: "
              + dims.get(level));
    }
    for (TfJson e : a.elements()) {
      fill(e, level + 1, dims);
    }
  }

  private void addBase64(TfJson.JObject o) {
    if (!o.isBase64()) {
      throw TfJsonException.invalid(
          "JSON Value: " + TfJson.render(o) + " not formatted correctly for base64 data");
    }
    String text = ((TfJson.JString) java.util.Objects.requireNonNull(o.get("b64"))).value();
    try {
      strings.add(Base64.getDecoder().decode(text));
    } catch (IllegalArgumentException e) {
      throw TfJsonException.invalid("Unable to base64 decode");
    }
  }

  private TfJsonException typeError(TfJson v) {
    return TfJsonException.invalid(
        "JSON Value: "
            + TfJson.render(v)
            + " Type: "
            + v.typeName()
            + " is not of expected type: "
            + TfDtypes.shortName(dtype));
  }

  private void addValue(TfJson v) {
    switch (dtype) {
      case FP32 -> putInt(Float.floatToRawIntBits((float) number(v).doubleValue()), 4);
      case FP64 -> putLong(Double.doubleToRawLongBits(number(v).doubleValue()), 8);
      case INT32, INT16, INT8, UINT8 -> {
        // rapidjson IsInt: an integer token that fits int32; narrower types wrap, as TF's do
        long x =
            integer(
                v, BigInteger.valueOf(Integer.MIN_VALUE), BigInteger.valueOf(Integer.MAX_VALUE));
        putLong(x, dtype.byteSize());
      }
      case INT64 -> putLong(integer(v, INT64_MIN, INT64_MAX), 8);
      case UINT32 -> putLong(integer(v, BigInteger.ZERO, UINT32_MAX), 4);
      case UINT64 -> putLong(integer(v, BigInteger.ZERO, UINT64_MAX), 8);
      case BOOL -> {
        if (!(v instanceof TfJson.JBool b)) {
          throw typeError(v);
        }
        fixed.write(b.value() ? 1 : 0);
      }
      case BYTES -> {
        if (!(v instanceof TfJson.JString s)) {
          throw typeError(v);
        }
        strings.add(s.value().getBytes(StandardCharsets.UTF_8));
      }
      case FP16, BF16, UINT16 ->
          throw TfJsonException.unimplemented(
              "Conversion of JSON Value: "
                  + TfJson.render(v)
                  + " to type: "
                  + TfDtypes.shortName(dtype));
    }
  }

  private TfJson.JNumber number(TfJson v) {
    if (v instanceof TfJson.JNumber n) {
      return n;
    }
    throw typeError(v);
  }

  /** Returns an integer token within [min, max] (two's complement bits for uint64). */
  private long integer(TfJson v, BigInteger min, BigInteger max) {
    if (v instanceof TfJson.JNumber n && n.integral()) {
      BigInteger x = n.integer();
      if (x != null && x.compareTo(min) >= 0 && x.compareTo(max) <= 0) {
        return x.longValue();
      }
    }
    throw typeError(v);
  }

  private void putInt(int bits, int size) {
    putLong(bits, size);
  }

  private void putLong(long bits, int size) {
    for (int i = 0; i < size; i++) {
      scratch[i] = (byte) (bits >>> (8 * i));
    }
    fixed.write(scratch, 0, size);
  }

  /** Returns the collected elements as a tensor of {@code shape}. */
  Tensor build(Shape shape) {
    if (dtype == DataType.BYTES) {
      return Tensor.ofBytes(shape, strings);
    }
    byte[] b = fixed.toByteArray();
    ByteBuffer buf = ByteBuffer.allocateDirect(b.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(b).flip();
    return Tensor.of(dtype, shape, buf);
  }
}
