package io.caracal.core.inference;

import io.caracal.api.DataType;
import io.caracal.api.InferenceException;
import io.caracal.api.ParameterValue;
import io.caracal.api.RequestedOutput;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Triton's classification extension: a requested output with the parameter {@code classification:
 * K} is returned as a BYTES tensor of the top {@code min(K, n)} entries of each batch row instead
 * of the tensor itself. Each element is {@code "<value>:<index>"}, or {@code
 * "<value>:<index>:<label>"} when the output has a label for that index, in descending order of
 * value (ties: lower index first; NaN last). The shape is {@code [batch, min(K, n)]} for batching
 * models and {@code [min(K, n)]} otherwise, where {@code n} is the number of elements per row.
 * Values are formatted as C++ {@code std::to_string} formats them: integers as integers, floats
 * with six decimals. Stateless and thread-safe.
 */
public final class Classifier {
  /** The output parameter that asks for classification. */
  public static final String PARAMETER = "classification";

  private Classifier() {}

  /**
   * Returns the classification count each requested output asks for (outputs without it are
   * absent).
   *
   * @throws InferenceException {@code InvalidInput} naming the output when the count is not a
   *     positive integer
   */
  public static Map<String, Integer> requested(List<RequestedOutput> outputs) {
    Map<String, Integer> out = new java.util.HashMap<>();
    for (RequestedOutput o : outputs) {
      ParameterValue v = o.parameters().get(PARAMETER);
      if (v == null) {
        continue;
      }
      OptionalInt k = count(v);
      if (k.isEmpty()) {
        throw InferenceException.invalid(
            o.name(),
            "output '" + o.name() + "': parameter 'classification' must be a positive integer");
      }
      out.put(o.name(), k.getAsInt());
    }
    return out;
  }

  private static OptionalInt count(ParameterValue v) {
    if (v instanceof ParameterValue.Int(long k) && k > 0) {
      return OptionalInt.of((int) Math.min(k, Integer.MAX_VALUE));
    }
    return OptionalInt.empty();
  }

  /**
   * Classifies one output tensor.
   *
   * @param name the output name, for messages
   * @param tensor the output as the model produced it (with its batch dimension when batching)
   * @param k how many classes per row, at least 1
   * @param batching whether the first dimension is the batch dimension
   * @param labels class labels by index (may be shorter than the row, or empty)
   * @throws InferenceException {@code InvalidInput} for a BYTES output
   */
  public static Tensor classify(
      String name, Tensor tensor, int k, boolean batching, List<String> labels) {
    if (tensor.dataType() == DataType.BYTES) {
      throw InferenceException.invalid(
          name, "output '" + name + "': classification is not supported for BYTES outputs");
    }
    Shape shape = tensor.shape();
    long rows = batching && shape.rank() > 0 ? shape.dim(0) : 1;
    long total = shape.elementCount();
    int perRow = rows == 0 ? 0 : Math.toIntExact(total / rows);
    int top = Math.min(k, perRow);
    ByteBuffer data = tensor.data();
    List<String> out = new ArrayList<>(Math.toIntExact(rows * top));
    Integer[] order = new Integer[perRow];
    double[] values = new double[perRow];
    for (long r = 0; r < rows; r++) {
      long base = r * perRow;
      for (int i = 0; i < perRow; i++) {
        values[i] = asDouble(tensor.dataType(), data, base + i);
        order[i] = i;
      }
      Arrays.sort(order, byDescendingValue(values));
      for (int j = 0; j < top; j++) {
        int idx = order[j];
        String s = format(tensor.dataType(), data, base + idx) + ":" + idx;
        if (idx < labels.size()) {
          s = s + ":" + labels.get(idx);
        }
        out.add(s);
      }
    }
    Shape result = batching && shape.rank() > 0 ? Shape.of(rows, top) : Shape.of(top);
    return Tensor.ofStrings(result, out);
  }

  private static Comparator<Integer> byDescendingValue(double[] values) {
    return (a, b) -> {
      double x = values[a];
      double y = values[b];
      boolean xn = Double.isNaN(x);
      boolean yn = Double.isNaN(y);
      if (xn || yn) {
        return xn == yn ? Integer.compare(a, b) : (xn ? 1 : -1);
      }
      int c = Double.compare(y, x);
      if (c == 0 || (x == 0 && y == 0)) {
        return Integer.compare(a, b);
      }
      return c;
    };
  }

  private static double asDouble(DataType t, ByteBuffer b, long index) {
    int i = Math.toIntExact(index * t.byteSize());
    return switch (t) {
      case BOOL -> b.get(i) != 0 ? 1 : 0;
      case UINT8 -> Byte.toUnsignedInt(b.get(i));
      case UINT16 -> Short.toUnsignedInt(b.getShort(i));
      case UINT32 -> Integer.toUnsignedLong(b.getInt(i));
      case UINT64 -> {
        long v = b.getLong(i);
        yield v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
      }
      case INT8 -> b.get(i);
      case INT16 -> b.getShort(i);
      case INT32 -> b.getInt(i);
      case INT64 -> b.getLong(i);
      case FP16 -> Float.float16ToFloat(b.getShort(i));
      case BF16 -> Float.intBitsToFloat((b.getShort(i) & 0xffff) << 16);
      case FP32 -> b.getFloat(i);
      case FP64 -> b.getDouble(i);
      case BYTES -> throw new IllegalArgumentException("BYTES");
    };
  }

  private static String format(DataType t, ByteBuffer b, long index) {
    int i = Math.toIntExact(index * t.byteSize());
    return switch (t) {
      case BOOL -> b.get(i) != 0 ? "1" : "0";
      case UINT8 -> Integer.toString(Byte.toUnsignedInt(b.get(i)));
      case UINT16 -> Integer.toString(Short.toUnsignedInt(b.getShort(i)));
      case UINT32 -> Long.toString(Integer.toUnsignedLong(b.getInt(i)));
      case UINT64 -> Long.toUnsignedString(b.getLong(i));
      case INT8 -> Byte.toString(b.get(i));
      case INT16 -> Short.toString(b.getShort(i));
      case INT32 -> Integer.toString(b.getInt(i));
      case INT64 -> Long.toString(b.getLong(i));
      case FP16, BF16, FP32, FP64 -> toStdString(asDouble(t, b, index));
      case BYTES -> throw new IllegalArgumentException("BYTES");
    };
  }

  /** Formats a floating-point value as C++ {@code std::to_string} does ({@code "%f"}, glibc). */
  static String toStdString(double d) {
    if (Double.isNaN(d)) {
      return (Double.doubleToRawLongBits(d) < 0 ? "-" : "") + "nan";
    }
    if (Double.isInfinite(d)) {
      return d < 0 ? "-inf" : "inf";
    }
    boolean negative = Double.doubleToRawLongBits(d) < 0;
    String s = new BigDecimal(Math.abs(d)).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
    return negative ? "-" + s : s;
  }
}
