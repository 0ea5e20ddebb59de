package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.testing.http.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A small KServe V2 HTTP client for the integration tests: JSON and binary-extension inference,
 * metadata and readiness, over {@link HttpClient} (HTTP/1.1). It asserts nothing about the server
 * except that it answers; tests check statuses and bodies themselves.
 */
final class V2Client {
  static final ObjectMapper MAPPER = new ObjectMapper();
  static final JsonNodeFactory F = JsonNodeFactory.instance;
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final String base;
  private final int port;
  private final HttpClient http;

  V2Client(int port) {
    this.port = port;
    this.base = "http://127.0.0.1:" + port;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  int port() {
    return port;
  }

  // ------------------------------------------------------------------ requests

  /** GET {@code path} (already encoded, starting with "/"). */
  Response get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  /** {@code method path} with a body and extra header pairs. */
  Response send(String method, String path, byte[] body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
  }

  Response post(String path, byte[] body, String... headers) {
    return send("POST", path, body, headers);
  }

  Response postJson(String path, String json, String... headers) {
    return post(path, json.getBytes(StandardCharsets.UTF_8), headers);
  }

  Response infer(String model, JsonNode request) {
    return postJson(inferPath(model), request.toString());
  }

  Response infer(String model, String version, JsonNode request) {
    return postJson(
        "/v2/models/" + Paths.seg(model) + "/versions/" + version + "/infer", request.toString());
  }

  /**
   * Binary-extension inference: {@code header} is the JSON part, each {@code tensors[i]} the bytes
   * of the i-th binary input (in the order of "inputs"), concatenated after it.
   */
  Response inferBinary(String model, JsonNode header, byte[]... tensors) {
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    return post(
        inferPath(model), concat(json, tensors), HEADER_LENGTH, Integer.toString(json.length));
  }

  static String inferPath(String model) {
    return "/v2/models/" + Paths.seg(model) + "/infer";
  }

  JsonNode metadata(String model) {
    Response r = get("/v2/models/" + Paths.seg(model));
    assertThat(r.status()).as("metadata of %s: %s", model, r.text()).isEqualTo(200);
    return r.json();
  }

  boolean ready(String model) {
    return get("/v2/models/" + Paths.seg(model) + "/ready").status() == 200;
  }

  boolean serverLive() {
    return get("/v2/health/live").status() == 200;
  }

  private URI uri(String path) {
    return URI.create(base + path);
  }

  private Response send(HttpRequest.Builder b) {
    try {
      HttpResponse<byte[]> r =
          http.send(b.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static byte[] concat(byte[] first, byte[]... rest) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(first);
    for (byte[] r : rest) {
      out.writeBytes(r);
    }
    return out.toByteArray();
  }

  // ------------------------------------------------------------------ JSON builders

  static ObjectNode request() {
    return F.objectNode();
  }

  /** A JSON input with {@code data} (any JSON array, flat or nested). */
  static ObjectNode jsonInput(String name, String datatype, long[] shape, JsonNode data) {
    ObjectNode in = F.objectNode();
    in.put("name", name);
    in.put("datatype", datatype);
    ArrayNode s = in.putArray("shape");
    for (long d : shape) {
      s.add(d);
    }
    in.set("data", data);
    return in;
  }

  /** A binary input: no data, {@code parameters.binary_data_size}. */
  static ObjectNode binaryInput(String name, String datatype, long[] shape, long size) {
    ObjectNode in = F.objectNode();
    in.put("name", name);
    in.put("datatype", datatype);
    ArrayNode s = in.putArray("shape");
    for (long d : shape) {
      s.add(d);
    }
    in.putObject("parameters").put("binary_data_size", size);
    return in;
  }

  static ObjectNode withInputs(ObjectNode req, ObjectNode... inputs) {
    ArrayNode a = req.putArray("inputs");
    for (ObjectNode i : inputs) {
      a.add(i);
    }
    return req;
  }

  /** Sets {@code outputs} to the names given, each with {@code binary_data}. */
  static ObjectNode withOutputs(ObjectNode req, boolean binary, String... names) {
    ArrayNode a = req.putArray("outputs");
    for (String n : names) {
      ObjectNode o = a.addObject();
      o.put("name", n);
      o.putObject("parameters").put("binary_data", binary);
    }
    return req;
  }

  static ArrayNode longs(long... v) {
    ArrayNode a = F.arrayNode();
    for (long x : v) {
      a.add(x);
    }
    return a;
  }

  static ArrayNode ints(int... v) {
    ArrayNode a = F.arrayNode();
    for (int x : v) {
      a.add(x);
    }
    return a;
  }

  static ArrayNode strings(String... v) {
    ArrayNode a = F.arrayNode();
    for (String x : v) {
      a.add(x);
    }
    return a;
  }

  static ArrayNode floats(float... v) {
    ArrayNode a = F.arrayNode();
    for (float x : v) {
      a.add(x);
    }
    return a;
  }

  static long[] shape(long... d) {
    return d;
  }

  static JsonNode parse(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ------------------------------------------------------------------ responses

  /** A response; for binary-extension replies {@link #header()} is the JSON part. */
  record Response(int status, Map<String, String> headerMap, byte[] body) {

    Response(int status, HttpHeaders headers, byte[] body) {
      this(status, flatten(headers), body);
    }

    Response(RawHttp.Resp raw) {
      this(raw.status(), raw.headers(), raw.body());
    }

    private static Map<String, String> flatten(HttpHeaders h) {
      Map<String, String> m = new LinkedHashMap<>();
      h.map().forEach((k, v) -> m.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
      return m;
    }

    String headerValue(String name) {
      return headerMap.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The whole body parsed as JSON. */
    JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError(
            "body is not JSON (status " + status + "): " + abbreviate(text()), e);
      }
    }

    /** The {@code error} member of an error body. */
    String error() {
      JsonNode e = json().get("error");
      if (e == null || !e.isTextual()) {
        throw new AssertionError("no string 'error' member in " + abbreviate(text()));
      }
      return e.asText();
    }

    OptionalInt headerLength() {
      String v = headerValue(HEADER_LENGTH);
      return v == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(v.trim()));
    }

    /** The JSON part: the first Inference-Header-Content-Length bytes, or the whole body. */
    JsonNode header() {
      OptionalInt n = headerLength();
      if (n.isEmpty()) {
        return json();
      }
      try {
        return MAPPER.readTree(Arrays.copyOfRange(body, 0, n.getAsInt()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The output object named {@code name}. */
    JsonNode output(String name) {
      for (JsonNode o : header().path("outputs")) {
        if (name.equals(o.path("name").asText())) {
          return o;
        }
      }
      throw new AssertionError("no output " + name + " in " + abbreviate(header().toString()));
    }

    /** The bytes of binary output {@code name}, located by the sizes of the outputs before it. */
    byte[] binary(String name) {
      int offset =
          headerLength().orElseThrow(() -> new AssertionError("no " + HEADER_LENGTH + " header"));
      for (JsonNode o : header().path("outputs")) {
        JsonNode size = o.path("parameters").path("binary_data_size");
        if (name.equals(o.path("name").asText())) {
          if (!size.canConvertToLong()) {
            throw new AssertionError("output " + name + " is not binary: " + o);
          }
          return Arrays.copyOfRange(body, offset, offset + size.asInt());
        }
        if (size.canConvertToLong()) {
          offset += size.asInt();
        }
      }
      throw new AssertionError("no output " + name);
    }

    long[] shapeOf(String name) {
      JsonNode s = output(name).path("shape");
      long[] r = new long[s.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = s.get(i).asLong();
      }
      return r;
    }

    @Override
    public String toString() {
      return status + " " + abbreviate(text());
    }
  }

  static String abbreviate(String s) {
    return s.length() > 600 ? s.substring(0, 600) + "...(" + s.length() + " chars)" : s;
  }

  /** Path segment encoding. */
  static final class Paths {
    private Paths() {}

    /** Percent-encodes a model name for a path segment (RFC 3986 unreserved kept). */
    static String seg(String s) {
      StringBuilder b = new StringBuilder();
      for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
        int c = x & 0xff;
        if ((c >= 'a' && c <= 'z')
            || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9')
            || c == '-'
            || c == '.'
            || c == '_'
            || c == '~') {
          b.append((char) c);
        } else {
          b.append('%').append(String.format("%02X", c));
        }
      }
      return b.toString();
    }
  }
}
