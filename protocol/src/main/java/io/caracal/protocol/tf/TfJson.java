package io.caracal.protocol.tf;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A parsed JSON document as TF Serving's rapidjson DOM sees it: numbers keep their token text (an
 * integer token is never taken through a double), an object keeps the <em>first</em> of duplicate
 * keys ({@code FindMember}), and {@code NaN}/{@code Infinity}/{@code -Infinity} are numbers.
 * Immutable values.
 */
public sealed interface TfJson {

  /** Returns rapidjson's name of the value's type, as TF's messages print it. */
  String typeName();

  /** An object; members in document order, the first of duplicate keys kept. */
  record JObject(Map<String, TfJson> members) implements TfJson {
    public JObject {
      members = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(members));
    }

    @Override
    public String typeName() {
      return "Object";
    }

    /** Returns the member, or null. */
    public @Nullable TfJson get(String key) {
      return members.get(key);
    }

    /** Returns whether this is a b64 object: exactly one member {@code b64}, a string. */
    public boolean isBase64() {
      return members.size() == 1 && members.get("b64") instanceof JString;
    }
  }

  /** An array. */
  record JArray(List<TfJson> elements) implements TfJson {
    public JArray {
      elements = List.copyOf(elements);
    }

    @Override
    public String typeName() {
      return "Array";
    }
  }

  /** A string. */
  record JString(String value) implements TfJson {
    @Override
    public String typeName() {
      return "String";
    }
  }

  /**
   * A number token.
   *
   * @param text the token as written ({@code NaN}, {@code Infinity} and {@code -Infinity} included)
   * @param integral whether the token has no fraction or exponent (rapidjson's integer tokens)
   */
  record JNumber(String text, boolean integral) implements TfJson {
    @Override
    public String typeName() {
      return "Number";
    }

    /** Returns the integer value of an integral token, or null for a decimal token. */
    public @Nullable BigInteger integer() {
      return integral ? new BigInteger(text) : null;
    }

    /** Returns the value as a double (rapidjson's {@code GetDouble}). */
    public double doubleValue() {
      return switch (text) {
        case "NaN", "-NaN", "+NaN" -> Double.NaN;
        case "Infinity", "+Infinity", "INF", "+INF" -> Double.POSITIVE_INFINITY;
        case "-Infinity", "-INF" -> Double.NEGATIVE_INFINITY;
        default -> Double.parseDouble(text);
      };
    }
  }

  /** {@code true} or {@code false}. */
  record JBool(boolean value) implements TfJson {
    @Override
    public String typeName() {
      return value ? "True" : "False";
    }
  }

  /** {@code null}. */
  enum JNull implements TfJson {
    INSTANCE;

    @Override
    public String typeName() {
      return "Null";
    }
  }

  /**
   * Returns a parser factory for request bodies: NaN and Infinity allowed, nesting bounded by
   * {@code maxDepth}, strings and documents bounded by {@code maxBytes} (the listener's body
   * limit).
   */
  static JsonFactory factory(int maxDepth, int maxBytes) {
    return JsonFactory.builder()
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(maxDepth)
                .maxStringLength(Math.max(maxBytes, 1))
                .maxNumberLength(1000)
                .build())
        .build();
  }

  /**
   * Parses a whole body; text after the root value is ignored, as rapidjson's {@code
   * kParseStopWhenDoneFlag} does.
   *
   * @throws TfJsonException {@code JSON Parse error: ...}
   */
  static TfJson parse(JsonFactory factory, byte[] body) {
    if (body.length == 0) {
      throw TfJsonException.invalid("JSON Parse error: The document is empty");
    }
    try (JsonParser p = factory.createParser(body)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw TfJsonException.invalid("JSON Parse error: The document is empty");
      }
      return read(p, t);
    } catch (IOException | RuntimeException e) {
      if (e instanceof TfJsonException x) {
        throw x;
      }
      String msg = String.valueOf(e.getMessage());
      int nl = msg.indexOf('\n');
      if (nl >= 0) {
        msg = msg.substring(0, nl);
      }
      throw TfJsonException.invalid("JSON Parse error: " + msg);
    }
  }

  private static TfJson read(JsonParser p, JsonToken t) throws IOException {
    return switch (t) {
      case START_OBJECT -> {
        Map<String, TfJson> m = new LinkedHashMap<>();
        JsonToken k;
        while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          TfJson v = read(p, p.nextToken());
          m.putIfAbsent(name, v);
        }
        yield new JObject(m);
      }
      case START_ARRAY -> {
        List<TfJson> l = new ArrayList<>();
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          l.add(read(p, e));
        }
        yield new JArray(l);
      }
      case VALUE_STRING -> new JString(p.getText());
      case VALUE_NUMBER_INT -> new JNumber(p.getText(), true);
      case VALUE_NUMBER_FLOAT -> new JNumber(p.getText(), false);
      case VALUE_TRUE -> new JBool(true);
      case VALUE_FALSE -> new JBool(false);
      case VALUE_NULL -> JNull.INSTANCE;
      default -> throw TfJsonException.invalid("JSON Parse error: Invalid value.");
    };
  }

  /** Returns the value written as compact JSON, as TF quotes values in messages. */
  static String render(TfJson v) {
    StringBuilder sb = new StringBuilder();
    render(v, sb);
    return sb.toString();
  }

  /** Returns the document rendered and cut at 256 bytes, as TF's messages quote a whole body. */
  static String renderDocument(TfJson v) {
    String s = render(v);
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return b.length <= 256 ? s : new String(b, 0, 256, StandardCharsets.UTF_8);
  }

  private static void render(TfJson v, StringBuilder sb) {
    switch (v) {
      case JObject o -> {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, TfJson> e : o.members().entrySet()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          quote(e.getKey(), sb);
          sb.append(':');
          render(e.getValue(), sb);
        }
        sb.append('}');
      }
      case JArray a -> {
        sb.append('[');
        for (int i = 0; i < a.elements().size(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          render(a.elements().get(i), sb);
        }
        sb.append(']');
      }
      case JString s -> quote(s.value(), sb);
      case JNumber n -> sb.append(n.text());
      case JBool b -> sb.append(b.value());
      case JNull n -> sb.append("null");
    }
  }

  /** Appends {@code s} as a JSON string literal. */
  static void quote(String s, StringBuilder sb) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    quote(s.getBytes(StandardCharsets.UTF_8), out);
    sb.append(out.toString(StandardCharsets.UTF_8));
  }

  /**
   * Writes {@code s} as a JSON string literal, byte for byte: quotes, backslashes and control
   * characters escaped, everything else (invalid UTF-8 included, as TF writes it) unchanged.
   */
  static void quote(byte[] s, java.io.ByteArrayOutputStream out) {
    out.write('"');
    for (byte b : s) {
      int c = b & 0xFF;
      @Nullable String esc =
          switch (c) {
            case '"' -> "\\\"";
            case '\\' -> "\\\\";
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            case '\b' -> "\\b";
            case '\f' -> "\\f";
            default -> c < 0x20 ? String.format("\\u%04X", c) : null;
          };
      if (esc == null) {
        out.write(c);
      } else {
        out.writeBytes(esc.getBytes(StandardCharsets.US_ASCII));
      }
    }
    out.write('"');
  }
}
