package io.caracal.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.protocol.v2.BinaryTensorData;
import io.caracal.protocol.v2.JsonTensorReader;
import io.caracal.protocol.v2.JsonTensorWriter;
import io.caracal.protocol.v2.TensorDataException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The V2 HTTP codec of the client: JSON (jackson-core streaming) with the binary tensor data
 * extension. A request body is the JSON header followed by the bytes of each binary input in input
 * order; {@code Inference-Header-Content-Length} gives the JSON length whenever binary data
 * follows.
 */
final class HttpCodec {
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  private static final JsonFactory JSON = new JsonFactory();
  private static final JsonTensorReader DATA = JsonTensorReader.forResponses();

  private HttpCodec() {}

  /** An encoded request body; {@code jsonLength} is -1 when the body is JSON only. */
  record Body(byte[] bytes, int jsonLength) {}

  /** A JSON array kept unparsed: {@code length} bytes of the body from {@code offset}. */
  record JsonData(int offset, int length) {}

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
        JsonTensorWriter.writeShape(g, t.shape());
        g.writeStringField("datatype", t.dataType().wireName());
        boolean asBinary = req.binaryInputs() || !JsonTensorWriter.isExact(t);
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
          JsonTensorWriter.writeData(g, t);
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

  private static void writeParameters(JsonGenerator g, Map<String, Object> params)
      throws IOException {
    g.writeObjectFieldStart("parameters");
    for (Map.Entry<String, Object> e : params.entrySet()) {
      g.writeFieldName(e.getKey());
      switch (e.getValue()) {
        case String s -> g.writeString(s);
        case Boolean v -> g.writeBoolean(v);
        case Long v -> g.writeNumber(v);
        case Double v -> g.writeNumber(v);
        default ->
            throw new IllegalArgumentException("parameter '" + e.getKey() + "': " + e.getValue());
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
    Map<String, Object> root = object(parse(body, 0, jl, true), "response");
    int at = jl;
    List<InferOutput> outputs = new ArrayList<>();
    for (Object o : list(root.get("outputs"))) {
      Map<String, Object> out = object(o, "output");
      String name = string(out.get("name"));
      String datatype = string(out.get("datatype"));
      DataType type =
          DataType.fromWireName(datatype)
              .orElseThrow(() ->
                  new IllegalArgumentException(
                      "unknown datatype '" + datatype + "' of output '" + name + "'"));
      Shape shape = Shape.of(longs(out.get("shape")));
      Map<String, Object> params = parameters(out.get("parameters"));
      Object size = params.remove("binary_data_size");
      Tensor tensor;
      try {
        if (size != null) {
          int n = Math.toIntExact((Long) size);
          if (n > body.length - at) {
            throw new IllegalArgumentException(
                "binary section too short for output '" + name + "'");
          }
          tensor = BinaryTensorData.toTensor(type, shape, ByteBuffer.wrap(body, at, n).slice());
          at += n;
        } else {
          tensor = fromJson(body, name, out.get("data"), type, shape);
        }
      } catch (TensorDataException e) {
        throw new IllegalArgumentException("output '" + name + "': " + e.getMessage(), e);
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

  /** Reads an output's JSON {@code data} (a {@link JsonData} span of the body). */
  private static Tensor fromJson(
      byte[] body, String name, Object data, DataType type, Shape shape) {
    if (data == null) {
      throw new IllegalArgumentException(
          "output '" + name + "' has neither data nor binary_data_size");
    }
    if (!(data instanceof JsonData d)) {
      throw new IllegalArgumentException(
          "'data' of output '" + name + "' is not a JSON array: " + data);
    }
    try (JsonParser p = JSON.createParser(body, d.offset(), d.length())) {
      p.nextToken();
      return DATA.read(p, type, shape, body.length);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON from server: " + e.getMessage(), e);
    }
  }

  private static BigInteger integer(Object o) {
    if (o instanceof Num n && n.integral()) {
      return new BigInteger(n.text());
    }
    throw new IllegalArgumentException("expected an integer, got " + o);
  }

  static Map<String, Object> parameters(Object o) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (o == null) {
      return out;
    }
    for (Map.Entry<String, Object> e : object(o, "parameters").entrySet()) {
      Object v = e.getValue();
      if (v instanceof Num n) {
        v =
            n.integral()
                ? (Object) new BigInteger(n.text()).longValue()
                : (Object) Double.parseDouble(n.text());
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
        string(root.get("name")),
        versions,
        string(root.get("platform")),
        specs(root.get("inputs")),
        specs(root.get("outputs")));
  }

  private static List<ModelMetadata.TensorSpec> specs(Object o) {
    List<ModelMetadata.TensorSpec> out = new ArrayList<>();
    for (Object e : list(o)) {
      Map<String, Object> m = object(e, "tensor metadata");
      out.add(
          new ModelMetadata.TensorSpec(
              string(m.get("name")), string(m.get("datatype")), longs(m.get("shape"))));
    }
    return out;
  }

  /**
   * Returns the {@code error} member of an error body, or the body's text when it is not V2 JSON.
   */
  static String errorMessage(byte[] body) {
    try {
      if (parse(body, 0, body.length) instanceof Map<?, ?> m
          && m.get("error") instanceof String s) {
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
    return parse(b, off, len, false);
  }

  /**
   * Parses JSON as {@link #parse(byte[], int, int)} does; with {@code keepData}, an array that is
   * the value of a member {@code "data"} becomes a {@link JsonData} span for {@link
   * JsonTensorReader}.
   */
  static Object parse(byte[] b, int off, int len, boolean keepData) {
    try (JsonParser p = JSON.createParser(b, off, len)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new IllegalArgumentException("empty JSON");
      }
      Object v = value(p, t, keepData ? off : -1);
      if (p.nextToken() != null) {
        throw new IllegalArgumentException("trailing data after the JSON value");
      }
      return v;
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON from server: " + e.getMessage(), e);
    }
  }

  /**
   * Returns the value that starts at token {@code t}; {@code dataBase} is the input's offset, or -1
   * to keep no data spans.
   */
  private static Object value(JsonParser p, JsonToken t, int dataBase) throws IOException {
    switch (t) {
      case START_OBJECT:
        {
          Map<String, Object> m = new LinkedHashMap<>();
          for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (dataBase >= 0 && v == JsonToken.START_ARRAY && name.equals("data")) {
              long start = p.currentTokenLocation().getByteOffset();
              p.skipChildren();
              long end = p.currentTokenLocation().getByteOffset() + 1;
              m.put(name, new JsonData(dataBase + (int) start, (int) (end - start)));
            } else {
              m.put(name, value(p, v, dataBase));
            }
          }
          return m;
        }
      case START_ARRAY:
        {
          List<Object> l = new ArrayList<>();
          for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            l.add(value(p, e, dataBase));
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
