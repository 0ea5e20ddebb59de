package io.caracal.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The V2 HTTP codec of the client: JSON (jackson-core streaming) with the binary tensor data
 * extension. A request body is the JSON header followed by the bytes of each binary input in input
 * order; {@code Inference-Header-Content-Length} gives the JSON length whenever binary data follows.
 */
final class HttpCodec {
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  private static final JsonFactory JSON = new JsonFactory();

  private HttpCodec() {}

  /** An encoded request body; {@code jsonLength} is -1 when the body is JSON only. */
  record Body(byte[] bytes, int jsonLength) {}

  /** A JSON number, kept as its text so that each datatype parses it exactly. */
  record Num(String text) {
    boolean integral() {
      return text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
    }
  }

  // ------------------------------------------------------------------ request

  static Body encode(InferRequest req) {
    List<InferInput> binary = new ArrayList<>();
    ByteArrayOutputStream json = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(json)) {
      g.writeStartObject();
      req.id().ifPresent(id -> write(() -> g.writeStringField("id", id)));
      Map<String, Object> params = new LinkedHashMap<>(req.parameters());
      params.putIfAbsent("binary_data_output", req.binaryOutputs());
      writeParameters(g, params);
      g.writeArrayFieldStart("inputs");
      for (InferInput in : req.inputs()) {
        Tensor t = in.tensor();
        g.writeStartObject();
        g.writeStringField("name", in.name());
        g.writeArrayFieldStart("shape");
        for (int i = 0; i < t.shape().rank(); i++) {
          g.writeNumber(t.shape().dim(i));
        }
        g.writeEndArray();
        g.writeStringField("datatype", t.dataType().wireName());
        boolean asBinary = req.binaryInputs() || !jsonCapable(t);
        Map<String, Object> ip = new LinkedHashMap<>(in.parameters());
        if (asBinary) {
          ip.put("binary_data_size", (long) t.byteSize());
          binary.add(in);
        }
        if (!ip.isEmpty()) {
          writeParameters(g, ip);
        }
        if (!asBinary) {
          g.writeFieldName("data");
          writeData(g, t);
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      if (!req.outputs().isEmpty()) {
        g.writeArrayFieldStart("outputs");
        for (InferRequestedOutput o : req.outputs()) {
          g.writeStartObject();
          g.writeStringField("name", o.name());
          Map<String, Object> op = new LinkedHashMap<>(o.parameters());
          op.putIfAbsent("binary_data", o.binary().orElse(req.binaryOutputs()));
          writeParameters(g, op);
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (binary.isEmpty()) {
      return new Body(json.toByteArray(), -1);
    }
    int jsonLength = json.size();
    long total = jsonLength;
    for (InferInput in : binary) {
      total += in.tensor().byteSize();
    }
    byte[] body = new byte[Math.toIntExact(total)];
    System.arraycopy(json.toByteArray(), 0, body, 0, jsonLength);
    int at = jsonLength;
    for (InferInput in : binary) {
      ByteBuffer d = in.tensor().data();
      int n = d.remaining();
      d.get(body, at, n);
      at += n;
    }
    return new Body(body, jsonLength);
  }

  /** Whether JSON can carry this tensor exactly. */
  static boolean jsonCapable(Tensor t) {
    switch (t.dataType()) {
      case FP16, BF16:
        return false;
      case FP32: {
        ByteBuffer b = t.data();
        while (b.hasRemaining()) {
          if (!Float.isFinite(b.getFloat())) {
            return false;
          }
        }
        return true;
      }
      case FP64: {
        ByteBuffer b = t.data();
        while (b.hasRemaining()) {
          if (!Double.isFinite(b.getDouble())) {
            return false;
          }
        }
        return true;
      }
      case BYTES: {
        var decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
        for (byte[] e : t.bytesElements()) {
          try {
            decoder.reset().decode(ByteBuffer.wrap(e));
          } catch (CharacterCodingException x) {
            return false;
          }
        }
        return true;
      }
      default:
        return true;
    }
  }

  private static void writeData(JsonGenerator g, Tensor t) throws IOException {
    ByteBuffer b = t.data();
    long n = t.elementCount();
    g.writeStartArray();
    switch (t.dataType()) {
      case BOOL -> { for (long i = 0; i < n; i++) g.writeBoolean(b.get() != 0); }
      case UINT8 -> { for (long i = 0; i < n; i++) g.writeNumber(b.get() & 0xFF); }
      case INT8 -> { for (long i = 0; i < n; i++) g.writeNumber(b.get()); }
      case UINT16 -> { for (long i = 0; i < n; i++) g.writeNumber(b.getShort() & 0xFFFF); }
      case INT16 -> { for (long i = 0; i < n; i++) g.writeNumber(b.getShort()); }
      case UINT32 -> { for (long i = 0; i < n; i++) g.writeNumber(b.getInt() & 0xFFFF_FFFFL); }
      case INT32 -> { for (long i = 0; i < n; i++) g.writeNumber(b.getInt()); }
      case INT64 -> { for (long i = 0; i < n; i++) g.writeNumber(b.getLong()); }
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
      case FP32 -> { for (long i = 0; i < n; i++) g.writeNumber(b.getFloat()); }
      case FP64 -> { for (long i = 0; i < n; i++) g.writeNumber(b.getDouble()); }
      case BYTES -> {
        for (byte[] e : t.bytesElements()) {
          g.writeString(new String(e, StandardCharsets.UTF_8));
        }
      }
      case FP16, BF16 -> throw new IllegalStateException(t.dataType() + " travels only in binary");
    }
    g.writeEndArray();
  }

  private static void writeParameters(JsonGenerator g, Map<String, Object> params) throws IOException {
    g.writeObjectFieldStart("parameters");
    for (Map.Entry<String, Object> e : params.entrySet()) {
      g.writeFieldName(e.getKey());
      switch (e.getValue()) {
        case String s -> g.writeString(s);
        case Boolean v -> g.writeBoolean(v);
        case Long v -> g.writeNumber(v);
        case Double v -> g.writeNumber(v);
        default -> throw new IllegalArgumentException("parameter '" + e.getKey() + "': " + e.getValue());
      }
    }
    g.writeEndObject();
  }

  // ------------------------------------------------------------------ response

  /** Decodes an infer response; {@code jsonLength} is the header value, or -1 when absent. */
  static InferResult decodeInfer(byte[] body, int jsonLength) {
    int jl = jsonLength < 0 ? body.length : jsonLength;
    if (jl > body.length) {
      throw new IllegalArgumentException(
          HEADER_LENGTH + " " + jl + " exceeds the body length " + body.length);
    }
    Map<String, Object> root = object(parse(body, 0, jl), "response");
    int at = jl;
    List<InferOutput> outputs = new ArrayList<>();
    for (Object o : list(root.get("outputs"))) {
      Map<String, Object> out = object(o, "output");
      String name = string(out.get("name"));
      String datatype = string(out.get("datatype"));
      DataType type =
          DataType.fromWireName(datatype)
              .orElseThrow(() -> new IllegalArgumentException("unknown datatype '" + datatype + "' of output '" + name + "'"));
      Shape shape = Shape.of(longs(out.get("shape")));
      Map<String, Object> params = parameters(out.get("parameters"));
      Object size = params.remove("binary_data_size");
      Tensor tensor;
      if (size != null) {
        int n = Math.toIntExact((Long) size);
        if (n > body.length - at) {
          throw new IllegalArgumentException("binary section too short for output '" + name + "'");
        }
        tensor = Tensor.of(type, shape, ByteBuffer.wrap(body, at, n).slice());
        at += n;
      } else {
        tensor = Tensor.of(type, shape, fromJson(type, out.get("data"), shape.elementCount()));
      }
      outputs.add(new InferOutput(name, tensor, params));
    }
    Object version = root.get("model_version");
    return new InferResult(
        string(root.get("model_name")),
        version instanceof Num n ? n.text() : string(version),
        (String) root.get("id"),
        parameters(root.get("parameters")),
        outputs);
  }

  private static ByteBuffer fromJson(DataType type, Object data, long count) {
    List<Object> flat = new ArrayList<>();
    flatten(data, flat);
    if (flat.size() != count) {
      throw new IllegalArgumentException("output data has " + flat.size() + " elements, shape says " + count);
    }
    if (type == DataType.BYTES) {
      List<byte[]> elements = new ArrayList<>(flat.size());
      for (Object o : flat) {
        elements.add(string(o).getBytes(StandardCharsets.UTF_8));
      }
      return Tensor.ofBytes(Shape.of(elements.size()), elements).data();
    }
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(count * type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    for (Object o : flat) {
      switch (type) {
        case BOOL -> b.put((byte) (o instanceof Boolean v ? (v ? 1 : 0) : (integer(o).signum() != 0 ? 1 : 0)));
        case UINT8, INT8 -> b.put(integer(o).byteValue());
        case UINT16, INT16 -> b.putShort(integer(o).shortValue());
        case UINT32, INT32 -> b.putInt(integer(o).intValue());
        case UINT64, INT64 -> b.putLong(integer(o).longValue());
        case FP16 -> b.putShort(Float.floatToFloat16(Float.parseFloat(numberText(o))));
        case BF16 -> b.putShort(InferInput.toBf16(Float.parseFloat(numberText(o))));
        case FP32 -> b.putFloat(Float.parseFloat(numberText(o)));
        case FP64 -> b.putDouble(Double.parseDouble(numberText(o)));
        case BYTES -> throw new AssertionError();
      }
    }
    return b.flip();
  }

  private static void flatten(Object data, List<Object> into) {
    if (data instanceof List<?> l) {
      for (Object o : l) {
        flatten(o, into);
      }
    } else if (data != null) {
      into.add(data);
    } else {
      throw new IllegalArgumentException("output has neither data nor binary_data_size");
    }
  }

  private static BigInteger integer(Object o) {
    if (o instanceof Num n && n.integral()) {
      return new BigInteger(n.text());
    }
    throw new IllegalArgumentException("expected an integer, got " + o);
  }

  private static String numberText(Object o) {
    if (o instanceof Num n) {
      return n.text();
    }
    if (o instanceof String s && (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity"))) {
      return s;
    }
    throw new IllegalArgumentException("expected a number, got " + o);
  }

  static Map<String, Object> parameters(Object o) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (o == null) {
      return out;
    }
    for (Map.Entry<String, Object> e : object(o, "parameters").entrySet()) {
      Object v = e.getValue();
      if (v instanceof Num n) {
        v = n.integral() ? (Object) new BigInteger(n.text()).longValue() : (Object) Double.parseDouble(n.text());
      }
      out.put(e.getKey(), v);
    }
    return out;
  }

  static ServerMetadata decodeServerMetadata(byte[] body) {
    Map<String, Object> root = object(parse(body, 0, body.length), "server metadata");
    List<String> ext = new ArrayList<>();
    for (Object o : list(root.get("extensions"))) {
      ext.add(string(o));
    }
    return new ServerMetadata(string(root.get("name")), string(root.get("version")), ext);
  }

  static ModelMetadata decodeModelMetadata(byte[] body) {
    Map<String, Object> root = object(parse(body, 0, body.length), "model metadata");
    List<String> versions = new ArrayList<>();
    for (Object o : list(root.get("versions"))) {
      versions.add(o instanceof Num n ? n.text() : string(o));
    }
    return new ModelMetadata(
        string(root.get("name")), versions, string(root.get("platform")), specs(root.get("inputs")), specs(root.get("outputs")));
  }

  private static List<ModelMetadata.TensorSpec> specs(Object o) {
    List<ModelMetadata.TensorSpec> out = new ArrayList<>();
    for (Object e : list(o)) {
      Map<String, Object> m = object(e, "tensor metadata");
      out.add(new ModelMetadata.TensorSpec(string(m.get("name")), string(m.get("datatype")), longs(m.get("shape"))));
    }
    return out;
  }

  /** Returns the {@code error} member of an error body, or the body's text when it is not V2 JSON. */
  static String errorMessage(byte[] body) {
    try {
      if (parse(body, 0, body.length) instanceof Map<?, ?> m && m.get("error") instanceof String s) {
        return s;
      }
    } catch (RuntimeException notJson) {
      // fall through
    }
    String text = new String(body, StandardCharsets.UTF_8);
    return text.length() > 500 ? text.substring(0, 500) + "..." : text;
  }

  // ------------------------------------------------------------------ a small JSON tree

  /** Parses JSON into Map (ordered), List, String, Boolean, {@link Num} and null. */
  static Object parse(byte[] b, int off, int len) {
    try (JsonParser p = JSON.createParser(b, off, len)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new IllegalArgumentException("empty JSON");
      }
      Object v = value(p, t);
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("trailing data after the JSON value");
      }
      return v;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON from server: " + e.getMessage(), e);
    }
  }

  private static Object value(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT: {
        Map<String, Object> m = new LinkedHashMap<>();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          String name = p.currentName();
          m.put(name, value(p, p.nextToken()));
        }
        return m;
      }
      case START_ARRAY: {
        List<Object> l = new ArrayList<>();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
          l.add(value(p, e));
        }
        return l;
      }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return new Num(p.getText());
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IllegalArgumentException("unexpected JSON token " + t);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object o, String what) {
    if (o instanceof Map<?, ?> m) {
      return (Map<String, Object>) m;
    }
    throw new IllegalArgumentException(what + " is not a JSON object");
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    if (o == null) {
      return List.of();
    }
    if (o instanceof List<?> l) {
      return (List<Object>) l;
    }
    throw new IllegalArgumentException("expected a JSON array, got " + o);
  }

  private static String string(Object o) {
    if (o == null) {
      return "";
    }
    if (o instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException("expected a JSON string, got " + o);
  }

  private static long[] longs(Object o) {
    List<Object> l = list(o);
    long[] out = new long[l.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = integer(l.get(i)).longValueExact();
    }
    return out;
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private static void write(IoAction a) {
    try {
      a.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Optional<Integer> headerLength(Optional<String> header) {
    return header.map(String::trim).map(Integer::parseInt);
  }
}
