package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.core.logging.LogSettings;
import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.http.RawHttp;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** KServe V1 beside V2 on one port, over a real socket, with KServe's answers and error texts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KServeV1RoutesTest {
  final ExecutorService answers =
      Executors.newSingleThreadExecutor(r -> new Thread(r, "fake-answers"));
  final FakeInferenceService service = new FakeInferenceService(answers);
  V2HttpServer server;
  int port;

  @BeforeAll
  void start() {
    server =
        V2HttpServer.builder()
            .service(service)
            .port(0)
            .eventLoopThreads(1)
            .logSettings(LogSettings.inMemory())
            .build();
    port = server.start().getPort();
  }

  @AfterAll
  void stop() {
    server.close();
    answers.shutdownNow();
  }

  private RawHttp.Resp get(String path) throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      return c.get(path);
    }
  }

  private RawHttp.Resp post(String path, String body) throws IOException {
    try (RawHttp c = new RawHttp(port)) {
      return c.post(path, body);
    }
  }

  @Test
  void liveness_listAndReadiness() throws IOException {
    assertThat(get("/").text()).isEqualTo("{\"status\":\"alive\"}");
    assertThat(get("/v1/models").text()).isEqualTo("{\"models\":[\"echo\",\"notready\"]}");
    RawHttp.Resp ready = get("/v1/models/echo");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.header("content-type")).isEqualTo("application/json");
    assertThat(ready.text()).isEqualTo("{\"name\":\"echo\",\"ready\":true}");
  }

  @Test
  void predict_rowAndColumnar_answerPredictions() throws IOException {
    RawHttp.Resp r = post("/v1/models/echo:predict", "{\"instances\":[[1,2,3,4]]}");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.text()).isEqualTo("{\"predictions\":[[1.0,2.0,3.0,4.0]]}");
    assertThat(post("/v1/models/echo:predict", "{\"inputs\":[[0.5,1,2,3]]}").text())
        .isEqualTo("{\"predictions\":[[0.5,1.0,2.0,3.0]]}");
  }

  @Test
  void errors_asKServeAnswersThem() throws IOException {
    RawHttp.Resp unknown = get("/v1/models/InvalidModel");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.text())
        .isEqualTo("{\"error\":\"Model with name InvalidModel does not exist.\"}");
    assertThat(post("/v1/models/InvalidModel:predict", "{}").status()).isEqualTo(404);
    RawHttp.Resp notReady = get("/v1/models/notready");
    assertThat(notReady.status()).isEqualTo(503);
    assertThat(notReady.text()).isEqualTo("{\"error\":\"Model with name notready is not ready.\"}");
    assertThat(post("/v1/models/notready:predict", "{\"instances\":[1]}").status()).isEqualTo(503);
    assertThat(post("/v1/models/notready:explain", "{}").status()).isEqualTo(503);
    RawHttp.Resp explain = post("/v1/models/echo:explain", "{\"instances\":[[1,2,3,4]]}");
    assertThat(explain.status()).isEqualTo(501);
    assertThat(explain.text()).isEqualTo("{\"error\":\"Could not find explainer_host.\"}");
    RawHttp.Resp bad = post("/v1/models/echo:predict", "not json");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.text()).startsWith("{\"error\":\"Unrecognized request format: ");
    RawHttp.Resp wrongType = post("/v1/models/echo:predict", "{\"instances\":[[\"a\",2,3,4]]}");
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.text()).contains("is not of expected type: float");
    RawHttp.Resp path = get("/v1/unknown_path");
    assertThat(path.status()).isEqualTo(404);
    assertThat(path.text()).isEqualTo("{\"detail\":\"Not Found\"}");
    RawHttp.Resp method = post("/v1/models/echo", "{}");
    assertThat(method.status()).isEqualTo(405);
    assertThat(method.text()).isEqualTo("{\"detail\":\"Method Not Allowed\"}");
    // FastAPI matches GET .../foo:predict as the readiness of the model "foo:predict"
    assertThat(get("/v1/models/echo:predict").status()).isEqualTo(404);
  }

  @Test
  void v2Routes_unchanged() throws IOException {
    assertThat(get("/v2/models/echo/ready").status()).isEqualTo(200);
    assertThat(get("/v2/nothing").status()).isEqualTo(404);
  }
}
