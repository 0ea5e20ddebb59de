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
}
