package io.caracal.server.tfserving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.testing.http.RawHttp;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** TF Serving's REST API over a real socket: goldens, status, metadata and every error row. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TfsRestServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  final HalfPlusTwoService service = new HalfPlusTwoService();
  TfsRestServer server;
  int port;

  @BeforeAll
  void start() {
    server =
        TfsRestServer.builder()
            .service(service)
            .port(0)
            .eventLoopThreads(1)
            .cors(true)
            .labels(
                VersionLabels.of(
                    java.util.Map.of(
                        "half_plus_two", java.util.Map.of("stable", 123L, "canary", 7L))))
            .build();
    port = server.start().getPort();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private RawHttp.Resp send(String method, String path, String body) throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      return c.send(method, path, body == null ? null : body.getBytes());
    }
  }

  private void assertError(RawHttp.Resp r, int status, String message) throws IOException {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    assertThat(JSON.readTree(r.body()).get("error").asText()).isEqualTo(message);
  }

  @Test
  void predict_goldens() throws IOException {
    assertThat(
            send("POST", "/v1/models/half_plus_two:predict", "{\"instances\":[1.0,2.0,5.0]}")
                .text())
        .isEqualTo("{\"predictions\":[2.5,3.0,4.5]}");
    assertThat(
            send(
                    "POST",
                    "/v1/models/half_plus_two/versions/123:predict",
                    "{\"inputs\":[2.0,3.0,4.0]}")
                .text())
        .isEqualTo("{\"outputs\":[3.0,3.5,4.0]}");
    assertThat(
            send(
                    "POST",
                    "/v1/models/half_plus_two:predict",
                    "{\"signature_name\":\"serving_default\",\"instances\":[{\"x\":1}]}")
                .text())
        .isEqualTo("{\"predictions\":[2.5]}");
  }

  @Test
  void labels_resolveToTheirVersion() throws IOException {
    assertThat(
            send("POST", "/v1/models/half_plus_two/labels/stable:predict", "{\"instances\":[1.0]}")
                .text())
        .isEqualTo("{\"predictions\":[2.5]}");
    assertThat(send("GET", "/v1/models/half_plus_two/labels/stable/metadata", null).text())
        .contains("\"version\":\"123\"");
    assertError(
        send("POST", "/v1/models/half_plus_two/labels/canary:predict", "{\"instances\":[1.0]}"),
        404,
        "Servable not found for request: Specific(half_plus_two, 7)");
  }

  @Test
  void status_listsVersionsNewestFirst() throws IOException {
    RawHttp.Resp r = send("GET", "/v1/models/half_plus_two", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).isEqualTo("application/json");
    assertThat(r.text())
        .isEqualTo(
            "{\"model_version_status\":["
                + "{\"version\":\"124\",\"state\":\"END\",\"status\":{\"error_code\":\"INTERNAL\","
                + "\"error_message\":\"model.onnx is not a model\"}},"
                + "{\"version\":\"123\",\"state\":\"AVAILABLE\",\"status\":{\"error_code\":\"OK\","
                + "\"error_message\":\"\"}}]}");
    assertThat(send("GET", "/v1/models/half_plus_two/versions/123", null).text())
        .contains("\"version\":\"123\"")
        .doesNotContain("124");
    // the status endpoint ignores labels, as TF's does
    assertThat(send("GET", "/v1/models/half_plus_two/labels/nolabel", null).status())
        .isEqualTo(200);
  }

  @Test
  void metadata_servingDefaultSignature() throws IOException {
    RawHttp.Resp r = send("GET", "/v1/models/half_plus_two/metadata", null);
    assertThat(r.status()).isEqualTo(200);
    JsonNode m = JSON.readTree(r.body());
    assertThat(m.at("/model_spec/name").asText()).isEqualTo("half_plus_two");
    assertThat(m.at("/model_spec/version").asText()).isEqualTo("123");
    assertThat(m.at("/model_spec/signature_name").asText()).isEmpty();
    JsonNode sig = m.at("/metadata/signature_def/signature_def/serving_default");
    assertThat(sig.at("/method_name").asText()).isEqualTo("tensorflow/serving/predict");
    assertThat(sig.at("/inputs/x/dtype").asText()).isEqualTo("DT_FLOAT");
    assertThat(sig.at("/inputs/x/tensor_shape/dim/0/size").asText()).isEqualTo("-1");
    assertThat(sig.at("/inputs/x/tensor_shape/unknown_rank").asBoolean()).isFalse();
    assertThat(sig.at("/outputs/y/name").asText()).isEqualTo("y");
    assertThat(sig.at("/defaults").isObject()).isTrue();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GET|/v1/models|400|Missing model name in request.",
        "GET|/v1/models/half_plus_two/version/1|400|Malformed request: GET /v1/models/half_plus_two/version/1",
        "GET|/v1/models/half_plus_two/versions/1/labels/a|400|Malformed request: GET /v1/models/half_plus_two/versions/1/labels/a",
        "GET|/v1/models/half_plus_two/|400|Malformed request: GET /v1/models/half_plus_two/",
        "GET|/v1/models/half_plus_two:predict|400|Malformed request: GET /v1/models/half_plus_two:predict",
        "POST|/v1/models/half_plus_two:PREDICT|400|Malformed request: POST /v1/models/half_plus_two:PREDICT",
        "PUT|/v1/models/half_plus_two|400|Malformed request: PUT /v1/models/half_plus_two",
        "GET|/v1/models/half_plus_two/versions/18446744073709551615|400|Failed to convert version: 18446744073709551615 to numeric.",
        "GET|/v1/models/nomodel|404|Could not find any versions of model nomodel",
        "GET|/v1/models/half_plus_two/versions/7|404|Could not find version 7 of model half_plus_two",
        "GET|/v1/models/nomodel/metadata|404|Servable not found for request: Latest(nomodel)",
        "GET|/v1/models/half_plus_two/versions/7/metadata|404|Servable not found for request: Specific(half_plus_two, 7)",
        "GET|/v1/models/half_plus_two/labels/nolabel/metadata|400|Unrecognized servable version label: nolabel",
        "GET|/v1/models/half_plus_two/labels/canary/metadata|404|Servable not found for request: Specific(half_plus_two, 7)",
      })
  void pathErrors(String method, String path, int status, String message) throws IOException {
    assertError(send(method, path, null), status, message);
  }

  @Test
  void predictErrors() throws IOException {
    String p = "/v1/models/half_plus_two:predict";
    assertError(
        send("POST", "/v1/models/half:predict", "{\"instances\":[1.0]}"),
        404,
        "Servable not found for request: Latest(half)");
    // a malformed body sent to a missing model is a 400: the body is parsed first
    assertError(
        send("POST", "/v1/models/half:predict", ""),
        400,
        "JSON Parse error: The document is empty");
    assertError(
        send("POST", "/v1/models/half_plus_two/labels/nolabel:predict", "{\"instances\":[1.0]}"),
        400,
        "Unrecognized servable version label: nolabel");
    assertError(
        send("POST", p, "{\"signature_name\":\"other\",\"instances\":[1.0]}"),
        400,
        "Serving signature name: \"other\" not found in signature def");
    assertError(
        send("POST", p, "{\"instances\":[\"x\",\"y\"]}"),
        400,
        "Failed to process element: 0 of 'instances' list. Error: INVALID_ARGUMENT: JSON Value:"
            + " \"x\" Type: String is not of expected type: float");
    assertError(
        send("POST", "/v1/models/notready:predict", "{\"instances\":[1.0]}"),
        404,
        "Servable not found for request: Latest(notready)");
  }

  @Test
  void regressAndClassify_onOnnxOutputs() throws IOException {
    assertThat(
            send("POST", "/v1/models/half_plus_two:regress", "{\"examples\":[{\"x\":2.0}]}").text())
        .isEqualTo("{\"results\":[3.0]}");
    assertThat(
            send(
                    "POST",
                    "/v1/models/half_plus_two:regress",
                    "{\"context\":{\"x\":1.0},\"examples\":[{},{\"x\":4.0}]}")
                .text())
        .isEqualTo("{\"results\":[2.5,4.0]}");
    // echo's OUTPUT0 [N,4] is the scores; its config labels the first two classes
    assertThat(
            send(
                    "POST",
                    "/v1/models/echo:classify",
                    "{\"examples\":[{\"INPUT0\":[0.5,0.25,1.0,2.0]}]}")
                .text())
        .isEqualTo(
            "{\"results\":[[[\"setosa\",0.5],[\"versicolor\",0.25],[\"\",1.0],[\"\",2.0]]]}");
    assertError(
        send("POST", "/v1/models/half_plus_two:classify", "{\"examples\":[{\"x\":2.0}]}"),
        400,
        "Expected Tensor shape: [batch_size num_classes] but got [1]");
    assertError(
        send("POST", "/v1/models/half_plus_two:regress", "{\"instances\":[1]}"),
        400,
        "JSON Value: {\"instances\":[1]} When method is classify, key 'examples' is expected and"
            + " was not found");
    assertError(
        send("POST", "/v1/models/half_plus_two:regress", "{\"examples\":[{\"x\":[8,9.5]}]}"),
        400,
        "Unexpected element type in feature: x expecting type: int64");
    assertError(
        send("POST", "/v1/models/half_plus_two:regress", "{\"examples\":[1]}"),
        400,
        "Example must be JSON object but got JSON Number");
    assertError(
        send("POST", "/v1/models/half_plus_two:regress", "{\"examples\":[{\"y\":1.0}]}"),
        400,
        "Feature: x is missing in example 0");
  }

  @Test
  void malformedHttp_is400AndCloses() throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      c.write("GET /v1/models/x HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
      RawHttp.Resp r = c.read();
      assertError(r, 400, "Malformed request");
      assertThat(r.header("connection")).isEqualTo("close");
    }
  }

  @Test
  void bodyOverTheLimit_is413() throws IOException {
    try (TfsRestServer small =
        TfsRestServer.builder().service(service).port(0).maxBodyBytes(1024).build()) {
      int p = small.start().getPort();
      try (RawHttp c = new RawHttp(p)) {
        String body = "{\"instances\":[{\"b64\":\"" + "A".repeat(4096) + "\"}]}";
        assertError(
            c.post("/v1/models/half_plus_two:predict", body),
            413,
            "request body exceeds the maximum allowed size of 1024 bytes");
      }
    }
  }

  @Test
  void notV1_isAPlain404Page() throws IOException {
    RawHttp.Resp r = send("GET", "/v2/models", null);
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.header("content-type")).startsWith("text/html");
  }

  @Test
  void cors_preflightAndHeaders() throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      c.write(
          "OPTIONS /v1/models/half_plus_two:predict HTTP/1.1\r\nHost: x\r\n"
              + "Origin: https://example.com\r\nContent-Length: 0\r\n\r\n");
      RawHttp.Resp r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("access-control-allow-origin")).isEqualTo("*");
      assertThat(r.header("access-control-allow-methods")).isEqualTo("POST, GET");
    }
    assertError(
        send("OPTIONS", "/v1/models/half_plus_two", null),
        400,
        "Origin header is missing in CORS preflight");
  }
}
