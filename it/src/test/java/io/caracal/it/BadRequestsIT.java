package io.caracal.it;

import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.api.DataType;
import io.caracal.testing.http.RawHttp;
import io.caracal.testing.models.TestModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * reliability-security.md §4a rows 1-16, 23-25 over REST, each asserting the HTTP status and a
 * message substring, and row 32: no error body leaks a path, a class name or a stack trace. The
 * cases share one server and are independent of each other and of their order; after all of them
 * the server is live, serves a good request, and has leaked no Netty buffer.
 */
class BadRequestsIT {
  @TempDir static Path repo;
  static ItServer server;
  static V2Client c;
  static LeakWatch leakWatch;

  @BeforeAll
  static void start() throws Exception {
    TestModels.addSub(repo, "simple", DataType.INT32, 8);
    TestModels.identity(repo, "id_int8", DataType.INT8, 8);
    TestModels.identity(repo, "id_uint8", DataType.UINT8, 8);
    TestModels.identity(repo, "id_bool", DataType.BOOL, 8);
    TestModels.identity(repo, "id_fp16", DataType.FP16, 8);
    TestModels.identity(repo, "id_fp32", DataType.FP32, 8);
    TestModels.identity(repo, "id_int64", DataType.INT64, 8);
    TestModels.identity(repo, "id_bytes", DataType.BYTES, 8);
    leakWatch = new LeakWatch();
    server = ItServer.start(repo);
    c = server.client;
  }

  /**
   * After every case, in whatever order they ran: still serving, and every bad request released its
   * buffers.
   */
  @AfterAll
  static void stillServesAndLeakedNothing_thenStop() {
    try {
      if (server != null) {
        assertThat(c.serverLive()).isTrue();
        assertThat(post("simple", GOOD_SIMPLE).status()).isEqualTo(200);
        // Netty reports a leak (paranoid detection) once the buffer was collected; leaks() collects
        // and sends traffic
        List<String> leaks =
            leakWatch.leaks(() -> {
              for (int i = 0; i < 20; i++) {
                assertThat(post("simple", GOOD_SIMPLE).status()).isEqualTo(200);
                assertThat(post("simple", "{broken").status()).isEqualTo(400);
              }
            });
        assertThat(leaks).as("Netty leak reports").isEmpty();
      }
    } finally {
      if (leakWatch != null) {
        leakWatch.close();
      }
      if (server != null) {
        server.close();
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Asserts status, the error hygiene (row 32), and that the error names each substring. */
  static String expect(V2Client.Response r, int status, String... substrings) {
    assertThat(r.status()).as("status of %s", r).isEqualTo(status);
    assertThat(r.headerValue("content-type"))
        .as("error content type")
        .startsWith("application/json");
    String e = r.error();
    assertClean(e);
    for (String s : substrings) {
      assertThat(e).as("error message").contains(s);
    }
    return e;
  }

  static String expectIn(V2Client.Response r, List<Integer> statuses, String... substrings) {
    assertThat(r.status()).as("status of %s", r).isIn(statuses);
    String e = r.error();
    assertClean(e);
    for (String s : substrings) {
      assertThat(e).as("error message").contains(s);
    }
    return e;
  }

  /** Row 32: no absolute paths, class names, "Exception" or stack traces in a client message. */
  static void assertClean(String e) {
    assertThat(e)
        .as("error hygiene")
        .doesNotContain(repo.toString())
        .doesNotContain("/tmp/")
        .doesNotContain("/work/")
        .doesNotContain("Exception")
        .doesNotContain("\tat ")
        .doesNotContainPattern("\\bat [a-zA-Z_$][\\w$]*(\\.[\\w$]+)+\\(")
        .doesNotContainPattern(
            "\\b(io|java|javax|jdk|sun|com|org|ai)\\.[a-z_]+(\\.[a-z_]+)*\\.[A-Z]\\w+");
  }

  static V2Client.Response post(String model, String json) {
    return c.postJson(V2Client.inferPath(model), json);
  }

  static ObjectNode simple(long[] s0, ArrayNode d0, long[] s1, ArrayNode d1) {
    return withInputs(
        request(), jsonInput("INPUT0", "INT32", s0, d0), jsonInput("INPUT1", "INT32", s1, d1));
  }

  static ArrayNode zeros(int n) {
    return V2Client.ints(new int[n]);
  }

  static final String GOOD_SIMPLE =
      simple(shape(1, 16), zeros(16), shape(1, 16), zeros(16)).toString();

  // ---------------------------------------------------------------- row 1: malformed JSON

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"inputs\": [",
        "{\"inputs\": []} trailing garbage",
        "{inputs: []}",
        "[1, 2, 3]",
        "\"just a string\"",
        "{\"inputs\": [{\"name\": \"INPUT0\", \"shape\": [1,16], \"datatype\": \"INT32\", \"data\": [1,2,]}]}",
      })
  void malformedJsonIs400(String body) {
    expect(post("simple", body), 400);
  }

  @ParameterizedTest
  @ValueSource(strings = {"NaN", "Infinity", "-Infinity"})
  void nonFiniteJsonTokensAre400(String token) {
    String body =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":["
            + token
            + "]}]}";
    expect(post("id_fp32", body), 400);
  }

  @Test
  void invalidUtf8Is400() {
    byte[] body =
        GOOD_SIMPLE.replace("\"INPUT0\"", "\"INPUT0\u00ff\"").getBytes(StandardCharsets.ISO_8859_1);
    expect(c.post(V2Client.inferPath("simple"), body), 400);
  }

  @Test
  void byteOrderMarkIs400() {
    byte[] json = GOOD_SIMPLE.getBytes(StandardCharsets.UTF_8);
    byte[] body = V2Client.concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, json);
    expect(c.post(V2Client.inferPath("simple"), body), 400);
  }

  @Test
  void duplicateKeysAre400() {
    String inputs = GOOD_SIMPLE.substring(1, GOOD_SIMPLE.length() - 1);
    expect(post("simple", "{" + inputs + "," + inputs + "}"), 400, "inputs");
  }

  // ---------------------------------------------------------------- row 2: method, empty body

  @Test
  void getWithABodyOnInferIs405() throws IOException {
    byte[] big = new byte[10 * 1024 * 1024];
    java.util.Arrays.fill(big, (byte) ' ');
    V2Client.Response r = c.send("GET", V2Client.inferPath("simple"), big);
    expect(r, 405, "Method Not Allowed");
    // and the connection is still usable on a raw socket after a drained 405
    try (RawHttp raw = new RawHttp(c.port())) {
      RawHttp.Resp first = raw.send("GET", "/v2/models/simple/infer", new byte[1024 * 1024]);
      assertThat(first.status()).isEqualTo(405);
      RawHttp.Resp second =
          raw.send("POST", "/v2/models/simple/infer", GOOD_SIMPLE.getBytes(StandardCharsets.UTF_8));
      assertThat(second.status()).as(second.toString()).isEqualTo(200);
    }
  }

  @Test
  void emptyBodyIs400() {
    expect(c.post(V2Client.inferPath("simple"), new byte[0]), 400);
  }

  // ---------------------------------------------------------------- row 3: deep nesting

  @Test
  void deeplyNestedDataIs400() {
    int depth = 100_000;
    String data = "[".repeat(depth) + "1" + "]".repeat(depth);
    String body =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,1],\"datatype\":\"INT8\",\"data\":"
            + data
            + "}]}";
    expect(post("id_int8", body), 400, "depth");
  }

  @Test
  void deeplyNestedParametersAre400() {
    int depth = 100_000;
    String params = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    String body =
        GOOD_SIMPLE.substring(0, GOOD_SIMPLE.length() - 1) + ",\"parameters\":" + params + "}";
    long t0 = System.nanoTime();
    String e = expect(post("simple", body), 400);
    assertThat(e).contains("depth");
    assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to reject").isLessThan(5_000);
  }

  /** Row 3: "depth > rank + small slack" is refused; nested arrays matching the shape are fine. */
  @Test
  void dataNestedDeeperThanTheShapeIs400() {
    String body =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,1],\"datatype\":\"INT8\",\"data\":[[[[[[1]]]]]]}]}";
    expect(post("id_int8", body), 400, "INPUT0");
    String matching =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[2,2],\"datatype\":\"INT8\",\"data\":[[1,2],[3,4]]}]}";
    assertThat(post("id_int8", matching).status()).isEqualTo(200);
  }

  // ---------------------------------------------------------------- row 4: huge numbers

  @Test
  void hugeExponentIs400() {
    String body =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,1],\"datatype\":\"FP32\",\"data\":[1e999999]}]}";
    expect(post("id_fp32", body), 400);
  }

  @Test
  void tenThousandDigitIntegerIs400() {
    String body =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,1],\"datatype\":\"INT64\",\"data\":["
            + "9".repeat(10_000)
            + "]}]}";
    expect(post("id_int64", body), 400);
  }

  @Test
  void fractionForAnIntegerInputIs400() {
    ArrayNode d = zeros(16);
    d.set(3, V2Client.F.numberNode(1.0));
    expect(c.infer("simple", simple(shape(1, 16), d, shape(1, 16), zeros(16))), 400, "INPUT0");
  }

  @Test
  void int64BeyondRangeIs400() {
    String body =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,1],\"datatype\":\"INT64\",\"data\":[9223372036854775808]}]}";
    expect(post("id_int64", body), 400, "INPUT0");
  }

  // ---------------------------------------------------------------- rows 5, 6: shape claims

  @ParameterizedTest
  @ValueSource(
      strings = {
        "[2147483647, 2147483647]",
        "[3037000500, 3037000500]",
        "[4294967296, 4294967296]",
        "[9223372036854775807, 2]",
        "[1, 9223372036854775807]",
      })
  void hugeShapeClaimsAre400Quickly(String shapeJson) {
    String body =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":"
            + shapeJson
            + ",\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";
    long t0 = System.nanoTime();
    expect(post("id_fp32", body), 400, "INPUT0");
    assertThat((System.nanoTime() - t0) / 1_000_000).as("ms to reject").isLessThan(5_000);

    // the same claims with binary data
    String bin =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":"
            + shapeJson
            + ",\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":16}}]}";
    byte[] json = bin.getBytes(StandardCharsets.UTF_8);
    V2Client.Response r =
        c.post(
            V2Client.inferPath("id_fp32"),
            V2Client.concat(json, new byte[16]),
            V2Client.HEADER_LENGTH,
            Integer.toString(json.length));
    expect(r, 400, "INPUT0");
  }

  @Test
  void sixtyFourDimsOfTwoIs400() {
    long[] s = new long[64];
    java.util.Arrays.fill(s, 2);
    expect(
        c.infer(
            "id_fp32", withInputs(request(), jsonInput("INPUT0", "FP32", s, V2Client.floats(1f)))),
        400,
        "INPUT0");
  }

  @Test
  void shapeDimensionThatIsNotAnIntegerIs400() {
    String body =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,\"4\"],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}";
    expect(post("id_fp32", body), 400, "INPUT0");
    String body2 =
        "{\"inputs\":[{\"name\":\"INPUT0\",\"shape\":[1,1e400],\"datatype\":\"FP32\",\"data\":[1]}]}";
    expect(post("id_fp32", body2), 400);
  }

  // ---------------------------------------------------------------- row 7: negative dims

  @ParameterizedTest
  @ValueSource(strings = {"[-1, 16]", "[1, -16]", "[-2, 16]"})
  void negativeDimsAre400(String shapeJson) {
    String in0 =
        "{\"name\":\"INPUT0\",\"shape\":"
            + shapeJson
            + ",\"datatype\":\"INT32\",\"data\":"
            + zeros(16)
            + "}";
    String in1 =
        "{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + zeros(16) + "}";
    expect(post("simple", "{\"inputs\":[" + in0 + "," + in1 + "]}"), 400, "INPUT0");
  }

  // ---------------------------------------------------------------- row 8: zero-size dims

  @Test
  void zeroSizeDimsGiveAnEmptyOutputOrAClean400() {
    V2Client.Response r =
        c.infer(
            "id_fp32",
            withInputs(
                request(), jsonInput("INPUT0", "FP32", shape(1, 0), V2Client.F.arrayNode())));
    if (r.status() == 200) {
      assertThat(r.shapeOf("OUTPUT0")).containsExactly(1, 0);
      assertThat(r.output("OUTPUT0").path("data").size()).isZero();
    } else {
      expect(r, 400, "INPUT0");
    }
    V2Client.Response b =
        c.inferBinary(
            "id_fp32",
            withOutputs(
                withInputs(request(), binaryInput("INPUT0", "FP32", shape(1, 0), 0)),
                true,
                "OUTPUT0"));
    if (b.status() == 200) {
      assertThat(b.shapeOf("OUTPUT0")).containsExactly(1, 0);
      assertThat(b.binary("OUTPUT0")).isEmpty();
    } else {
      expect(b, 400, "INPUT0");
    }
    V2Client.Response z =
        c.infer(
            "simple",
            simple(shape(0, 16), V2Client.F.arrayNode(), shape(0, 16), V2Client.F.arrayNode()));
    if (z.status() != 200) {
      expect(z, 400, "batch-size", "INPUT0");
    }
    assertThat(c.serverLive()).isTrue();
  }

  // ---------------------------------------------------------------- row 9: shape vs data

  @Test
  void jsonDataCountNotMatchingTheShapeIs400() {
    expect(
        c.infer("simple", simple(shape(1, 16), zeros(15), shape(1, 16), zeros(16))), 400, "INPUT0");
    expect(
        c.infer("simple", simple(shape(1, 16), zeros(17), shape(1, 16), zeros(16))), 400, "INPUT0");
  }

  @Test
  void binaryByteCountNotMatchingTheShapeIs400() {
    ObjectNode req =
        withInputs(
            request(),
            binaryInput("INPUT0", "INT32", shape(1, 16), 60),
            binaryInput("INPUT1", "INT32", shape(1, 16), 64));
    expect(c.inferBinary("simple", req, new byte[60], new byte[64]), 400, "INPUT0");
  }

  @Test
  void bytesElementCountNotMatchingTheShapeIs400() {
    byte[] three = Le.strings("a", "b", "c");
    expect(
        c.inferBinary(
            "id_bytes",
            withInputs(request(), binaryInput("INPUT0", "BYTES", shape(1, 2), three.length)),
            three),
        400,
        "INPUT0");
    byte[] one = Le.strings("a");
    expect(
        c.inferBinary(
            "id_bytes",
            withInputs(request(), binaryInput("INPUT0", "BYTES", shape(1, 2), one.length)),
            one),
        400,
        "INPUT0");
    expect(
        c.infer(
            "id_bytes",
            withInputs(
                request(), jsonInput("INPUT0", "BYTES", shape(1, 2), V2Client.strings("a")))),
        400,
        "INPUT0");
  }

  // ---------------------------------------------------------------- row 10: datatypes

  @Test
  void wrongDatatypeIs400WithTritonsMessage() {
    ObjectNode req =
        withInputs(
            request(),
            jsonInput("INPUT0", "FP32", shape(1, 16), V2Client.floats(new float[16])),
            jsonInput("INPUT1", "INT32", shape(1, 16), zeros(16)));
    expect(
        c.infer("simple", req),
        400,
        "inference input 'INPUT0' data-type is 'FP32', but model 'simple' expects 'INT32'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"FP128", "fp32", "int32", "Int32", "", "STRING", "TYPE_INT32"})
  void unknownDatatypeIs400(String type) {
    ObjectNode req =
        withInputs(
            request(),
            jsonInput("INPUT0", type, shape(1, 16), zeros(16)),
            jsonInput("INPUT1", "INT32", shape(1, 16), zeros(16)));
    String e = expect(c.infer("simple", req), 400, "INPUT0");
    if (!type.isEmpty()) {
      assertThat(e).contains(type);
    }
  }

  @Test
  void stringsInNumericDataAre400() {
    ArrayNode d = zeros(16);
    d.set(0, V2Client.F.textNode("1"));
    expect(c.infer("simple", simple(shape(1, 16), d, shape(1, 16), zeros(16))), 400, "INPUT0");
    ArrayNode n = zeros(16);
    n.set(0, V2Client.F.nullNode());
    expect(c.infer("simple", simple(shape(1, 16), n, shape(1, 16), zeros(16))), 400, "INPUT0");
  }

  @Test
  void numbersForBytesAre400() {
    expect(
        c.infer(
            "id_bytes",
            withInputs(request(), jsonInput("INPUT0", "BYTES", shape(1, 2), V2Client.ints(1, 2)))),
        400,
        "INPUT0");
  }

  // ---------------------------------------------------------------- row 11: out of range

  @Test
  void outOfRangeValuesAre400NotWrapped() {
    expect(
        c.infer(
            "id_int8",
            withInputs(request(), jsonInput("INPUT0", "INT8", shape(1, 2), V2Client.ints(1, 300)))),
        400,
        "INPUT0");
    expect(
        c.infer(
            "id_int8",
            withInputs(request(), jsonInput("INPUT0", "INT8", shape(1, 1), V2Client.ints(-129)))),
        400,
        "INPUT0");
    expect(
        c.infer(
            "id_uint8",
            withInputs(request(), jsonInput("INPUT0", "UINT8", shape(1, 2), V2Client.ints(0, -1)))),
        400,
        "INPUT0");
    expect(
        c.infer(
            "id_uint8",
            withInputs(request(), jsonInput("INPUT0", "UINT8", shape(1, 1), V2Client.ints(256)))),
        400,
        "INPUT0");
    expect(
        c.infer(
            "id_bool",
            withInputs(request(), jsonInput("INPUT0", "BOOL", shape(1, 1), V2Client.ints(2)))),
        400,
        "INPUT0");
    expect(
        c.infer(
            "id_bool",
            withInputs(request(), jsonInput("INPUT0", "BOOL", shape(1, 1), V2Client.ints(1)))),
        400,
        "INPUT0");
    ArrayNode big = zeros(16);
    big.set(0, V2Client.F.numberNode(2147483648L));
    expect(c.infer("simple", simple(shape(1, 16), big, shape(1, 16), zeros(16))), 400, "INPUT0");
    expect(
        c.infer(
            "id_fp32",
            withInputs(
                request(),
                jsonInput("INPUT0", "FP32", shape(1, 1), V2Client.F.arrayNode().add(1e300)))),
        400,
        "INPUT0");
  }

  @Test
  void fp16InJsonIs400() {
    expect(
        c.infer(
            "id_fp16",
            withInputs(request(), jsonInput("INPUT0", "FP16", shape(1, 1), V2Client.floats(1f)))),
        400,
        "receiving FP16 data via JSON is not supported",
        "INPUT0");
  }

  // ---------------------------------------------------------------- row 12: rank / batch

  @Test
  void rankAndBatchViolationsAre400() {
    expect(
        c.infer("simple", simple(shape(16), zeros(16), shape(1, 16), zeros(16))),
        400,
        "unexpected shape for input 'INPUT0' for model 'simple'");
    expect(
        c.infer("simple", simple(shape(1, 1, 16), zeros(16), shape(1, 16), zeros(16))),
        400,
        "unexpected shape for input 'INPUT0'");
    expect(
        c.infer("simple", simple(shape(1, 17), zeros(17), shape(1, 16), zeros(16))),
        400,
        "unexpected shape for input 'INPUT0'");
    expect(
        c.infer("simple", simple(shape(9, 16), zeros(144), shape(9, 16), zeros(144))),
        400,
        "batch-size must be <= 8");
    expect(
        c.infer("simple", simple(shape(1, 16), zeros(16), shape(2, 16), zeros(32))),
        400,
        "batch size");
  }

  // ---------------------------------------------------------------- row 13: input set

  @Test
  void inputSetErrorsAre400() {
    expect(
        c.infer(
            "simple", withInputs(request(), jsonInput("INPUT0", "INT32", shape(1, 16), zeros(16)))),
        400,
        "expected 2 inputs but got 1 inputs for model 'simple'",
        "INPUT1");
    ObjectNode unknown = simple(shape(1, 16), zeros(16), shape(1, 16), zeros(16));
    ((ArrayNode) unknown.get("inputs")).add(jsonInput("BOGUS", "INT32", shape(1, 16), zeros(16)));
    expect(
        c.infer("simple", unknown), 400, "unexpected inference input 'BOGUS' for model 'simple'");
    ObjectNode dup =
        withInputs(
            request(),
            jsonInput("INPUT0", "INT32", shape(1, 16), zeros(16)),
            jsonInput("INPUT0", "INT32", shape(1, 16), zeros(16)),
            jsonInput("INPUT1", "INT32", shape(1, 16), zeros(16)));
    expect(c.infer("simple", dup), 400, "INPUT0");
    ObjectNode caseOnly =
        withInputs(
            request(),
            jsonInput("input0", "INT32", shape(1, 16), zeros(16)),
            jsonInput("INPUT1", "INT32", shape(1, 16), zeros(16)));
    expect(c.infer("simple", caseOnly), 400, "input0");
    expect(post("simple", "{}"), 400, "inputs");
    expect(post("simple", "{\"inputs\": []}"), 400);
    expect(post("simple", "{\"inputs\": {}}"), 400, "inputs");
  }

  @Test
  void outputSetErrorsAre400() {
    ObjectNode unknown =
        withOutputs(simple(shape(1, 16), zeros(16), shape(1, 16), zeros(16)), false, "NOPE");
    expect(
        c.infer("simple", unknown), 400, "unexpected inference output 'NOPE' for model 'simple'");
    ObjectNode dup =
        withOutputs(
            simple(shape(1, 16), zeros(16), shape(1, 16), zeros(16)), false, "OUTPUT0", "OUTPUT0");
    expect(c.infer("simple", dup), 400, "output 'OUTPUT0' already exists in request");
  }

  // ---------------------------------------------------------------- row 30 and §5.3/§6 parameters

  @Test
  void reservedAndUnsupportedParametersAre400() {
    ObjectNode reserved = (ObjectNode) V2Client.parse(GOOD_SIMPLE);
    reserved.putObject("parameters").put("triton_enable_empty_final_response", true);
    expect(c.infer("simple", reserved), 400, "triton_");

    ObjectNode shm = (ObjectNode) V2Client.parse(GOOD_SIMPLE);
    ((ObjectNode) shm.get("inputs").get(0))
        .putObject("parameters")
        .put("shared_memory_region", "region0");
    expect(c.infer("simple", shm), 400, "shared_memory_region");

    ObjectNode wrongType = (ObjectNode) V2Client.parse(GOOD_SIMPLE);
    wrongType.putObject("parameters").put("binary_data_output", "yes");
    expect(c.infer("simple", wrongType), 400, "binary_data_output");

    ObjectNode nonObject = (ObjectNode) V2Client.parse(GOOD_SIMPLE);
    nonObject.put("parameters", 5);
    expect(c.infer("simple", nonObject), 400, "parameters");

    ObjectNode badId = (ObjectNode) V2Client.parse(GOOD_SIMPLE);
    badId.put("id", 42);
    expect(c.infer("simple", badId), 400, "id");
  }

  // ---------------------------------------------------------------- row 14: BYTES claims

  @Test
  void oversizedBytesElementClaimsAre400() {
    byte[] claim2GiB =
        V2Client.concat(
            Le.buf(4).putInt(0x80000000).array(), "abc".getBytes(StandardCharsets.UTF_8));
    expectIn(
        c.inferBinary(
            "id_bytes",
            withInputs(request(), binaryInput("INPUT0", "BYTES", shape(1, 1), claim2GiB.length)),
            claim2GiB),
        List.of(400, 413),
        "INPUT0");
    byte[] claimMax = V2Client.concat(Le.buf(4).putInt(-1).array(), new byte[8]);
    expectIn(
        c.inferBinary(
            "id_bytes",
            withInputs(request(), binaryInput("INPUT0", "BYTES", shape(1, 1), claimMax.length)),
            claimMax),
        List.of(400, 413),
        "INPUT0");
    byte[] beyond =
        V2Client.concat(Le.buf(4).putInt(10).array(), "abc".getBytes(StandardCharsets.UTF_8));
    expect(
        c.inferBinary(
            "id_bytes",
            withInputs(request(), binaryInput("INPUT0", "BYTES", shape(1, 1), beyond.length)),
            beyond),
        400,
        "INPUT0");
    byte[] truncatedPrefix = {3, 0};
    expect(
        c.inferBinary(
            "id_bytes",
            withInputs(
                request(), binaryInput("INPUT0", "BYTES", shape(1, 1), truncatedPrefix.length)),
            truncatedPrefix),
        400,
        "INPUT0");
  }

  // ---------------------------------------------------------------- row 15: binary_data_size

  static V2Client.Response binarySimple(String size0, byte[] data0, boolean withData) {
    String in0 =
        "{\"name\":\"INPUT0\",\"shape\":[1,16],\"datatype\":\"INT32\""
            + (withData ? ",\"data\":" + zeros(16) : "")
            + ",\"parameters\":{\"binary_data_size\":"
            + size0
            + "}}";
    String in1 =
        "{\"name\":\"INPUT1\",\"shape\":[1,16],\"datatype\":\"INT32\",\"data\":" + zeros(16) + "}";
    byte[] json = ("{\"inputs\":[" + in0 + "," + in1 + "]}").getBytes(StandardCharsets.UTF_8);
    return c.post(
        V2Client.inferPath("simple"),
        V2Client.concat(json, data0),
        V2Client.HEADER_LENGTH,
        Integer.toString(json.length));
  }

  @Test
  void invalidBinaryDataSizeIs400() {
    expect(binarySimple("-64", new byte[64], false), 400, "INPUT0");
    expect(binarySimple("128", new byte[64], false), 400, "INPUT0");
    expect(
        binarySimple("64", new byte[100], false),
        400,
        "unexpected additional input data for model 'simple'");
    expect(binarySimple("\"64\"", new byte[64], false), 400, "binary_data_size");
    expect(binarySimple("64.5", new byte[64], false), 400, "binary_data_size");
    expect(binarySimple("99999999999999999999", new byte[64], false), 400, "binary_data_size");
    expect(
        binarySimple("64", new byte[64], true),
        400,
        "Input must set only one of the following fields");
  }

  @Test
  void binaryInputWithoutTheHeaderIs400() {
    ObjectNode req =
        withInputs(
            request(),
            binaryInput("INPUT0", "INT32", shape(1, 16), 64),
            binaryInput("INPUT1", "INT32", shape(1, 16), 64));
    byte[] json = req.toString().getBytes(StandardCharsets.UTF_8);
    expect(c.post(V2Client.inferPath("simple"), V2Client.concat(json, new byte[128])), 400);
    expect(c.post(V2Client.inferPath("simple"), json), 400, "binary_data_size");
  }

  // ---------------------------------------------------------------- row 16: header length

  @ParameterizedTest
  @ValueSource(strings = {"-1", "abc", "1e3", "99999999999", "100000", "0x10", ""})
  void badInferenceHeaderContentLengthIs400(String value) {
    byte[] json = GOOD_SIMPLE.getBytes(StandardCharsets.UTF_8);
    String e =
        expect(c.post(V2Client.inferPath("simple"), json, V2Client.HEADER_LENGTH, value), 400);
    // Triton's texts (§5.3) plus the header's name, so the message names the offending field
    assertThat(e).containsIgnoringCase("Inference-Header-Content-Length");
  }

  @Test
  void headerLengthSplittingTheJsonOrAUtf8SequenceIs400() {
    String withUtf8 = GOOD_SIMPLE.replace("{\"inputs\"", "{\"id\":\"é日本\",\"inputs\"");
    byte[] json = withUtf8.getBytes(StandardCharsets.UTF_8);
    int split = withUtf8.indexOf('é') + 1; // the byte after the first byte of 'é'
    expect(
        c.post(V2Client.inferPath("simple"), json, V2Client.HEADER_LENGTH, Integer.toString(split)),
        400);
    expect(
        c.post(
            V2Client.inferPath("simple"),
            json,
            V2Client.HEADER_LENGTH,
            Integer.toString(json.length - 1)),
        400);
  }

  // ---------------------------------------------------------------- rows 23-25: names

  static final String[] INVALID_ENCODED_NAMES = {
    "..%2Fx", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%2E%2E%2Fx", "..%5Cx", "%2Fetc",
        "a%2F..%2F..%2Fb",
    "%2e", "%00", "a%00b", "%E2%80%AE" + "evil", "%C0%AE%C0%AE", "%EF%BC%8E%EF%BC%8E%EF%BC%8F",
        "%F0%9F%A6%81",
    "a%0Ab", "a%20b", "x".repeat(300), "-leading-dash", "%FF"
  };

  static List<String[]> endpoints(String name) {
    return List.of(
        new String[] {"POST", "/v2/models/" + name + "/infer"},
        new String[] {"POST", "/v2/models/" + name + "/versions/1/infer"},
        new String[] {"GET", "/v2/models/" + name},
        new String[] {"GET", "/v2/models/" + name + "/versions/1"},
        new String[] {"GET", "/v2/models/" + name + "/ready"},
        new String[] {"GET", "/v2/models/" + name + "/versions/1/ready"});
  }

  static RawHttp.Resp raw(String method, String target, byte[] body) throws IOException {
    try (RawHttp h = new RawHttp(c.port())) {
      return h.send(method, target, body);
    }
  }

  @Test
  void invalidModelNamesAre400OnEveryEndpoint() throws IOException {
    byte[] body = GOOD_SIMPLE.getBytes(StandardCharsets.UTF_8);
    for (String name : INVALID_ENCODED_NAMES) {
      for (String[] ep : endpoints(name)) {
        RawHttp.Resp r = raw(ep[0], ep[1], ep[0].equals("POST") ? body : null);
        assertThat(r.status()).as("%s %s -> %s", ep[0], ep[1], r).isEqualTo(400);
        String e = new V2Client.Response(r).error();
        assertClean(e);
        assertThat(e).as("%s %s", ep[0], ep[1]).containsIgnoringCase("model name");
      }
    }
  }

  @Test
  void literalDotSegmentsNeverReachAModel() throws IOException {
    byte[] body = GOOD_SIMPLE.getBytes(StandardCharsets.UTF_8);
    for (String name :
        new String[] {
          ".", "..", "../simple", "../../etc/passwd", "a/../../b", "..\\simple", "./simple"
        }) {
      for (String[] ep : endpoints(name)) {
        RawHttp.Resp r = raw(ep[0], ep[1], ep[0].equals("POST") ? body : null);
        assertThat(r.status()).as("%s %s -> %s", ep[0], ep[1], r).isIn(400, 404);
        if (r.body().length > 0) {
          assertClean(new V2Client.Response(r).error());
        }
      }
    }
  }

  @Test
  void traversalOnRepositoryConfigAndStatsEndpointsIsRefused() throws IOException {
    for (String name : new String[] {"..%2Fx", "%2e%2e", "x".repeat(300), "%00"}) {
      for (String[] ep :
          List.of(
              new String[] {"GET", "/v2/models/" + name + "/config"},
              new String[] {"GET", "/v2/models/" + name + "/stats"},
              new String[] {"POST", "/v2/repository/models/" + name + "/load"},
              new String[] {"POST", "/v2/repository/models/" + name + "/unload"})) {
        RawHttp.Resp r = raw(ep[0], ep[1], ep[0].equals("POST") ? new byte[0] : null);
        assertThat(r.status()).as("%s %s -> %s", ep[0], ep[1], r).isIn(400, 403, 404, 405, 501);
        if (r.body().length > 0) {
          assertClean(new V2Client.Response(r).error());
        }
      }
    }
  }

  @Test
  void rawControlBytesInTheRequestLineAre400() throws IOException {
    try (RawHttp h = new RawHttp(c.port())) {
      h.write("GET /v2/models/a\u0000b/ready HTTP/1.1\r\nHost: x\r\n\r\n");
      RawHttp.Resp r = h.read();
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
    }
  }

  @Test
  void unknownModelIs400WithTritonsMessage() {
    // kserve-v2-protocol.md §5.3 / §10.4: Triton answers an unknown model (no version) with 400
    expect(
        c.infer("nope", V2Client.parse(GOOD_SIMPLE)),
        400,
        "Request for unknown model: 'nope' is not found");
    expect(c.get("/v2/models/nope"), 400, "Request for unknown model: 'nope' is not found");
    assertThat(c.get("/v2/models/nope/ready").status()).isEqualTo(400);
  }

  @Test
  void unknownModelWithAVersionIs404() {
    expect(
        c.infer("nope", "1", V2Client.parse(GOOD_SIMPLE)),
        404,
        "Request for unknown model: 'nope'");
    expect(c.get("/v2/models/nope/versions/1"), 404, "'nope'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "2"})
  void unknownNumericVersionsAre404(String version) {
    expect(
        c.infer("simple", version, V2Client.parse(GOOD_SIMPLE)),
        404,
        "Request for unknown model: 'simple'");
    expect(c.get("/v2/models/simple/versions/" + version), 404, "'simple'");
    assertThat(c.get("/v2/models/simple/versions/" + version + "/ready").status()).isIn(400, 404);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"-1", "01", "1e3", "latest", "1.0", "%201", "0x1", "99999999999999999999"})
  void malformedVersionsAre400Or404NeverServed(String version) {
    V2Client.Response r =
        c.postJson("/v2/models/simple/versions/" + version + "/infer", GOOD_SIMPLE);
    expectIn(r, List.of(400, 404));
    V2Client.Response md = c.get("/v2/models/simple/versions/" + version);
    expectIn(md, List.of(400, 404));
  }

  // ---------------------------------------------------------------- liveness

  @Test
  void aKeepAliveConnectionServesAGoodRequestAfterBadOnes() throws IOException {
    try (RawHttp h = new RawHttp(c.port())) {
      byte[] good = GOOD_SIMPLE.getBytes(StandardCharsets.UTF_8);
      assertThat(
              h.send(
                      "POST",
                      "/v2/models/simple/infer",
                      "{\"inputs\": [".getBytes(StandardCharsets.UTF_8))
                  .status())
          .isEqualTo(400);
      assertThat(h.send("POST", "/v2/models/nope/infer", good).status()).isEqualTo(400);
      assertThat(h.send("POST", "/v2/models/%2e%2e/infer", good).status()).isEqualTo(400);
      assertThat(h.send("GET", "/v2/models/simple/infer", good).status()).isEqualTo(405);
      RawHttp.Resp ok = h.send("POST", "/v2/models/simple/infer", good);
      assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
      assertThat(V2Client.parse(ok.text()).path("outputs")).hasSize(2);
    }
  }
}
