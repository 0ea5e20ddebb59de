package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.DataType;
import io.caracal.api.NamedTensor;
import io.caracal.client.CaracalClient;
import io.caracal.client.InferInput;
import io.caracal.client.InferRequest;
import io.caracal.client.InferResult;
import io.caracal.server.testing.FakeInferenceService;
import io.caracal.testing.EdgeTensors;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Java client's HTTP encoding against this server's decoder, for every datatype and its edge
 * values, in JSON and in binary: the server reads exactly the tensors the client sent, and the
 * client reads exactly the tensors the server sent back (the echo model returns its inputs).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientInteropTest {
  private final FakeInferenceService service = new FakeInferenceService();
  private V2HttpServer server;
  private CaracalClient client;

  @BeforeAll
  void start() {
    server = V2HttpServer.builder().service(service).port(0).eventLoopThreads(1).build();
    int port = server.start().getPort();
    client =
        CaracalClient.httpBuilder(URI.create("http://127.0.0.1:" + port))
            .timeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterAll
  void stop() {
    client.close();
    server.close();
  }

  /**
   * Sends INPUT0 with every edge value (what JSON cannot carry travels in binary even in JSON mode)
   * and INPUT1 with the JSON-exact ones, in JSON and in binary. The answer comes in the same
   * encoding; only BYTES elements that are not UTF-8 do not survive a JSON answer.
   */
  @ParameterizedTest
  @EnumSource(DataType.class)
  void everyDatatypeIsReadExactlyBothWays_inJsonAndBinary(DataType type) {
    for (boolean json : new boolean[] {false, true}) {
      InferRequest.Builder b =
          InferRequest.builder("echo")
              .input(InferInput.of("INPUT0", EdgeTensors.of(type)))
              .input(InferInput.of("INPUT1", EdgeTensors.jsonExact(type)));
      InferResult r = client.infer((json ? b.json() : b).build());

      assertThat(service.lastRequest().inputs())
          .as("json=%s", json)
          .containsExactly(
              new NamedTensor("INPUT0", EdgeTensors.of(type)),
              new NamedTensor("INPUT1", EdgeTensors.jsonExact(type)));
      assertThat(r.output("OUTPUT1").asTensor())
          .as("json=%s", json)
          .isEqualTo(EdgeTensors.jsonExact(type));
      if (!json || type != DataType.BYTES) {
        assertThat(r.output("OUTPUT0").asTensor())
            .as("json=%s", json)
            .isEqualTo(EdgeTensors.of(type));
      }
    }
  }
}
