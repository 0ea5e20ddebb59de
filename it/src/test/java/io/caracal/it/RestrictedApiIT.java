package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.caracal.app.AuthSettings;
import io.caracal.proto.inference.LogSettingsRequest;
import io.caracal.proto.inference.RepositoryIndexRequest;
import io.caracal.proto.tensorflow.DataType;
import io.caracal.proto.tensorflow.TensorProto;
import io.caracal.proto.tensorflow.TensorShapeProto;
import io.caracal.proto.tfserving.ModelSpec;
import io.caracal.proto.tfserving.PredictRequest;
import io.caracal.proto.tfserving.PredictionServiceGrpc;
import io.caracal.testing.models.TestModels;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Triton's restricted API categories and the management lock of a non-loopback bind without
 * authentication; JWT bearer tokens on a real server; the TF Serving listeners' checks.
 */
class RestrictedApiIT {
  @TempDir Path repo;
  @TempDir Path etc;

  static AuthSettings auth(
      String authFile, String jwksFile, List<String> httpRestricted, List<String> grpcRestricted) {
    return new AuthSettings(
        authFile,
        0,
        jwksFile,
        "",
        jwksFile.isEmpty() ? "" : "https://issuer.example",
        jwksFile.isEmpty() ? "" : "caracal",
        60,
        "roles",
        httpRestricted,
        grpcRestricted,
        0,
        0,
        true,
        "auto");
  }

  static Metadata header(String key, String value) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);
    return m;
  }

  @Test
  void aNonLoopbackBindWithoutAuthLocksManagementUnlessRestrictedToAHeader() throws Exception {
    TestModels.dense(repo, "dense", 4, 2f, 8);
    try (ItServer s =
        ItServer.start(
            repo,
            b ->
                b.host("0.0.0.0")
                    .auth(
                        auth(
                            "",
                            "",
                            List.of("model-repository:admin-key=s3cret"),
                            List.of("logging:admin-key=s3cret"))))) {
      AuthITHttp http = new AuthITHttp(s.port());
      assertThat(http.send("POST", "/v2/models/dense/infer", Map.of()).statusCode()).isEqualTo(200);
      assertThat(http.send("GET", "/v2/health/ready", Map.of()).statusCode()).isEqualTo(200);
      assertThat(http.send("GET", "/v2/models/dense/stats", Map.of()).statusCode()).isEqualTo(200);
      HttpResponse<String> noHeader = http.send("POST", "/v2/repository/index", Map.of());
      assertThat(noHeader.statusCode()).isEqualTo(403);
      assertThat(noHeader.body())
          .isEqualTo("{\"error\":\"This API is restricted, expecting header 'admin-key'\"}");
      assertThat(
              http.send("POST", "/v2/repository/index", Map.of("admin-key", "s3cre")).statusCode())
          .isEqualTo(403);
      assertThat(
              http.send("POST", "/v2/repository/index", Map.of("Admin-Key", "s3cret")).statusCode())
          .isEqualTo(200);
      HttpResponse<String> logging = http.send("GET", "/v2/logging", Map.of("admin-key", "s3cret"));
      assertThat(logging.statusCode()).isEqualTo(403); // not restricted on HTTP: locked
      assertThat(logging.body()).contains("the logging API is disabled on a non-loopback address");
      assertThat(http.send("GET", "/v2/trace/setting", Map.of()).statusCode()).isEqualTo(403);

      ManagedChannel channel = GrpcIT.channel(s);
      try {
        var stub =
            io.caracal.proto.inference.GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThat(
                AuthIT.code(
                    () -> stub.repositoryIndex(RepositoryIndexRequest.getDefaultInstance())))
            .isEqualTo(Status.Code.PERMISSION_DENIED); // locked on gRPC
        assertThat(AuthIT.code(() -> stub.logSettings(LogSettingsRequest.getDefaultInstance())))
            .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(
                AuthIT.code(() ->
                    stub.withInterceptors(
                            MetadataUtils.newAttachHeadersInterceptor(
                                header("admin-key", "s3cret")))
                        .logSettings(LogSettingsRequest.getDefaultInstance())))
            .isEqualTo(Status.Code.OK);
        assertThat(AuthIT.code(() -> stub.modelInfer(AuthIT.inferRequest("dense"))))
            .isEqualTo(Status.Code.OK);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** A JWT signed by {@code key} for {@code subject}, valid until {@code exp}. */
  static String jwt(ECKey key, String issuer, String audience, Instant exp, List<String> roles)
      throws Exception {
    SignedJWT t =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(),
            new JWTClaimsSet.Builder()
                .subject("svc-jwt")
                .issuer(issuer)
                .audience(audience)
                .expirationTime(Date.from(exp))
                .claim("roles", roles)
                .build());
    t.sign(new ECDSASigner(key));
    return t.serialize();
  }

  @Test
  void jwtBearerTokensOnBothTransports() throws Exception {
    TestModels.dense(repo, "dense", 4, 2f, 8);
    ECKey key = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    ECKey other = new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
    Path jwks = etc.resolve("jwks.json");
    Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
    Instant later = Instant.now().plusSeconds(3600);
    String valid = jwt(key, "https://issuer.example", "caracal", later, List.of("infer"));
    Map<String, String> refused =
        Map.of(
            "expired",
            jwt(
                key,
                "https://issuer.example",
                "caracal",
                Instant.now().minusSeconds(3600),
                List.of("infer")),
            "issuer",
            jwt(key, "https://evil.example", "caracal", later, List.of("infer")),
            "audience",
            jwt(key, "https://issuer.example", "other", later, List.of("infer")),
            "signature",
            jwt(other, "https://issuer.example", "caracal", later, List.of("infer")));
    String readOnly = jwt(key, "https://issuer.example", "caracal", later, List.of("read"));
    try (ItServer s =
        ItServer.start(repo, b -> b.auth(auth("", jwks.toString(), List.of(), List.of())))) {
      AuthITHttp http = new AuthITHttp(s.port());
      assertThat(
              http.send(
                      "POST", "/v2/models/dense/infer", Map.of("Authorization", "Bearer " + valid))
                  .statusCode())
          .isEqualTo(200);
      assertThat(
              http.send(
                      "POST",
                      "/v2/models/dense/infer",
                      Map.of("Authorization", "Bearer " + readOnly))
                  .statusCode())
          .isEqualTo(403);
      Map<String, String> messages =
          Map.of(
              "expired", "bearer token has expired",
              "issuer", "bearer token issuer is not accepted",
              "audience", "bearer token audience is not accepted",
              "signature", "bearer token signature is not valid");
      for (var e : refused.entrySet()) {
        HttpResponse<String> r =
            http.send(
                "POST",
                "/v2/models/dense/infer",
                Map.of("Authorization", "Bearer " + e.getValue()));
        assertThat(r.statusCode()).as(e.getKey()).isEqualTo(401);
        assertThat(r.body()).as(e.getKey()).contains(messages.get(e.getKey()));
      }
      ManagedChannel channel = GrpcIT.channel(s);
      try {
        var stub =
            io.caracal.proto.inference.GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThat(
                AuthIT.code(() ->
                    stub.withInterceptors(
                            MetadataUtils.newAttachHeadersInterceptor(
                                header("authorization", "Bearer " + valid)))
                        .modelInfer(AuthIT.inferRequest("dense"))))
            .isEqualTo(Status.Code.OK);
        for (String token : refused.values()) {
          assertThat(
                  AuthIT.code(() ->
                      stub.withInterceptors(
                              MetadataUtils.newAttachHeadersInterceptor(
                                  header("authorization", "Bearer " + token)))
                          .modelInfer(AuthIT.inferRequest("dense"))))
              .isEqualTo(Status.Code.UNAUTHENTICATED);
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void tfServingListenersCheckTokensToo() throws Exception {
    TestModels.dense(repo, "dense", 4, 2f, 8);
    Path tokens = etc.resolve("tokens");
    Files.writeString(
        tokens,
        AuthIT.line("inferer", "infer-token", "infer")
            + AuthIT.line("reader", "read-token", "read"));
    try (ItServer s =
        ItServer.start(
            repo,
            b ->
                b.tfsRestPort(0)
                    .tfsGrpcPort(0)
                    .auth(auth(tokens.toString(), "", List.of(), List.of())))) {
      AuthITHttp rest = new AuthITHttp(s.server.tfsRestAddress().orElseThrow().getPort());
      String predict = "/v1/models/dense:predict";
      String body = "{\"instances\":[[1,2,3,4]]}";
      HttpResponse<String> none = rest.send("POST", predict, body, Map.of());
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).isPresent();
      assertThat(
              rest.send("POST", predict, body, Map.of("Authorization", "Bearer read-token"))
                  .statusCode())
          .isEqualTo(403);
      HttpResponse<String> ok =
          rest.send("POST", predict, body, Map.of("Authorization", "Bearer infer-token"));
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("predictions");
      assertThat(rest.send("GET", "/v1/models/dense", "", Map.of()).statusCode())
          .isEqualTo(200); // model status is health: open

      ManagedChannel channel =
          NettyChannelBuilder.forAddress(
                  "127.0.0.1", s.server.tfsGrpcAddress().orElseThrow().getPort())
              .usePlaintext()
              .build();
      try {
        var tf =
            PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        PredictRequest request =
            PredictRequest.newBuilder()
                .setModelSpec(ModelSpec.newBuilder().setName("dense"))
                .putInputs(
                    "INPUT0",
                    TensorProto.newBuilder()
                        .setDtype(DataType.DT_FLOAT)
                        .setTensorShape(
                            TensorShapeProto.newBuilder()
                                .addDim(TensorShapeProto.Dim.newBuilder().setSize(1))
                                .addDim(TensorShapeProto.Dim.newBuilder().setSize(4)))
                        .addFloatVal(1)
                        .addFloatVal(2)
                        .addFloatVal(3)
                        .addFloatVal(4)
                        .build())
                .build();
        assertThat(AuthIT.code(() -> tf.predict(request))).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(
                AuthIT.code(() ->
                    tf.withInterceptors(
                            MetadataUtils.newAttachHeadersInterceptor(
                                header("authorization", "Bearer read-token")))
                        .predict(request)))
            .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(
                tf.withInterceptors(
                        MetadataUtils.newAttachHeadersInterceptor(
                            header("authorization", "Bearer infer-token")))
                    .predict(request)
                    .getOutputsCount())
            .isEqualTo(1);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** A plain HTTP client of one port (java.net.http). */
  record AuthITHttp(int port) {
    HttpResponse<String> send(String method, String path, Map<String, String> headers)
        throws Exception {
      return send(
          method,
          path,
          method.equals("POST") && path.endsWith("/infer") ? AuthIT.ROW : "",
          headers);
    }

    HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
        throws Exception {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .method(
                  method,
                  method.equals("POST")
                      ? HttpRequest.BodyPublishers.ofString(body.isEmpty() ? "{}" : body)
                      : HttpRequest.BodyPublishers.noBody());
      headers.forEach(b::header);
      return AuthIT.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
