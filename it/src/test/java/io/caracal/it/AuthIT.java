package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.caracal.accesslog.AuditLog;
import io.caracal.api.DataType;
import io.caracal.app.AuthSettings;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.LogSettingsRequest;
import io.caracal.proto.inference.ModelConfigRequest;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelMetadataRequest;
import io.caracal.proto.inference.ModelStatisticsRequest;
import io.caracal.proto.inference.RepositoryIndexRequest;
import io.caracal.proto.inference.RepositoryModelLoadRequest;
import io.caracal.proto.inference.ServerMetadataRequest;
import io.caracal.proto.inference.ServerReadyRequest;
import io.caracal.proto.inference.TraceSettingRequest;
import io.caracal.testing.models.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Authentication and roles on a real server: every role against every API category on HTTP and gRPC
 * (a table), missing, malformed and unknown tokens, a principal limited to other models, a
 * rate-limited principal, and the audit lines of a load and of the refusals.
 */
class AuthIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ROW =
      "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[1,4],"
          + "\"data\":[1,2,3,4]}]}";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path repo;
  @TempDir static Path etc;
  static ItServer server;
  static ManagedChannel channel;
  static final List<String> auditLines = new CopyOnWriteArrayList<>();
  static final AppenderBase<ILoggingEvent> capture =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
          auditLines.add(e.getFormattedMessage());
        }
      };

  /** The principals of the tokens file, by role; {@code none} sends no token. */
  enum Who {
    NONE(null),
    INFER("infer-token"),
    READ("read-token"),
    ADMIN("admin-token");

    final @Nullable String token;

    Who(@Nullable String token) {
      this.token = token;
    }
  }

  static String line(String name, String token, String rest) throws Exception {
    return name
        + " sha256:"
        + HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)))
        + " "
        + rest
        + "\n";
  }

  @BeforeAll
  static void start() throws Exception {
    TestModels.dense(repo, "dense", 4, 2f, 8);
    Path tokens = etc.resolve("tokens");
    Files.writeString(
        tokens,
        line("inferer", "infer-token", "infer models=dense*")
            + line("reader", "read-token", "read")
            + line("admin", "admin-token", "admin")
            + line("other", "other-token", "infer,read models=other*")
            + line("slow", "slow-token", "infer rate=0.001"));
    Logger audit = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
    capture.setContext(audit.getLoggerContext());
    capture.start();
    audit.addAppender(capture);
    audit.setLevel(Level.INFO);
    server =
        ItServer.start(
            repo,
            b ->
                b.modelControlMode(io.caracal.core.lifecycle.ModelControlMode.EXPLICIT)
                    .loadModels(List.of("*"))
                    .auth(
                        new AuthSettings(
                            tokens.toString(),
                            0,
                            "",
                            "",
                            "",
                            "",
                            60,
                            "roles",
                            List.of(),
                            List.of(),
                            0,
                            0,
                            true,
                            "auto")));
    channel = GrpcIT.channel(server);
  }

  @AfterAll
  static void stop() throws Exception {
    Logger audit = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
    audit.detachAppender(capture);
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  static HttpResponse<String> http(String method, String path, @Nullable String token)
      throws Exception {
    return http(method, path, token == null ? null : "Bearer " + token, Map.of());
  }

  static HttpResponse<String> http(
      String method, String path, @Nullable String authorization, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(
                method,
                method.equals("POST")
                    ? HttpRequest.BodyPublishers.ofString(path.endsWith("/infer") ? ROW : "{}")
                    : HttpRequest.BodyPublishers.noBody());
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc(@Nullable String token) {
    var stub =
        GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    if (token == null) {
      return stub;
    }
    Metadata m = new Metadata();
    m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
  }

  static ModelInferRequest inferRequest(String model) {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putFloat(1).putFloat(2).putFloat(3).putFloat(4);
    return ModelInferRequest.newBuilder()
        .setModelName(model)
        .addInputs(GrpcIT.input("INPUT0", DataType.FP32, 1, 4))
        .addRawInputContents(ByteString.copyFrom(b.array()))
        .build();
  }

  /** The gRPC status code of a call, OK when it answered. */
  static Status.Code code(java.util.function.Supplier<?> call) {
    try {
      if (call.get() == null) {
        throw new AssertionError("no answer");
      }
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  /**
   * One row per route: the category, the HTTP call, the gRPC call, and who may make it (the
   * operation's roles; health is open to callers without a token).
   */
  record Row(
      String category,
      String method,
      String path,
      Function<GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub, Object> rpc,
      Set<Who> allowed) {}

  static final List<Row> TABLE =
      List.of(
          new Row(
              "health",
              "GET",
              "/v2/health/ready",
              s -> s.serverReady(ServerReadyRequest.getDefaultInstance()),
              Set.of(Who.NONE, Who.INFER, Who.READ, Who.ADMIN)),
          new Row(
              "metadata (server)",
              "GET",
              "/v2",
              s -> s.serverMetadata(ServerMetadataRequest.getDefaultInstance()),
              Set.of(Who.INFER, Who.READ, Who.ADMIN)),
          new Row(
              "metadata (model)",
              "GET",
              "/v2/models/dense",
              s -> s.modelMetadata(ModelMetadataRequest.newBuilder().setName("dense").build()),
              Set.of(Who.INFER, Who.READ)),
          new Row(
              "inference",
              "POST",
              "/v2/models/dense/infer",
              s -> s.modelInfer(inferRequest("dense")),
              Set.of(Who.INFER)),
          new Row(
              "model-config",
              "GET",
              "/v2/models/dense/config",
              s -> s.modelConfig(ModelConfigRequest.newBuilder().setName("dense").build()),
              Set.of(Who.READ)),
          new Row(
              "statistics",
              "GET",
              "/v2/models/dense/stats",
              s -> s.modelStatistics(ModelStatisticsRequest.newBuilder().setName("dense").build()),
              Set.of(Who.READ)),
          new Row(
              "model-repository (index)",
              "POST",
              "/v2/repository/index",
              s -> s.repositoryIndex(RepositoryIndexRequest.getDefaultInstance()),
              Set.of(Who.READ)),
          new Row(
              "model-repository (load)",
              "POST",
              "/v2/repository/models/dense/load",
              s ->
                  s.repositoryModelLoad(
                      RepositoryModelLoadRequest.newBuilder().setModelName("dense").build()),
              Set.of(Who.ADMIN)),
          new Row(
              "logging",
              "GET",
              "/v2/logging",
              s -> s.logSettings(LogSettingsRequest.getDefaultInstance()),
              Set.of(Who.ADMIN)),
          new Row(
              "trace",
              "GET",
              "/v2/trace/setting",
              s -> s.traceSetting(TraceSettingRequest.getDefaultInstance()),
              Set.of(Who.ADMIN)));

  @Test
  void everyRoleAgainstEveryCategoryOnBothTransports() throws Exception {
    Map<String, String> mismatches = new LinkedHashMap<>();
    for (Row row : TABLE) {
      for (Who who : Who.values()) {
        int expectedHttp = row.allowed().contains(who) ? 200 : who == Who.NONE ? 401 : 403;
        Status.Code expectedGrpc =
            row.allowed().contains(who)
                ? Status.Code.OK
                : who == Who.NONE ? Status.Code.UNAUTHENTICATED : Status.Code.PERMISSION_DENIED;
        HttpResponse<String> r = http(row.method(), row.path(), who.token);
        if (r.statusCode() != expectedHttp) {
          mismatches.put(row.category() + " HTTP " + who, r.statusCode() + " " + r.body());
        }
        if (r.statusCode() == 401) {
          assertThat(r.headers().firstValue("WWW-Authenticate"))
              .hasValue("Bearer realm=\"caracal\"");
        }
        Status.Code c = code(() -> row.rpc().apply(grpc(who.token)));
        if (c != expectedGrpc) {
          mismatches.put(row.category() + " gRPC " + who, c.name());
        }
      }
    }
    assertThat(mismatches).isEmpty();
  }

  @Test
  void badTokensAreUnauthenticatedAndNeverEchoed() throws Exception {
    for (String header :
        List.of("Bearer nope-token", "Basic YWxpY2U6cHc=", "Bearer", "Bearer a b")) {
      HttpResponse<String> r = http("POST", "/v2/models/dense/infer", header, Map.of());
      assertThat(r.statusCode()).as(header).isEqualTo(401);
      assertThat(r.body()).doesNotContain("nope-token", "YWxpY2U6cHc=");
    }
    assertThat(http("POST", "/v2/models/dense/infer", "Bearer nope-token", Map.of()).body())
        .isEqualTo("{\"error\":\"invalid bearer token\"}");
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> grpc("nope-token").modelInfer(inferRequest("dense")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(e.getStatus().getDescription()).isEqualTo("invalid bearer token");
  }

  @Test
  void aPrincipalLimitedToOtherModelsIsDeniedThisOne() throws Exception {
    HttpResponse<String> r = http("POST", "/v2/models/dense/infer", "other-token");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("principal 'other' may not use model 'dense'");
    assertThat(code(() -> grpc("other-token").modelInfer(inferRequest("dense"))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    // its read role still reads the model's metadata
    assertThat(http("GET", "/v2/models/dense", "other-token").statusCode()).isEqualTo(200);
  }

  @Test
  void aRateLimitedPrincipalGets429WithRetryAfterAndIsCounted() throws Exception {
    // rate=0.001: one call, then the next one in 1000 s
    assertThat(http("POST", "/v2/models/dense/infer", "slow-token").statusCode()).isEqualTo(200);
    HttpResponse<String> r = http("POST", "/v2/models/dense/infer", "slow-token");
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow()))
        .isBetween(900L, 1000L);
    assertThat(r.body()).contains("rate limit exceeded for model 'dense'");
    assertThat(code(() -> grpc("slow-token").modelInfer(inferRequest("dense"))))
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    HttpResponse<String> metrics = scrape("read-token");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("caracal_rate_limited_total{model=\"dense\",principal=\"slow\"} 2.0");
  }

  static HttpResponse<String> scrape(@Nullable String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
            URI.create(
                "http://127.0.0.1:"
                    + server.server.metricsAddress().orElseThrow().getPort()
                    + "/metrics"));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theMetricsListenerWantsAPrincipalWithRead() throws Exception {
    HttpResponse<String> none = scrape(null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(none.body()).doesNotContain("nv_inference");
    assertThat(scrape("nope-token").statusCode()).isEqualTo(401);
    HttpResponse<String> inferer = scrape("infer-token");
    assertThat(inferer.statusCode()).isEqualTo(403);
    assertThat(inferer.body()).doesNotContain("nv_inference");
    HttpResponse<String> reader = scrape("read-token");
    assertThat(reader.statusCode()).isEqualTo(200);
    assertThat(reader.body()).contains("nv_inference_count");
    assertThat(scrape("admin-token").statusCode()).as("admin has no read role").isEqualTo(403);
  }

  @Test
  void loadsAndRefusalsAreAudited() throws Exception {
    auditLines.clear();
    assertThat(http("POST", "/v2/repository/models/dense/load", "admin-token").statusCode())
        .isEqualTo(200);
    assertThat(http("POST", "/v2/repository/models/dense/unload", "read-token").statusCode())
        .isEqualTo(403);
    assertThat(http("GET", "/v2/logging", "Bearer wrong-token", Map.of()).statusCode())
        .isEqualTo(401);
    List<JsonNode> lines = new ArrayList<>();
    for (String l : auditLines) {
      assertThat(l).doesNotContain("admin-token", "read-token", "wrong-token");
      lines.add(JSON.readTree(l));
    }
    byte[] model = Files.readAllBytes(repo.resolve("dense/1/model.onnx"));
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model));
    assertThat(lines).hasSize(3);
    JsonNode load = lines.get(0);
    assertThat(load.get("principal").asText()).isEqualTo("admin");
    assertThat(load.get("address").asText()).isEqualTo("127.0.0.1");
    assertThat(load.get("protocol").asText()).isEqualTo("http");
    assertThat(load.get("action").asText()).isEqualTo("repository-load");
    assertThat(load.get("model").asText()).isEqualTo("dense");
    assertThat(load.get("version").asText()).isEqualTo("1");
    assertThat(load.get("sha256").asText()).isEqualTo(sha);
    assertThat(load.get("result").asText()).isEqualTo("ok");
    assertThat(load.get("time").asText()).isNotEmpty();
    assertThat(lines.get(1).get("action").asText()).isEqualTo("repository-unload");
    assertThat(lines.get(1).get("principal").asText()).isEqualTo("reader");
    assertThat(lines.get(1).get("result").asText()).isEqualTo("permission-denied");
    assertThat(lines.get(2).get("action").asText()).isEqualTo("logging-read");
    assertThat(lines.get(2).get("principal").asText()).isEmpty();
    assertThat(lines.get(2).get("result").asText()).isEqualTo("unauthenticated");
  }
}
