package io.caracal.protocol.v2;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Writes tensors in the V2 JSON encoding: a tensor's elements as a flat {@code data} array and its
 * {@code shape}. Stateless and thread-safe.
 *
 * <p>Elements are written as: BOOL as {@code true}/{@code false}; integers as JSON integers (UINT64
 * above 2^63-1 too); FP32 and FP64 in shortest round-trip form; FP16 and BF16 as their float
 * values; NaN and infinities as the generator writes them (Jackson's default: the strings {@code
 * "NaN"}, {@code "Infinity"}, {@code "-Infinity"}); BYTES elements as strings, where byte sequences
 * that are not valid UTF-8 become U+FFFD. {@link #isExact} says when a reader gets back exactly the
 * tensor that was written.
 */
public final class JsonTensorWriter {
  private JsonTensorWriter() {}

  /**
   * Writes the tensor's elements as a flat JSON array (row-major), the value of a {@code data}
   * member.
   */
  public static void writeData(JsonGenerator g, Tensor t) throws IOException {
    if (!writeFloatsAsText(g, t)) {
      writeEachElement(g, t);
    }
  }

  /**
   * Writes the tensor's elements as {@link #writeData} does, each element through the generator's
   * own number writing (which makes a String of each float): the path of NaN, infinities and
   * integers, and the reference {@code writeData}'s float path is measured against.
   */
  public static void writeEachElement(JsonGenerator g, Tensor t) throws IOException {
    ByteBuffer b = t.data();
    long n = t.dataType() == DataType.BYTES ? Long.MAX_VALUE : t.elementCount();
    g.writeStartArray();
    switch (t.dataType()) {
      case BOOL -> {
        for (long i = 0; i < n; i++) g.writeBoolean(b.get() != 0);
      }
      case UINT8 -> {
        for (long i = 0; i < n; i++) g.writeNumber(b.get() & 0xFF);
      }
      case INT8 -> {
        for (long i = 0; i < n; i++) g.writeNumber(b.get());
      }
      case UINT16 -> {
        for (long i = 0; i < n; i++) g.writeNumber(b.getShort() & 0xFFFF);
      }
      case INT16 -> {
        for (long i = 0; i < n; i++) g.writeNumber(b.getShort());
      }
      case UINT32 -> {
        for (long i = 0; i < n; i++) g.writeNumber(b.getInt() & 0xFFFF_FFFFL);
      }
      case INT32 -> {
        for (long i = 0; i < n; i++) g.writeNumber(b.getInt());
      }
      case INT64 -> {
        for (long i = 0; i < n; i++) g.writeNumber(b.getLong());
      }
      case UINT64 -> {
        for (long i = 0; i < n; i++) {
          long v = b.getLong();
          if (v >= 0) {
            g.writeNumber(v);
          } else {
            g.writeNumber(new BigInteger(Long.toUnsignedString(v)));
          }
        }
      }
      case FP16 -> {
        for (long i = 0; i < n; i++) g.writeNumber(Float.float16ToFloat(b.getShort()));
      }
      case BF16 -> {
        for (long i = 0; i < n; i++) g.writeNumber(Bfloat16.toFloat(b.getShort()));
      }
      case FP32 -> {
        for (long i = 0; i < n; i++) g.writeNumber(b.getFloat());
      }
      case FP64 -> {
        for (long i = 0; i < n; i++) g.writeNumber(b.getDouble());
      }
      case BYTES -> {
        while (b.hasRemaining()) {
          byte[] e = new byte[b.getInt()];
          b.get(e);
          g.writeString(new String(e, StandardCharsets.UTF_8));
        }
      }
    }
    g.writeEndArray();
  }

  /**
   * Characters of numbers collected before they go to the generator at once (one number and its
   * comma, at most 25 characters, may go past it: the buffers have 32 more).
   */
  private static final int CHUNK = 4096;

  /**
   * Writes a floating-point tensor with only finite elements as one array of numbers in the form
   * the generator would write them ({@link Float#toString} / {@link Double#toString}, shortest
   * round-trip), formatted by the JDK into a reusable builder and handed to the generator in chunks
   * of characters, with no String per element. Returns false, having written nothing, for other
   * types, a non-finite element (the generator decides how those look) and a generator that quotes
   * numbers.
   */
  private static boolean writeFloatsAsText(JsonGenerator g, Tensor t) throws IOException {
    if (g.isEnabled(JsonWriteFeature.WRITE_NUMBERS_AS_STRINGS.mappedFeature())) {
      return false;
    }
    DataType dt = t.dataType();
    boolean finite =
        switch (dt) {
          case FP32, FP64 -> isExact(t);
          case FP16, BF16 -> allFiniteHalf(t);
          default -> false;
        };
    if (!finite) {
      return false;
    }
    ByteBuffer b = t.data();
    long n = t.elementCount();
    // sized for this tensor (a float's text is at most 24 characters, 16 covers most): a 10-float
    // output must not allocate the 12 KB of a full chunk (the top allocation site in a profile)
    int threshold = (int) Math.min(CHUNK, n * 16 + 16);
    StringBuilder sb = new StringBuilder(threshold + 32);
    char[] chars = new char[threshold + 32];
    g.writeStartArray();
    for (long i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(',');
      }
      switch (dt) {
        case FP32 -> sb.append(b.getFloat());
        case FP64 -> sb.append(b.getDouble());
        case FP16 -> sb.append(Float.float16ToFloat(b.getShort()));
        default -> sb.append(Bfloat16.toFloat(b.getShort()));
      }
      if (sb.length() >= threshold) {
        flush(g, sb, chars);
      }
    }
    flush(g, sb, chars);
    g.writeEndArray();
    return true;
  }

  private static boolean allFiniteHalf(Tensor t) {
    ByteBuffer b = t.data();
    boolean fp16 = t.dataType() == DataType.FP16;
    while (b.hasRemaining()) {
      short h = b.getShort();
      if (!Float.isFinite(fp16 ? Float.float16ToFloat(h) : Bfloat16.toFloat(h))) {
        return false;
      }
    }
    return true;
  }

  private static void flush(JsonGenerator g, StringBuilder sb, char[] chars) throws IOException {
    int len = sb.length();
    if (len > 0) {
      sb.getChars(0, len, chars, 0);
      g.writeRaw(chars, 0, len);
      sb.setLength(0);
    }
  }

  /** Writes the member {@code "shape"} with the shape's dimensions. */
  public static void writeShape(JsonGenerator g, Shape s) throws IOException {
    g.writeArrayFieldStart("shape");
    for (int i = 0; i < s.rank(); i++) {
      g.writeNumber(s.dim(i));
    }
    g.writeEndArray();
  }

  /**
   * Returns whether a JSON {@code data} array carries this tensor exactly to any V2 server: false
   * for FP16 and BF16 (Triton refuses them in JSON), for FP32 and FP64 with a NaN or an infinity
   * (JSON has no such numbers) and for BYTES with an element that is not valid UTF-8.
   */
  public static boolean isExact(Tensor t) {
    ByteBuffer b = t.data();
    switch (t.dataType()) {
      case FP16, BF16 -> {
        return false;
      }
      case FP32 -> {
        while (b.hasRemaining()) {
          if (!Float.isFinite(b.getFloat())) {
            return false;
          }
        }
        return true;
      }
      case FP64 -> {
        while (b.hasRemaining()) {
          if (!Double.isFinite(b.getDouble())) {
            return false;
          }
        }
        return true;
      }
      case BYTES -> {
        CharsetDecoder utf8 =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        while (b.hasRemaining()) {
          int len = b.getInt();
          ByteBuffer e = b.slice(b.position(), len);
          b.position(b.position() + len);
          try {
            utf8.reset().decode(e);
          } catch (CharacterCodingException notUtf8) {
            return false;
          }
        }
        return true;
      }
      default -> {
        return true;
      }
    }
  }
}
