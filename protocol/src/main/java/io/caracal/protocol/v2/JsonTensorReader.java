package io.caracal.protocol.v2;

import ch.randelshofer.fastdoubleparser.JavaDoubleParser;
import ch.randelshofer.fastdoubleparser.JavaFloatParser;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads a V2 JSON {@code data} array straight from parser tokens into a tensor's binary encoding,
 * with no intermediate tree. The array is flat or nested like the shape (never deeper than its
 * rank) and holds exactly the shape's element count; each element must fit its datatype: BOOL
 * {@code true}/{@code false}, integers within the type's range, floats finite after rounding to the
 * type, BYTES strings (stored as their UTF-8 bytes). Immutable and thread-safe; a parser is used by
 * one call at a time.
 *
 * <p>Floating-point elements are parsed by FastDoubleParser straight from the parser's character
 * buffer into the tensor's buffer (correctly rounded, as {@link Float#parseFloat}), with no String,
 * boxing or intermediate array per element.
 *
 * <p>{@link #forRequests} reads as a V2 server reads requests: numbers only, buffers direct so that
 * a backend may hand them to native code without a copy. {@link #forResponses} reads what V2
 * servers write: also the strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}, into
 * heap buffers. FP16 and BF16 elements are read as floats and rounded to the type; a server that
 * refuses them in JSON (as Triton does) checks that before calling.
 */
public final class JsonTensorReader {
  private final int maxDepth;
  private final boolean nonFiniteStrings;
  private final boolean direct;

  private JsonTensorReader(int maxDepth, boolean nonFiniteStrings, boolean direct) {
    this.maxDepth = maxDepth;
    this.nonFiniteStrings = nonFiniteStrings;
    this.direct = direct;
  }

  /**
   * Returns a reader of request data: numbers only, at most {@code maxDepth} nested arrays, direct
   * buffers.
   */
  public static JsonTensorReader forRequests(int maxDepth) {
    return new JsonTensorReader(maxDepth, false, true);
  }

  /**
   * Returns a reader of response data: non-finite floats as strings too, any nesting the parser
   * allows, heap buffers.
   */
  public static JsonTensorReader forResponses() {
    return new JsonTensorReader(Integer.MAX_VALUE, true, false);
  }

  /**
   * Reads the {@code data} value on which the parser stands into a tensor of this type and shape,
   * leaving the parser on the array's closing bracket. Checks, in order: the shape's element count
   * fits a long and is at most {@code maxElements} (before anything is allocated); the value is an
   * array; then each token as it comes.
   *
   * @throws TensorDataException when the data breaks a rule (see {@link TensorDataProblem})
   * @throws IOException when the parser fails, e.g. on malformed JSON or a stream constraint
   */
  @SuppressWarnings(
      "NullAway") // buf is set for fixed-size types and bytes for BYTES; each case uses its own
  public Tensor read(JsonParser p, DataType dt, Shape shape, long maxElements) throws IOException {
    long count = BinaryTensorData.elementCount(dt, shape);
    if (count > maxElements) {
      throw new TensorDataException(new TensorDataProblem.TooManyElements(count), dt, shape);
    }
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw new TensorDataException(new TensorDataProblem.NotAnArray(), dt, shape);
    }
    ByteBuffer buf = null;
    BytesElements bytes = null;
    if (dt.isFixedSize()) {
      int size = Math.toIntExact(count * dt.byteSize());
      buf =
          (direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size))
              .order(ByteOrder.LITTLE_ENDIAN);
    } else {
      bytes = new BytesElements(shape, (int) Math.min(count * 8 + 16, 1 << 20));
    }
    int depth = 1;
    // 'data' is flat or nested like the shape: never deeper than the shape's rank.
    int maxDataDepth = Math.max(1, shape.rank());
    long n = 0;
    while (depth > 0) {
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_ARRAY) {
        if (++depth > maxDepth) {
          throw new TensorDataException(new TensorDataProblem.DepthLimit(), dt, shape);
        }
        if (depth > maxDataDepth) {
          p.skipChildren(); // a nesting beyond the parser's depth limit reports that limit first
          throw new TensorDataException(new TensorDataProblem.NestedTooDeep(depth), dt, shape);
        }
        continue;
      }
      if (t == JsonToken.END_ARRAY) {
        depth--;
        continue;
      }
      if (t == null) {
        throw new TensorDataException(new TensorDataProblem.Truncated(), dt, shape);
      }
      if (n == count) {
        throw new TensorDataException(new TensorDataProblem.TooManyValues(count), dt, shape);
      }
      n++;
      switch (dt) {
        case BOOL -> {
          if (t == JsonToken.VALUE_TRUE) {
            buf.put((byte) 1);
          } else if (t == JsonToken.VALUE_FALSE) {
            buf.put((byte) 0);
          } else {
            throw badElement(p, dt, shape, "true or false");
          }
        }
        case INT8 -> buf.put((byte) integer(p, dt, shape, Byte.MIN_VALUE, Byte.MAX_VALUE));
        case INT16 -> buf.putShort((short) integer(p, dt, shape, Short.MIN_VALUE, Short.MAX_VALUE));
        case INT32 -> buf.putInt((int) integer(p, dt, shape, Integer.MIN_VALUE, Integer.MAX_VALUE));
        case INT64 -> buf.putLong(integer(p, dt, shape, Long.MIN_VALUE, Long.MAX_VALUE));
        case UINT8 -> buf.put((byte) integer(p, dt, shape, 0, 0xFF));
        case UINT16 -> buf.putShort((short) integer(p, dt, shape, 0, 0xFFFF));
        case UINT32 -> buf.putInt((int) integer(p, dt, shape, 0, 0xFFFF_FFFFL));
        case UINT64 -> buf.putLong(uint64(p, dt, shape));
        case FP16, BF16 -> buf.putShort(half(p, dt, shape));
        case FP32 -> buf.putFloat(float32(p, dt, shape));
        case FP64 -> buf.putDouble(float64(p, dt, shape));
        case BYTES -> {
          if (t != JsonToken.VALUE_STRING) {
            throw badElement(p, dt, shape, "a string");
          }
          bytes.put(p.getText().getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    if (n != count) {
      throw new TensorDataException(new TensorDataProblem.TooFewValues(count, n), dt, shape);
    }
    return Tensor.of(dt, shape, dt.isFixedSize() ? buf.flip() : bytes.toBuffer());
  }

  private static long integer(JsonParser p, DataType dt, Shape shape, long min, long max)
      throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw badElement(p, dt, shape, "an integer");
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw outOfRange(p, dt, shape);
    }
    long v = p.getLongValue();
    if (v < min || v > max) {
      throw outOfRange(p, dt, shape);
    }
    return v;
  }

  private static long uint64(JsonParser p, DataType dt, Shape shape) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw badElement(p, dt, shape, "an integer");
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      BigInteger b = p.getBigIntegerValue();
      if (b.signum() < 0 || b.bitLength() > 64) {
        throw outOfRange(p, dt, shape);
      }
      return b.longValue();
    }
    long v = p.getLongValue();
    if (v < 0) {
      throw outOfRange(p, dt, shape);
    }
    return v;
  }

  /**
   * Reads a number as a float: finite (a larger number is out of range), or a non-finite string
   * where allowed.
   */
  private float float32(JsonParser p, DataType dt, Shape shape) throws IOException {
    if (!isNumber(p.currentToken())) {
      return (float) nonFinite(p, dt, shape);
    }
    // the token is a valid JSON number (the parser checked it): parsed from the parser's own
    // characters, with no String per number
    float f =
        JavaFloatParser.parseFloat(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    if (Float.isInfinite(f)) {
      throw outOfRange(p, dt, shape);
    }
    return f;
  }

  /**
   * Reads a number as FP16 or BF16 bits, rounded to nearest even; a finite number that rounds to
   * infinity is out of range.
   */
  private short half(JsonParser p, DataType dt, Shape shape) throws IOException {
    float f = float32(p, dt, shape);
    boolean fp16 = dt == DataType.FP16;
    short h = fp16 ? Float.floatToFloat16(f) : Bfloat16.fromFloat(f);
    if (Float.isFinite(f)
        && Float.isInfinite(fp16 ? Float.float16ToFloat(h) : Bfloat16.toFloat(h))) {
      throw outOfRange(p, dt, shape);
    }
    return h;
  }

  /**
   * Reads a number as a double: finite (a larger number is out of range), or a non-finite string
   * where allowed.
   */
  private double float64(JsonParser p, DataType dt, Shape shape) throws IOException {
    if (!isNumber(p.currentToken())) {
      return nonFinite(p, dt, shape);
    }
    double d =
        JavaDoubleParser.parseDouble(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    if (Double.isInfinite(d)) {
      throw outOfRange(p, dt, shape);
    }
    return d;
  }

  private static boolean isNumber(JsonToken t) {
    return t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT;
  }

  private double nonFinite(JsonParser p, DataType dt, Shape shape) throws IOException {
    if (nonFiniteStrings && p.currentToken() == JsonToken.VALUE_STRING) {
      switch (p.getText()) {
        case "NaN" -> {
          return Double.NaN;
        }
        case "Infinity" -> {
          return Double.POSITIVE_INFINITY;
        }
        case "-Infinity" -> {
          return Double.NEGATIVE_INFINITY;
        }
        default -> {}
      }
    }
    throw badElement(p, dt, shape, "a number");
  }

  private static TensorDataException outOfRange(JsonParser p, DataType dt, Shape shape)
      throws IOException {
    return new TensorDataException(new TensorDataProblem.OutOfRange(p.getText()), dt, shape);
  }

  private static TensorDataException badElement(
      JsonParser p, DataType dt, Shape shape, String expected) {
    return new TensorDataException(
        new TensorDataProblem.BadElement(expected, describe(p.currentToken())), dt, shape);
  }

  private static String describe(JsonToken t) {
    return switch (t) {
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT -> "an integer";
      case VALUE_NUMBER_FLOAT -> "a fractional number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case START_OBJECT -> "an object";
      default -> "another token";
    };
  }
}
