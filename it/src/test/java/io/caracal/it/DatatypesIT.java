package io.caracal.it;

import static io.caracal.it.V2Client.F;
import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.strings;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.api.DataType;
import io.caracal.testing.models.TestModels;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every V2 datatype through generated identity models (JSON and binary, request and response,
 * byte-exact), add/sub models, batch sizes 1..max_batch_size, BYTES with non-ASCII UTF-8 and empty
 * strings.
 */
class DatatypesIT {
  static final int MAX_BATCH = 8;
  static final int COLS = 5;

  @TempDir static Path repo;
  static ItServer server;
  static V2Client c;

  @BeforeAll
  static void start() throws Exception {
    for (DataType t : DataType.values()) {
      TestModels.identity(repo, idModel(t), t, MAX_BATCH);
    }
    for (DataType t : TestModels.ADD_SUB_TYPES) {
      TestModels.addSub(repo, addSubModel(t), t, MAX_BATCH);
    }
    TestModels.strings(repo, "strings", MAX_BATCH);
    server = ItServer.start(repo);
    c = server.client;
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static String idModel(DataType t) {
    return "identity_" + t.name().toLowerCase(Locale.ROOT);
  }

  static String addSubModel(DataType t) {
    return "add_sub_" + t.name().toLowerCase(Locale.ROOT);
  }

  // ---------------------------------------------------------------- identity, every datatype

  @ParameterizedTest
  @EnumSource(DataType.class)
  void everyIdentityModelIsReadyWithItsDatatypeInMetadata(DataType t) {
    assertThat(c.ready(idModel(t))).as("%s ready", idModel(t)).isTrue();
    JsonNode md = c.metadata(idModel(t));
    assertThat(md.path("inputs").get(0).path("datatype").asText()).isEqualTo(t.wireName());
    assertThat(md.path("outputs").get(0).path("datatype").asText()).isEqualTo(t.wireName());
    assertThat(md.path("inputs").get(0).path("shape").toString()).isEqualTo("[-1,-1]");
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"FP16", "BF16"},
      mode = EnumSource.Mode.EXCLUDE)
  void jsonRoundTripIsExact(DataType t) {
    for (int batch = 1; batch <= MAX_BATCH; batch++) {
      ArrayNode data = jsonValues(t, batch * COLS);
      ObjectNode req =
          withInputs(request(), jsonInput("INPUT0", t.wireName(), shape(batch, COLS), data));
      V2Client.Response r = c.infer(idModel(t), req);
      assertThat(r.status()).as("%s batch %d: %s", t, batch, r).isEqualTo(200);
      assertThat(r.headerLength()).as("no binary header for an all-JSON reply").isEmpty();
      JsonNode out = r.json().path("outputs").get(0);
      assertThat(out.path("name").asText()).isEqualTo("OUTPUT0");
      assertThat(out.path("datatype").asText()).isEqualTo(t.wireName());
      assertThat(out.path("shape").toString()).isEqualTo("[" + batch + "," + COLS + "]");
      assertJsonEqual(t, data, out.path("data"));
    }
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void binaryRoundTripIsByteExact(DataType t) {
    for (int batch = 1; batch <= MAX_BATCH; batch++) {
      byte[] bytes = binaryValues(t, batch * COLS, batch);
      ObjectNode req =
          withOutputs(
              withInputs(
                  request(), binaryInput("INPUT0", t.wireName(), shape(batch, COLS), bytes.length)),
              true,
              "OUTPUT0");
      V2Client.Response r = c.inferBinary(idModel(t), req, bytes);
      assertThat(r.status()).as("%s batch %d: %s", t, batch, r).isEqualTo(200);
      assertThat(r.headerValue("content-type")).startsWith("application/octet-stream");
      assertThat(r.shapeOf("OUTPUT0")).containsExactly(batch, COLS);
      assertThat(r.output("OUTPUT0").path("datatype").asText()).isEqualTo(t.wireName());
      assertThat(r.output("OUTPUT0").has("data")).isFalse();
      assertThat(r.output("OUTPUT0").path("parameters").path("binary_data_size").asLong())
          .isEqualTo(bytes.length);
      assertThat(r.binary("OUTPUT0")).as("%s batch %d bytes", t, batch).isEqualTo(bytes);
      assertThat(r.body().length).isEqualTo(r.headerLength().getAsInt() + bytes.length);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"FP16", "BF16"},
      mode = EnumSource.Mode.EXCLUDE)
  void jsonRequestBinaryResponseViaBinaryDataOutput(DataType t) {
    ArrayNode data = jsonValues(t, 2 * COLS);
    ObjectNode req = withInputs(request(), jsonInput("INPUT0", t.wireName(), shape(2, COLS), data));
    req.putObject("parameters").put("binary_data_output", true);
    V2Client.Response r = c.infer(idModel(t), req);
    assertThat(r.status()).as("%s: %s", t, r).isEqualTo(200);
    assertThat(r.binary("OUTPUT0")).isEqualTo(encode(t, data));
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"FP16", "BF16"},
      mode = EnumSource.Mode.EXCLUDE)
  void binaryRequestJsonResponse(DataType t) {
    ArrayNode data = jsonValues(t, 3 * COLS);
    byte[] bytes = encode(t, data);
    ObjectNode req =
        withOutputs(
            withInputs(
                request(), binaryInput("INPUT0", t.wireName(), shape(3, COLS), bytes.length)),
            false,
            "OUTPUT0");
    V2Client.Response r = c.inferBinary(idModel(t), req, bytes);
    assertThat(r.status()).as("%s: %s", t, r).isEqualTo(200);
    assertThat(r.headerLength()).isEmpty();
    assertJsonEqual(t, data, r.json().path("outputs").get(0).path("data"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"FP16", "BF16"})
  void halfFloatsInJsonAreRejectedWithTritonsMessage(String type) {
    ObjectNode req =
        withInputs(request(), jsonInput("INPUT0", type, shape(1, 2), V2Client.floats(1f, 2f)));
    V2Client.Response r = c.infer(idModel(DataType.valueOf(type)), req);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.error())
        .contains("receiving " + type + " data via JSON is not supported")
        .contains("INPUT0");
  }

  @Test
  void nestedJsonDataIsAcceptedAndEmittedFlat() {
    ArrayNode nested = F.arrayNode();
    nested.add(V2Client.ints(1, 2, 3));
    nested.add(V2Client.ints(4, 5, 6));
    ObjectNode req = withInputs(request(), jsonInput("INPUT0", "INT32", shape(2, 3), nested));
    V2Client.Response r = c.infer(idModel(DataType.INT32), req);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.json().path("outputs").get(0).path("data").toString()).isEqualTo("[1,2,3,4,5,6]");
  }

  @Test
  void batchAboveMaxBatchSizeIsRejected() {
    ObjectNode req =
        withInputs(
            request(),
            jsonInput(
                "INPUT0", "INT32", shape(MAX_BATCH + 1, 1), V2Client.ints(new int[MAX_BATCH + 1])));
    V2Client.Response r = c.infer(idModel(DataType.INT32), req);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.error()).contains("batch-size must be <= " + MAX_BATCH);
  }

  // ---------------------------------------------------------------- BYTES

  @Test
  void bytesWithNonAsciiAndEmptyStringsInJson() {
    String[] a = {"", "héllo", "日本語", "🦁 caracal", "tab\tquote\"back\\slash", "", "\u0000nul"};
    String[] b = {"x", "", "ß", "", "end", "", ""};
    ObjectNode req =
        withInputs(
            request(),
            jsonInput("INPUT0", "BYTES", shape(1, a.length), strings(a)),
            jsonInput("INPUT1", "BYTES", shape(1, b.length), strings(b)));
    V2Client.Response r = c.infer("strings", req);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    List<String> concat = new ArrayList<>();
    for (int i = 0; i < a.length; i++) {
      concat.add(a[i] + b[i]);
    }
    assertThat(texts(r.output("OUTPUT0").path("data"))).containsExactlyElementsOf(concat);
    assertThat(texts(r.output("OUTPUT1").path("data"))).containsExactly(a);
  }

  @Test
  void bytesWithNonAsciiAndEmptyStringsInBinary() {
    String[] a = {"", "héllo", "日本語", "🦁", "", "z"};
    String[] b = {"", "-", "", "ü", "x", ""};
    byte[] ba = Le.strings(a);
    byte[] bb = Le.strings(b);
    ObjectNode req =
        withOutputs(
            withInputs(
                request(),
                binaryInput("INPUT0", "BYTES", shape(2, 3), ba.length),
                binaryInput("INPUT1", "BYTES", shape(2, 3), bb.length)),
            true,
            "OUTPUT0",
            "OUTPUT1");
    V2Client.Response r = c.inferBinary("strings", req, ba, bb);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    List<String> concat = new ArrayList<>();
    for (int i = 0; i < a.length; i++) {
      concat.add(a[i] + b[i]);
    }
    assertThat(Le.toStrings(r.binary("OUTPUT0"))).containsExactlyElementsOf(concat);
    assertThat(r.binary("OUTPUT1")).isEqualTo(ba);
  }

  @Test
  void bytesIdentityCarriesArbitraryBinaryElementsOrRefusesThemClearly() {
    byte[] bytes =
        Le.bytesElements(new byte[0], new byte[] {0, (byte) 0xff, (byte) 0xc3}, new byte[] {0});
    ObjectNode req =
        withOutputs(
            withInputs(request(), binaryInput("INPUT0", "BYTES", shape(1, 3), bytes.length)),
            true,
            "OUTPUT0");
    V2Client.Response r = c.inferBinary(idModel(DataType.BYTES), req, bytes);
    // ONNX Runtime Java string tensors are Java Strings: the server may refuse non-UTF-8 elements
    // with a clear 400, but it must never alter them silently
    if (r.status() == 200) {
      assertThat(r.binary("OUTPUT0")).as("BYTES elements returned unaltered").isEqualTo(bytes);
    } else {
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
      assertThat(r.error()).contains("INPUT0").contains("UTF-8");
    }
  }

  // ---------------------------------------------------------------- add/sub

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"INT32", "INT64", "FP32", "FP64"})
  void addSubInJsonAndBinaryAtEveryBatchSize(DataType t) {
    for (int batch = 1; batch <= MAX_BATCH; batch++) {
      int n = batch * 16;
      double[] x = new double[n];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        x[i] = i * 3 - 7;
        y[i] = (i % 5) * 2 + 1;
      }
      ObjectNode req =
          withInputs(
              request(),
              jsonInput("INPUT0", t.wireName(), shape(batch, 16), numbers(t, x)),
              jsonInput("INPUT1", t.wireName(), shape(batch, 16), numbers(t, y)));
      V2Client.Response r = c.infer(addSubModel(t), req);
      assertThat(r.status()).as("%s batch %d: %s", t, batch, r).isEqualTo(200);
      JsonNode sum = r.output("OUTPUT0").path("data");
      JsonNode diff = r.output("OUTPUT1").path("data");
      assertThat(r.shapeOf("OUTPUT0")).containsExactly(batch, 16);
      for (int i = 0; i < n; i++) {
        assertThat(sum.get(i).asDouble()).isEqualTo(x[i] + y[i]);
        assertThat(diff.get(i).asDouble()).isEqualTo(x[i] - y[i]);
      }

      byte[] bx = encode(t, numbers(t, x));
      byte[] by = encode(t, numbers(t, y));
      ObjectNode breq =
          withOutputs(
              withInputs(
                  request(),
                  binaryInput("INPUT0", t.wireName(), shape(batch, 16), bx.length),
                  binaryInput("INPUT1", t.wireName(), shape(batch, 16), by.length)),
              true,
              "OUTPUT1",
              "OUTPUT0");
      V2Client.Response br = c.inferBinary(addSubModel(t), breq, bx, by);
      assertThat(br.status()).as("%s batch %d binary: %s", t, batch, br).isEqualTo(200);
      double[] s = new double[n];
      double[] d = new double[n];
      for (int i = 0; i < n; i++) {
        s[i] = x[i] + y[i];
        d[i] = x[i] - y[i];
      }
      assertThat(br.binary("OUTPUT0")).isEqualTo(encode(t, numbers(t, s)));
      assertThat(br.binary("OUTPUT1")).isEqualTo(encode(t, numbers(t, d)));
    }
  }

  @Test
  void requestingOneOutputReturnsOnlyThatOne() {
    ObjectNode req =
        withInputs(
            request(),
            jsonInput("INPUT0", "INT32", shape(1, 16), V2Client.ints(new int[16])),
            jsonInput("INPUT1", "INT32", shape(1, 16), V2Client.ints(new int[16])));
    withOutputs(req, false, "OUTPUT1");
    req.put("id", "req-42");
    V2Client.Response r = c.infer(addSubModel(DataType.INT32), req);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode body = r.json();
    assertThat(body.path("outputs")).hasSize(1);
    assertThat(body.path("outputs").get(0).path("name").asText()).isEqualTo("OUTPUT1");
    assertThat(body.path("id").asText()).isEqualTo("req-42");
    assertThat(body.path("model_name").asText()).isEqualTo(addSubModel(DataType.INT32));
    assertThat(body.path("model_version").asText()).isEqualTo("1");
    List<String> members = new ArrayList<>();
    body.fieldNames().forEachRemaining(members::add);
    assertThat(members).isSubsetOf("model_name", "model_version", "id", "parameters", "outputs");
  }

  // ---------------------------------------------------------------- values

  static List<String> texts(JsonNode arr) {
    List<String> r = new ArrayList<>();
    arr.forEach(n -> r.add(n.asText()));
    return r;
  }

  static ArrayNode numbers(DataType t, double[] v) {
    ArrayNode a = F.arrayNode();
    for (double x : v) {
      switch (t) {
        case INT32 -> a.add((int) x);
        case INT64 -> a.add((long) x);
        case FP32 -> a.add((float) x);
        default -> a.add(x);
      }
    }
    return a;
  }

  /** Interesting JSON values of type t, n of them, cycling through extremes. */
  static ArrayNode jsonValues(DataType t, int n) {
    ArrayNode a = F.arrayNode();
    for (int i = 0; i < n; i++) {
      int k = i % 5;
      switch (t) {
        case BOOL -> a.add(i % 3 == 0);
        case UINT8 -> a.add(new int[] {0, 255, 1, 128, 77}[k]);
        case INT8 -> a.add(new int[] {-128, 127, 0, -1, 42}[k]);
        case UINT16 -> a.add(new int[] {0, 65535, 1, 32768, 4242}[k]);
        case INT16 -> a.add(new int[] {-32768, 32767, 0, -1, 1234}[k]);
        case UINT32 -> a.add(new long[] {0, 4294967295L, 1, 2147483648L, 99}[k]);
        case INT32 -> a.add(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1, 7 * i}[k]);
        case UINT64 ->
            a.add(
                new BigInteger[] {
                      BigInteger.ZERO,
                      new BigInteger("18446744073709551615"),
                      BigInteger.ONE,
                      new BigInteger("9223372036854775808"),
                      BigInteger.valueOf(i)
                    }
                    [k]);
        case INT64 -> a.add(new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1, 1L << 40}[k]);
        case FP32 -> a.add(new float[] {0f, -1.5f, 3.4028235e38f, 1.0e-45f, 0.1f * i}[k]);
        case FP64 -> a.add(new double[] {0d, -2.5, 1.7976931348623157e308, 4.9e-324, 0.1 * i}[k]);
        case BYTES -> a.add(new String[] {"", "héllo wörld", "日本語", "🦁", "plain " + i}[k]);
        default -> throw new IllegalArgumentException(t.name());
      }
    }
    return a;
  }

  static void assertJsonEqual(DataType t, JsonNode expected, JsonNode actual) {
    assertThat(actual.isArray()).as("data is an array: %s", actual).isTrue();
    assertThat(actual.size()).isEqualTo(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      JsonNode e = expected.get(i);
      JsonNode a = actual.get(i);
      switch (t) {
        case BOOL -> {
          assertThat(a.isBoolean()).as("BOOL element %d is a JSON boolean: %s", i, a).isTrue();
          assertThat(a.asBoolean()).isEqualTo(e.asBoolean());
        }
        case BYTES -> assertThat(a.asText()).isEqualTo(e.asText());
        case FP32 -> assertThat((float) a.asDouble()).as("element %d", i).isEqualTo(e.floatValue());
        case FP64 -> assertThat(a.asDouble()).as("element %d", i).isEqualTo(e.doubleValue());
        default -> {
          assertThat(a.isIntegralNumber()).as("element %d integral: %s", i, a).isTrue();
          assertThat(a.bigIntegerValue()).as("element %d", i).isEqualTo(e.bigIntegerValue());
        }
      }
    }
  }

  /** Little-endian encoding of JSON values of type t. */
  static byte[] encode(DataType t, JsonNode values) {
    if (t == DataType.BYTES) {
      String[] s = new String[values.size()];
      for (int i = 0; i < s.length; i++) {
        s[i] = values.get(i).asText();
      }
      return Le.strings(s);
    }
    ByteBuffer b = ByteBuffer.allocate(values.size() * t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode v : values) {
      switch (t) {
        case BOOL -> b.put((byte) (v.asBoolean() ? 1 : 0));
        case UINT8, INT8 -> b.put((byte) v.asLong());
        case UINT16, INT16 -> b.putShort((short) v.asLong());
        case UINT32, INT32 -> b.putInt((int) v.asLong());
        case UINT64, INT64 -> b.putLong(v.bigIntegerValue().longValue());
        case FP32 -> b.putFloat(v.floatValue());
        case FP64 -> b.putDouble(v.doubleValue());
        default -> throw new IllegalArgumentException(t.name());
      }
    }
    return b.array();
  }

  /** n elements of type t as raw bytes; deterministic per seed; floats include ±inf and NaN. */
  static byte[] binaryValues(DataType t, int n, int seed) {
    java.util.Random rnd = new java.util.Random(seed * 31L + t.ordinal());
    switch (t) {
      case BYTES -> {
        String[] s = new String[n];
        for (int i = 0; i < n; i++) {
          s[i] = new String[] {"", "ä" + i, "日本", "🦁", "x".repeat(i)}[i % 5];
        }
        return Le.strings(s);
      }
      case BOOL -> {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
          b[i] = (byte) (rnd.nextBoolean() ? 1 : 0);
        }
        return b;
      }
      case FP16, BF16 -> {
        float[] f = {
          0f,
          -0f,
          1f,
          -1.5f,
          65504f,
          Float.POSITIVE_INFINITY,
          Float.NEGATIVE_INFINITY,
          Float.NaN,
          6.1e-5f,
          3.140625f
        };
        ByteBuffer b = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          float v = f[i % f.length] * (i / f.length + 1);
          b.putShort(
              t == DataType.FP16
                  ? Float.floatToFloat16(v)
                  : (short) (Float.floatToIntBits(v) >>> 16));
        }
        return b.array();
      }
      case FP32 -> {
        float[] f = {
          0f,
          -0f,
          Float.MAX_VALUE,
          Float.MIN_VALUE,
          Float.POSITIVE_INFINITY,
          Float.NEGATIVE_INFINITY,
          Float.NaN
        };
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          b.putFloat(i % 2 == 0 ? f[(i / 2) % f.length] : rnd.nextFloat() * 1e6f - 5e5f);
        }
        return b.array();
      }
      case FP64 -> {
        double[] f = {
          0d,
          -0d,
          Double.MAX_VALUE,
          Double.MIN_VALUE,
          Double.POSITIVE_INFINITY,
          Double.NEGATIVE_INFINITY,
          Double.NaN
        };
        ByteBuffer b = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          b.putDouble(i % 2 == 0 ? f[(i / 2) % f.length] : rnd.nextGaussian() * 1e9);
        }
        return b.array();
      }
      default -> {
        byte[] b = new byte[n * t.byteSize()];
        rnd.nextBytes(b);
        return b;
      }
    }
  }
}
