package io.caracal.it;

import static io.caracal.it.V2Client.floats;
import static io.caracal.it.V2Client.ints;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.caracal.api.DataType;
import io.caracal.it.OtlpCollector.Received;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ServerMetadataRequest;
import io.caracal.proto.inference.TraceSettingRequest;
import io.caracal.proto.inference.TraceSettingResponse;
import io.caracal.testing.models.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces end to end: a real server exports the spans of real inference calls over OTLP
 * (http/protobuf and gRPC) to an in-process collector, joined to the client's {@code traceparent},
 * with queue and compute children and one batch span linked to the requests it ran; and the trace
 * extension's settings API over REST and gRPC, with Triton's answers and errors.
 */
class TracingIT {
  private static final String CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String CLIENT_SPAN = "b7ad6b7169203331";
  private static final String INFER_SPAN = "POST /v2/models/{model}/infer";
  private static final String GRPC_SPAN = "inference.GRPCInferenceService/ModelInfer";

  @TempDir Path repo;

  @BeforeEach
  void models() throws Exception {
    TestModels.addSub(repo, "simple", DataType.INT32, 8);
    // batches of exactly 2: the first request waits (up to 30 s) until the second joins it
    TestModels.dynamicBatch(repo, "pair", 2);
    Path config = repo.resolve("pair/config.pbtxt");
    Files.writeString(
        config,
        Files.readString(config) + "dynamic_batching { max_queue_delay_microseconds: 30000000 }\n");
  }

  private static ObjectNode simpleRequest() {
    int[] x = new int[16];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
    }
    return withInputs(
        request(),
        jsonInput("INPUT0", "INT32", shape(1, 16), ints(x)),
        jsonInput("INPUT1", "INT32", shape(1, 16), ints(x)));
  }

  private static ObjectNode pairRequest(float v) {
    return withInputs(request(), jsonInput("INPUT0", "FP32", shape(1, 4), floats(v, v, v, v)));
  }

  private static String traceparent(String flags) {
    return "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-" + flags;
  }

  // ------------------------------------------------------------------ export

  /** Starts a server that traces (exporting every 50 ms) with these extra trace settings. */
  private ItServer traced(String... entries) throws java.io.IOException {
    List<String> all = new java.util.ArrayList<>(List.of("level=TIMESTAMPS"));
    all.addAll(List.of(entries));
    all.add("opentelemetry,bsp_schedule_delay=50");
    return ItServer.start(repo, b -> b.traceConfig(all));
  }

  @Test
  void aSampledCallsTraceIdIsTheMetricsExemplar() throws Exception {
    try (OtlpCollector collector = new OtlpCollector();
        ItServer s = traced("rate=1", "opentelemetry,url=" + collector.httpUrl())) {
      V2Client.Response r =
          s.client.post(
              V2Client.inferPath("simple"),
              V2Client.MAPPER.writeValueAsBytes(simpleRequest()),
              "traceparent",
              traceparent("01"));
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      String serverSpanId = r.headerValue("traceparent").substring(36, 52);
      collector.await(1, x -> x.name().equals(INFER_SPAN));
      java.net.http.HttpResponse<String> metrics =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(
                              "http://127.0.0.1:"
                                  + s.server.metricsAddress().orElseThrow().getPort()
                                  + "/metrics"))
                      .header("Accept", "application/openmetrics-text; version=1.0.0")
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      // the request-duration bucket of this call points at the span the collector received
      assertThat(metrics.body().lines())
          .anyMatch(l ->
              l.startsWith("caracal_request_duration_seconds_bucket{")
                  && l.contains("model=\"simple\"")
                  && l.contains("trace_id=\"" + CLIENT_TRACE + "\"")
                  && l.contains("span_id=\"" + serverSpanId + "\""));
    }
  }

  @Test
  void httpProtobufExport_joinsTheClientsTrace_andLinksABatchToItsRequests() throws Exception {
    try (OtlpCollector collector = new OtlpCollector();
        ItServer s =
            traced(
                "rate=1",
                "opentelemetry,url=" + collector.httpUrl(),
                "opentelemetry,resource=deployment.environment=it")) {
      V2Client.Response r =
          s.client.post(
              V2Client.inferPath("simple"),
              V2Client.MAPPER.writeValueAsBytes(simpleRequest()),
              "traceparent",
              traceparent("01"));
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      String header = r.headerValue("traceparent");
      assertThat(header).matches("00-" + CLIENT_TRACE + "-[0-9a-f]{16}-01");
      String serverSpanId = header.substring(36, 52);

      // two requests that run as one batch of 2
      CompletableFuture<V2Client.Response> a =
          CompletableFuture.supplyAsync(() -> s.client.infer("pair", pairRequest(1)));
      CompletableFuture<V2Client.Response> b =
          CompletableFuture.supplyAsync(() -> s.client.infer("pair", pairRequest(2)));
      assertThat(a.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(b.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);

      List<Received> servers = collector.await(3, x -> x.name().equals(INFER_SPAN));
      Received joined =
          servers.stream().filter(x -> x.traceId().equals(CLIENT_TRACE)).findFirst().orElseThrow();
      assertThat(joined.spanId()).isEqualTo(serverSpanId);
      assertThat(joined.parentSpanId()).isEqualTo(CLIENT_SPAN);
      assertThat(joined.span().getKind())
          .isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_SERVER);
      assertThat(joined.attribute("http.request.method")).isEqualTo("POST");
      assertThat(joined.attribute("http.route")).isEqualTo("/v2/models/{model}/infer");
      assertThat(joined.attribute("http.response.status_code")).isEqualTo("200");
      assertThat(joined.attribute("caracal.model.name")).isEqualTo("simple");
      assertThat(joined.attribute("caracal.model.version")).isEqualTo("1");
      assertThat(joined.attribute("caracal.request.id")).isNotEmpty();
      assertThat(joined.resourceAttribute("service.name")).isEqualTo("caracal");
      assertThat(joined.resourceAttribute("deployment.environment")).isEqualTo("it");
      assertThat(joined.events()).containsExactly("REQUEST_START", "REQUEST_END");

      List<Received> children = collector.await(2, x -> x.parentSpanId().equals(serverSpanId));
      // a batch of one has its batch span too
      assertThat(children)
          .extracting(Received::name)
          .containsExactlyInAnyOrder("queue", "compute", "batch");
      Received compute =
          children.stream().filter(x -> x.name().equals("compute")).findFirst().orElseThrow();
      assertThat(compute.traceId()).isEqualTo(CLIENT_TRACE);
      assertThat(compute.events())
          .containsExactly(
              "COMPUTE_START", "COMPUTE_INPUT_END", "COMPUTE_OUTPUT_START", "COMPUTE_END");

      List<String> pairSpans =
          servers.stream()
              .filter(x -> x.attribute("caracal.model.name").equals("pair"))
              .map(Received::spanId)
              .toList();
      assertThat(pairSpans).hasSize(2);
      List<Received> batches =
          collector.await(
              1, x -> x.name().equals("batch") && x.attribute("caracal.model.name").equals("pair"));
      assertThat(batches).hasSize(1);
      Received batch = batches.get(0);
      assertThat(batch.linkedSpanIds()).containsExactlyInAnyOrderElementsOf(pairSpans);
      assertThat(batch.attribute("caracal.batch.size")).isEqualTo("2");
      assertThat(batch.attribute("caracal.model.name")).isEqualTo("pair");
      assertThat(pairSpans).contains(batch.parentSpanId());
    }
  }

  @Test
  void grpcExport_joinsTheClientsTraceFromMetadata() throws Exception {
    try (OtlpCollector collector = new OtlpCollector();
        ItServer s =
            traced(
                "rate=0", // only calls whose client asks are traced
                "opentelemetry,protocol=grpc",
                "opentelemetry,compression=gzip",
                "opentelemetry,url=" + collector.grpcUrl())) {
      ManagedChannel channel = GrpcIT.channel(s);
      try {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER), traceparent("01"));
        AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        var stub =
            GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .withInterceptors(
                    MetadataUtils.newAttachHeadersInterceptor(headers),
                    MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers));
        ByteBuffer raw = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 16; i++) {
          raw.putInt(i);
        }
        stub.modelInfer(
            ModelInferRequest.newBuilder()
                .setModelName("simple")
                .addInputs(GrpcIT.input("INPUT0", DataType.INT32, 1, 16))
                .addInputs(GrpcIT.input("INPUT1", DataType.INT32, 1, 16))
                .addRawInputContents(ByteString.copyFrom(raw.array()))
                .addRawInputContents(ByteString.copyFrom(raw.array()))
                .build());
        // a call without context is not traced at rate 0
        GRPCInferenceServiceGrpc.newBlockingStub(channel)
            .serverMetadata(ServerMetadataRequest.getDefaultInstance());

        Received span = collector.await(1, x -> x.name().equals(GRPC_SPAN)).get(0);
        assertThat(span.traceId()).isEqualTo(CLIENT_TRACE);
        assertThat(span.parentSpanId()).isEqualTo(CLIENT_SPAN);
        assertThat(span.attribute("rpc.system")).isEqualTo("grpc");
        assertThat(span.attribute("rpc.method")).isEqualTo("ModelInfer");
        assertThat(span.attribute("rpc.grpc.status_code")).isEqualTo("0");
        assertThat(collector.await(3, x -> x.parentSpanId().equals(span.spanId())))
            .extracting(Received::name)
            .containsExactlyInAnyOrder("queue", "compute", "batch");
        Metadata h = responseHeaders.get();
        String tp =
            h == null
                ? null
                : h.get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER));
        assertThat(tp).isEqualTo("00-" + CLIENT_TRACE + "-" + span.spanId() + "-01");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(collector.spans()).allMatch(x -> x.traceId().equals(CLIENT_TRACE));
    }
  }

  @Test
  void clientsCannotForceEveryCallToBeTraced() throws Exception {
    try (OtlpCollector collector = new OtlpCollector();
        ItServer s =
            traced("rate=0", "forced_per_second=1", "opentelemetry,url=" + collector.httpUrl())) {
      byte[] body = V2Client.MAPPER.writeValueAsBytes(simpleRequest());
      int n = 30;
      int sampled = 0;
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        V2Client.Response r =
            s.client.post(V2Client.inferPath("simple"), body, "traceparent", traceparent("01"));
        assertThat(r.status()).isEqualTo(200);
        String header = r.headerValue("traceparent");
        assertThat(header).startsWith("00-" + CLIENT_TRACE + "-"); // the client's trace, always
        if (header.endsWith("-01")) {
          sampled++;
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      // a burst of one second's worth (1), then one a second
      assertThat(sampled).isBetween(1, 1 + (int) Math.ceil(seconds));
      assertThat(collector.await(sampled, x -> x.name().equals(INFER_SPAN))).hasSize(sampled);
    }
  }

  @Test
  void tritonMode_writesTritonsTraceFile_andNothingElse(@TempDir Path traces) throws Exception {
    Path file = traces.resolve("trace.json");
    try (ItServer s =
        ItServer.start(
            repo,
            b ->
                b.traceConfig(
                    List.of("mode=triton", "triton,file=" + file, "level=TIMESTAMPS", "rate=1")))) {
      for (int i = 0; i < 2; i++) {
        V2Client.Response r = s.client.infer("simple", simpleRequest());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headerValue("traceparent")).endsWith("-01");
      }
      JsonNode settings = s.client.get("/v2/trace/setting").json();
      assertThat(settings.path("trace_mode").asText()).isEqualTo("triton");
      assertThat(settings.path("trace_file").asText()).as("never the path").isEmpty();
      assertThat(settings.path("log_frequency").asText()).isEqualTo("0");
      assertThat(settings.has("url")).isFalse();
      V2Client.Response moved =
          s.client.postJson(
              "/v2/trace/setting", "{\"trace_file\":\"" + traces.resolve("other.json") + "\"}");
      assertThat(moved.status()).isEqualTo(501);
      assertThat(file).as("written when the server stops").doesNotExist();
    }
    assertThat(listing(traces)).containsExactly(file);
    JsonNode written = V2Client.MAPPER.readTree(file.toFile());
    assertThat(written).hasSize(4);
    assertThat(written.get(0).path("id").asLong()).isEqualTo(1);
    assertThat(written.get(0).path("model_name").asText()).isEqualTo("simple");
    assertThat(written.get(0).path("model_version").asLong()).isEqualTo(1);
    List<String> names = new java.util.ArrayList<>();
    written.get(1).path("timestamps").forEach(t -> names.add(t.path("name").asText()));
    assertThat(names)
        .containsExactly(
            "REQUEST_START",
            "QUEUE_START",
            "COMPUTE_START",
            "COMPUTE_INPUT_END",
            "COMPUTE_OUTPUT_START",
            "COMPUTE_END",
            "REQUEST_END");
    assertThat(written.get(3).path("id").asLong()).isEqualTo(2);
  }

  // ------------------------------------------------------------------ the trace API

  @Test
  void restTraceApi_followsTriton(@TempDir Path outside) throws Exception {
    Path cwd = Path.of("").toAbsolutePath();
    Set<Path> cwdBefore = listing(cwd);
    try (ItServer s = ItServer.start(repo)) {
      JsonNode global = s.client.get("/v2/trace/setting").json();
      assertThat(global.path("trace_level")).hasToString("[\"OFF\"]");
      assertThat(global.path("trace_rate").asText()).isEqualTo("1000");
      assertThat(global.path("trace_count").asText()).isEqualTo("-1");
      assertThat(global.path("trace_mode").asText()).isEqualTo("opentelemetry");
      assertThat(global.path("url").asText()).isEqualTo("http://localhost:4318/v1/traces");
      assertThat(global.has("trace_file")).isFalse();
      assertThat(s.client.get("/v2").json().path("extensions").toString()).contains("\"trace\"");

      JsonNode updated =
          s.client
              .postJson(
                  "/v2/trace/setting", "{\"trace_level\":[\"TIMESTAMPS\"],\"trace_rate\":\"5\"}")
              .json();
      assertThat(updated.path("trace_level")).hasToString("[\"TIMESTAMPS\"]");
      assertThat(updated.path("trace_rate").asText()).isEqualTo("5");
      assertThat(updated.path("trace_mode").asText()).isEqualTo("opentelemetry");

      // a model's first POST copies the unspecified settings from the global ones
      JsonNode model =
          s.client.postJson("/v2/models/simple/trace/setting", "{\"trace_count\":\"3\"}").json();
      assertThat(model.path("trace_level")).hasToString("[\"TIMESTAMPS\"]");
      assertThat(model.path("trace_rate").asText()).isEqualTo("5");
      assertThat(model.path("trace_count").asText()).isEqualTo("3");
      assertThat(s.client.get("/v2/trace/setting").json().path("trace_count").asText())
          .isEqualTo("-1");
      // null clears the model's own value: it follows the global one again
      JsonNode cleared =
          s.client.postJson("/v2/models/simple/trace/setting", "{\"trace_count\":null}").json();
      assertThat(cleared.path("trace_count").asText()).isEqualTo("-1");

      V2Client.Response unknown = s.client.get("/v2/models/nope/trace/setting");
      assertThat(unknown.status()).isEqualTo(400);
      assertThat(unknown.json().path("error").asText())
          .isEqualTo("Request for unknown model : nope");

      for (String value :
          List.of("null", "\"\"", "\"" + outside.resolve("trace.json") + "\"", "\"../x\"")) {
        for (String path : List.of("/v2/trace/setting", "/v2/models/simple/trace/setting")) {
          V2Client.Response refused =
              s.client.postJson(path, "{\"trace_file\":" + value + ",\"trace_rate\":\"9\"}");
          assertThat(refused.status()).as(path + " " + value).isEqualTo(501);
          assertThat(refused.json().path("error").asText())
              .isEqualTo("trace file location can not be updated through network protocol");
        }
      }
      assertThat(s.client.get("/v2/trace/setting").json().path("trace_rate").asText())
          .as("nothing changed")
          .isEqualTo("5");

      assertBad(s, "{\"trace_rate\":\"abc\"}", "Unable to parse 'trace_rate', got: abc");
      assertBad(
          s,
          "{\"trace_rate\":\"4294967296\"}",
          "Unable to parse 'trace_rate', value is out of range [ 0, 4294967295 ], got: 4294967296");
      assertBad(
          s,
          "{\"trace_count\":\"-5\"}",
          "Unable to parse 'trace_count'. Expecting value >= -1, got: -5");
      assertBad(
          s,
          "{\"trace_level\":[\"OFF\",\"TIMESTAMPS\"]}",
          "Expect only one trace level 'OFF' is specified");
      assertBad(
          s,
          "{\"trace_level\":[\"LOUD\"]}",
          "unknown trace level 'LOUD' in 'trace_level': expected OFF or TIMESTAMPS");

      for (String method : List.of("PUT", "DELETE")) {
        assertThat(s.client.send(method, "/v2/trace/setting", new byte[0]).status()).isEqualTo(405);
      }
    }
    try (Stream<Path> left = Files.list(outside)) {
      assertThat(left).as("no trace file written").isEmpty();
    }
    assertThat(listing(cwd)).isEqualTo(cwdBefore);
    assertThat(cwd.resolve("../x")).doesNotExist();
  }

  private static void assertBad(ItServer s, String body, String message) {
    V2Client.Response r = s.client.postJson("/v2/trace/setting", body);
    assertThat(r.status()).as(body).isEqualTo(400);
    assertThat(r.json().path("error").asText()).isEqualTo(message);
  }

  @Test
  void grpcTraceSetting_followsTriton() throws Exception {
    try (ItServer s = ItServer.start(repo)) {
      ManagedChannel channel = GrpcIT.channel(s);
      try {
        var stub =
            GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        assertThat(
                stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList())
            .contains("trace");
        TraceSettingResponse global = stub.traceSetting(TraceSettingRequest.getDefaultInstance());
        assertThat(values(global))
            .containsEntry("trace_level", List.of("OFF"))
            .containsEntry("trace_rate", List.of("1000"))
            .containsEntry("trace_count", List.of("-1"))
            .containsEntry("trace_mode", List.of("opentelemetry"))
            .doesNotContainKey("trace_file");

        TraceSettingResponse model =
            stub.traceSetting(
                TraceSettingRequest.newBuilder()
                    .setModelName("simple")
                    .putSettings("trace_level", setting("TIMESTAMPS"))
                    .putSettings("trace_rate", setting("2"))
                    .build());
        assertThat(values(model))
            .containsEntry("trace_level", List.of("TIMESTAMPS"))
            .containsEntry("trace_rate", List.of("2"))
            .containsEntry("trace_count", List.of("-1"));
        // an empty value list clears: the model follows the global settings again
        TraceSettingResponse cleared =
            stub.traceSetting(
                TraceSettingRequest.newBuilder()
                    .setModelName("simple")
                    .putSettings("trace_level", setting())
                    .putSettings("trace_rate", setting())
                    .build());
        assertThat(values(cleared)).containsEntry("trace_level", List.of("OFF"));

        for (List<String> file : List.of(List.<String>of(), List.of("/tmp/x"), List.of("../x"))) {
          assertThatThrownBy(() ->
                  stub.traceSetting(
                      TraceSettingRequest.newBuilder()
                          .putSettings(
                              "trace_file",
                              TraceSettingRequest.SettingValue.newBuilder()
                                  .addAllValue(file)
                                  .build())
                          .build()))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                    assertThat(e.getStatus().getDescription())
                        .isEqualTo(
                            "trace file location can not be updated through network protocol");
                  });
        }
        assertThatThrownBy(() ->
                stub.traceSetting(TraceSettingRequest.newBuilder().setModelName("nope").build()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                  assertThat(e.getStatus().getDescription())
                      .isEqualTo("Request for unknown model : nope");
                });
        assertThatThrownBy(() ->
                stub.traceSetting(
                    TraceSettingRequest.newBuilder()
                        .putSettings("trace_rate", setting("1", "2"))
                        .build()))
            .hasMessageContaining("expect only 1 value for 'trace_rate'");
        assertThat(s.client.get("/v2/trace/setting").json().path("trace_rate").asText())
            .as("REST sees what gRPC set, and the refusals changed nothing")
            .isEqualTo("1000");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static TraceSettingRequest.SettingValue setting(String... values) {
    return TraceSettingRequest.SettingValue.newBuilder().addAllValue(List.of(values)).build();
  }

  private static Map<String, List<String>> values(TraceSettingResponse r) {
    Map<String, List<String>> m = new java.util.LinkedHashMap<>();
    r.getSettingsMap().forEach((k, v) -> m.put(k, List.copyOf(v.getValueList())));
    return m;
  }

  private static Set<Path> listing(Path dir) throws java.io.IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return Set.copyOf(s.toList());
    }
  }
}
