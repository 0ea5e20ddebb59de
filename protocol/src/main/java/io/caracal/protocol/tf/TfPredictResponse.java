package io.caracal.protocol.tf;

import io.caracal.api.DataType;
import io.caracal.api.NamedTensor;
import io.caracal.api.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Writes a predict answer as TF Serving's {@code MakeJsonFromTensors} does: a row request's outputs
 * as {@code predictions}, one entry per batch item (the bare value for a single output, else an
 * object by output name), a columnar request's as {@code outputs} (the whole tensor, or an object
 * of them). Floats print as {@link TfFloats}; int64 and uint64 as bare exact integers; strings as
 * their raw bytes, or {@code {"b64": ...}} for outputs whose name ends in {@code _bytes}. Outputs
 * keep the model's order. Stateless.
 */
public final class TfPredictResponse {

  /**
   * How a dialect writes the answer.
   *
   * @param rowKey the member for a row request's answer
   * @param columnarKey the member for a columnar request's answer
   * @param nonFiniteAsNull whether NaN and infinities are written {@code null} (KServe's orjson)
   *     rather than as bare {@code NaN}/{@code Infinity} tokens (TF Serving)
   */
  public record Style(String rowKey, String columnarKey, boolean nonFiniteAsNull) {
    /** TF Serving's: {@code predictions} / {@code outputs}, bare non-finite tokens. */
    public static final Style TF_SERVING = new Style("predictions", "outputs", false);

    /** KServe V1's: always {@code predictions}, non-finite values as {@code null}. */
    public static final Style KSERVE_V1 = new Style("predictions", "predictions", true);
  }

  private TfPredictResponse() {}

  /**
   * Returns the JSON answer for these outputs.
   *
   * @throws TfJsonException TF's 400s: an output TF's JSON cannot carry, a rank-0 output or unequal
   *     batch sizes in a row answer, no outputs at all
   */
  public static byte[] write(
      List<NamedTensor> outputs, TfPredictRequest.Format format, Style style) {
    if (outputs.isEmpty()) {
      throw TfJsonException.invalid("Cannot convert empty tensor map to JSON");
    }
    Out out = new Out(style.nonFiniteAsNull());
    boolean named = outputs.size() > 1;
    if (format == TfPredictRequest.Format.ROW) {
      long batch = -1;
      for (NamedTensor t : outputs) {
        if (t.tensor().shape().rank() == 0) {
          throw TfJsonException.invalid("Tensor name: " + t.name() + " has no shape information ");
        }
        long b = t.tensor().shape().dim(0);
        if (batch >= 0 && b != batch) {
          throw TfJsonException.invalid(
              "Tensor name: "
                  + t.name()
                  + " has inconsistent batch size: "
                  + b
                  + " expecting: "
                  + batch);
        }
        batch = b;
      }
      Cursor[] cursors = new Cursor[outputs.size()];
      for (int i = 0; i < cursors.length; i++) {
        cursors[i] = new Cursor(outputs.get(i));
      }
      out.raw("{");
      out.string(style.rowKey());
      out.raw(":[");
      for (long item = 0; item < batch; item++) {
        if (item > 0) {
          out.raw(",");
        }
        if (named) {
          out.raw("{");
        }
        for (int i = 0; i < cursors.length; i++) {
          if (named) {
            if (i > 0) {
              out.raw(",");
            }
            out.string(outputs.get(i).name());
            out.raw(":");
          }
          values(out, cursors[i], 1);
        }
        if (named) {
          out.raw("}");
        }
      }
      out.raw("]}");
    } else {
      out.raw("{");
      out.string(style.columnarKey());
      out.raw(":");
      if (named) {
        out.raw("{");
      }
      for (int i = 0; i < outputs.size(); i++) {
        if (named) {
          if (i > 0) {
            out.raw(",");
          }
          out.string(outputs.get(i).name());
          out.raw(":");
        }
        values(out, new Cursor(outputs.get(i)), 0);
      }
      if (named) {
        out.raw("}");
      }
      out.raw("}");
    }
    return out.bytes.toByteArray();
  }

  /** Walks one tensor's elements in row-major order. */
  private static final class Cursor {
    final NamedTensor named;
    final Tensor t;
    final ByteBuffer data;
    final boolean asB64;

    Cursor(NamedTensor named) {
      this.named = named;
      this.t = named.tensor();
      this.data = t.data();
      this.asB64 = t.dataType() == DataType.BYTES && named.name().endsWith("_bytes");
    }
  }

  private static void values(Out out, Cursor c, int dim) {
    int rank = c.t.shape().rank();
    if (dim > rank - 1) {
      single(out, c);
      return;
    }
    out.raw("[");
    long n = c.t.shape().dim(dim);
    for (long i = 0; i < n; i++) {
      if (i > 0) {
        out.raw(",");
      }
      values(out, c, dim + 1);
    }
    out.raw("]");
  }

  private static void single(Out out, Cursor c) {
    ByteBuffer d = c.data;
    switch (c.t.dataType()) {
      case FP32 -> {
        float v = d.getFloat();
        out.raw(Float.isFinite(v) || !out.nonFiniteAsNull ? TfFloats.format(v) : "null");
      }
      case FP64 -> {
        double v = d.getDouble();
        out.raw(Double.isFinite(v) || !out.nonFiniteAsNull ? TfFloats.format(v) : "null");
      }
      case INT8 -> out.raw(Byte.toString(d.get()));
      case UINT8 -> out.raw(Integer.toString(Byte.toUnsignedInt(d.get())));
      case INT16 -> out.raw(Short.toString(d.getShort()));
      case INT32 -> out.raw(Integer.toString(d.getInt()));
      case INT64 -> out.raw(Long.toString(d.getLong()));
      case UINT32 -> out.raw(Integer.toUnsignedString(d.getInt()));
      case UINT64 -> out.raw(Long.toUnsignedString(d.getLong()));
      case BOOL -> out.raw(d.get() != 0 ? "true" : "false");
      case BYTES -> {
        byte[] e = new byte[d.getInt()];
        d.get(e);
        if (c.asB64) {
          out.raw("{\"b64\":");
          out.string(Base64.getEncoder().encodeToString(e));
          out.raw("}");
        } else {
          out.rawString(e);
        }
      }
      case FP16, BF16, UINT16 ->
          throw TfJsonException.invalid(
              "Failed to write JSON value for tensor type: " + TfDtypes.shortName(c.t.dataType()));
    }
  }

  /** The output bytes; strings of raw bytes are escaped byte by byte, never decoded. */
  private static final class Out {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final boolean nonFiniteAsNull;

    Out(boolean nonFiniteAsNull) {
      this.nonFiniteAsNull = nonFiniteAsNull;
    }

    void raw(String s) {
      bytes.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    void string(String s) {
      rawString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a JSON string of these bytes as they are (invalid UTF-8 included, as TF does). */
    void rawString(byte[] s) {
      TfJson.quote(s, bytes);
    }
  }
}
