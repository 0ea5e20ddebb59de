package io.caracal.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.auth.Principal;
import io.caracal.core.auth.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JWT verification with keys generated here and a clock the test moves. */
class JwtAuthenticatorTest {
  static RSAKey key;
  static RSAKey otherKey;
  static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

  @TempDir Path dir;
  final AtomicReference<Instant> now = new AtomicReference<>(T0);
  final InstantSource clock = now::get;

  @BeforeAll
  static void keys() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("k1").generate();
    otherKey = new RSAKeyGenerator(2048).keyID("k1").generate(); // same id, other key
  }

  /** Returns a token signed by {@code signer} with these claims. */
  static String token(RSAKey signer, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signer.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(signer));
    return jwt.serialize();
  }

  static JWTClaimsSet.Builder claims(Instant exp) {
    return new JWTClaimsSet.Builder()
        .subject("svc-7")
        .issuer("https://issuer.example")
        .audience("caracal")
        .expirationTime(Date.from(exp))
        .claim("roles", List.of("infer", "read", "unknown"))
        .claim("models", "dense*");
  }

  JwtAuthenticator verifier() throws Exception {
    Path jwks = dir.resolve("jwks.json");
    Files.writeString(jwks, new JWKSet(key.toPublicJWK()).toString());
    return JwtAuthenticator.create(
        new JwtAuthenticator.Settings(
            jwks, null, "https://issuer.example", "caracal", Duration.ofSeconds(60), "roles"),
        clock);
  }

  static void refused(JwtAuthenticator v, String token, String message) {
    assertThatThrownBy(() -> v.authenticate(token))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> {
              assertThat(e.error()).isInstanceOf(InferenceError.Unauthenticated.class);
              assertThat(e.getMessage()).isEqualTo(message);
            });
  }

  @Test
  void aValidTokenGivesItsSubjectRolesAndModels() throws Exception {
    JwtAuthenticator v = verifier();
    String t = token(key, claims(T0.plusSeconds(600)).build());
    Principal p = v.authenticate(t);
    assertThat(p.name()).isEqualTo("svc-7");
    assertThat(p.source()).isEqualTo("jwt");
    assertThat(p.roles()).containsExactlyInAnyOrder(Role.INFER, Role.READ);
    assertThat(p.models().matches("dense-large")).isTrue();
    assertThat(p.models().matches("other")).isFalse();
    assertThat(v.authenticate(t)).isSameAs(p); // remembered
  }

  @Test
  void expiryHonoursTheSkewAndEndsARememberedToken() throws Exception {
    JwtAuthenticator v = verifier();
    String t = token(key, claims(T0.plusSeconds(10)).build());
    assertThat(v.authenticate(t).name()).isEqualTo("svc-7");
    now.set(T0.plusSeconds(65)); // 55 s past exp: inside the 60 s skew
    assertThat(v.authenticate(t).name()).isEqualTo("svc-7");
    now.set(T0.plusSeconds(71));
    refused(v, t, "bearer token has expired");
    refused(v, token(key, claims(T0.minusSeconds(3600)).build()), "bearer token has expired");
  }

  @Test
  void wrongIssuerAudienceSignatureAndShapeAreRefused() throws Exception {
    JwtAuthenticator v = verifier();
    Instant exp = T0.plusSeconds(600);
    refused(
        v,
        token(key, claims(exp).issuer("https://evil.example").build()),
        "bearer token issuer is not accepted");
    refused(
        v,
        token(key, claims(exp).audience("someone-else").build()),
        "bearer token audience is not accepted");
    refused(v, token(otherKey, claims(exp).build()), "bearer token signature is not valid");
    refused(v, "not.a.jwt", "bearer token is not a JWT");
    String valid = token(key, claims(exp).build());
    String[] parts = valid.split("\\.");
    String tampered =
        parts[0]
            + "."
            + com.nimbusds.jose.util.Base64URL.encode(
                claims(exp).subject("admin").build().toString())
            + "."
            + parts[2];
    refused(v, tampered, "bearer token signature is not valid");
  }

  @Test
  void jwksUrlsMustBeHttpsOrLoopback() {
    assertThat(JwtAuthenticator.allowedUrl("https://idp.example/jwks").toString())
        .isEqualTo("https://idp.example/jwks");
    assertThat(JwtAuthenticator.allowedUrl("http://127.0.0.1:9/jwks").getPort()).isEqualTo(9);
    assertThatThrownBy(() -> JwtAuthenticator.allowedUrl("http://idp.example/jwks"))
        .hasMessageContaining("https");
    assertThatThrownBy(() -> JwtAuthenticator.allowedUrl("file:///etc/passwd"))
        .hasMessageContaining("https");
    assertThatThrownBy(() -> JwtAuthenticator.allowedUrl("https://u:p@idp.example/jwks"))
        .hasMessageContaining("user info");
  }

  @Test
  void aJwksUrlIsFetchedAtStartNotWhileVerifying() throws Exception {
    java.util.concurrent.atomic.AtomicInteger fetches =
        new java.util.concurrent.atomic.AtomicInteger();
    byte[] jwks =
        new JWKSet(key.toPublicJWK()).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    com.sun.net.httpserver.HttpServer idp =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    idp.createContext(
        "/jwks",
        x -> {
          fetches.incrementAndGet();
          x.getResponseHeaders().set("Content-Type", "application/json");
          x.sendResponseHeaders(200, jwks.length);
          try (var body = x.getResponseBody()) {
            body.write(jwks);
          }
        });
    idp.start();
    try {
      String url = "http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks";
      JwtAuthenticator v =
          JwtAuthenticator.create(
              new JwtAuthenticator.Settings(
                  null, url, "https://issuer.example", "caracal", Duration.ofSeconds(60), "roles"),
              clock);
      assertThat(fetches.get()).as("fetched while the server starts").isEqualTo(1);
      for (int i = 0; i < 3; i++) {
        String t = token(key, claims(T0.plusSeconds(600 + i)).build());
        assertThat(v.authenticate(t).name()).isEqualTo("svc-7");
      }
      assertThat(fetches.get()).as("no fetch on the verifying thread").isEqualTo(1);
    } finally {
      idp.stop(0);
    }
  }

  @Test
  void aJwksUrlUnreachableAtStartDoesNotStopTheServerAndRefusesTokens() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    JwtAuthenticator v =
        JwtAuthenticator.create(
            new JwtAuthenticator.Settings(
                null,
                "http://127.0.0.1:" + closedPort + "/jwks",
                "https://issuer.example",
                "caracal",
                Duration.ofSeconds(60),
                "roles"),
            clock);
    assertThatThrownBy(() -> v.authenticate(token(key, claims(T0.plusSeconds(600)).build())))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> assertThat(e.error()).isInstanceOf(InferenceError.Unauthenticated.class));
  }
}
