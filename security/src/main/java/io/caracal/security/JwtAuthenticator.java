package io.caracal.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.auth.ModelPatterns;
import io.caracal.core.auth.Principal;
import io.caracal.core.auth.Role;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Principals from signed JWTs (Nimbus JOSE+JWT): the signature checked against the keys of a JWKS
 * file or of one operator-named HTTPS URL (the only place the server fetches from; plain HTTP only
 * to a loopback address), RSA or EC algorithms only; the {@code iss} claim must equal the issuer,
 * {@code aud} contain the audience, {@code exp} be in the future and {@code nbf} past, both within
 * the clock skew; {@code sub} names the principal, the roles claim (an array, or a string of names
 * separated by spaces or commas) gives its roles, an optional {@code models} claim limits its
 * {@code infer} role. A verified token is remembered by its string (at most 10 000, for at most
 * five minutes, never past its {@code exp}), so its next calls cost a map lookup. Thread-safe.
 */
public final class JwtAuthenticator implements Authenticator {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(JwtAuthenticator.class);

  /**
   * What a token must satisfy.
   *
   * @param jwksFile a JWKS file, or null
   * @param jwksUrl a JWKS URL, or null (exactly one of the two)
   * @param issuer the exact {@code iss}
   * @param audience a value {@code aud} must contain
   * @param clockSkew tolerance on {@code exp} and {@code nbf}
   * @param rolesClaim the claim that lists the roles
   */
  public record Settings(
      @Nullable Path jwksFile,
      @Nullable String jwksUrl,
      String issuer,
      String audience,
      Duration clockSkew,
      String rolesClaim) {
    public Settings {
      if ((jwksFile == null) == (jwksUrl == null)) {
        throw new IllegalArgumentException(
            "JWT verification needs one of a JWKS file and a JWKS URL");
      }
      if (issuer.isBlank()) {
        throw new IllegalArgumentException("JWT verification needs the issuer (auth-jwt-issuer)");
      }
      if (audience.isBlank()) {
        throw new IllegalArgumentException(
            "JWT verification needs the audience (auth-jwt-audience)");
      }
      if (clockSkew.isNegative() || clockSkew.compareTo(Duration.ofMinutes(10)) > 0) {
        throw new IllegalArgumentException("the JWT clock skew must be 0..600 s");
      }
      Objects.requireNonNull(rolesClaim, "rolesClaim");
    }
  }

  private record Verified(Principal principal, Instant expires) {}

  private static final Set<JWSAlgorithm> ALGORITHMS;

  static {
    Set<JWSAlgorithm> a = new HashSet<>(JWSAlgorithm.Family.RSA);
    a.addAll(JWSAlgorithm.Family.EC);
    ALGORITHMS = Set.copyOf(a);
  }

  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
  private final InstantSource clock;
  private final Duration skew;
  private final String rolesClaim;
  private final Cache<String, Verified> verified =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(5)).build();

  private JwtAuthenticator(JWKSource<SecurityContext> keys, Settings s, InstantSource clock) {
    this.clock = clock;
    this.skew = s.clockSkew();
    this.rolesClaim = s.rolesClaim();
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            Set.of(s.audience()),
            new JWTClaimsSet.Builder().issuer(s.issuer()).build(),
            Set.of("sub", "exp"),
            null) {
          @Override
          protected Date currentTime() {
            return Date.from(clock.instant());
          }
        };
    claims.setMaxClockSkew(Math.toIntExact(s.clockSkew().toSeconds()));
    processor.setJWTClaimsSetVerifier(claims);
  }

  /**
   * Creates the verifier; reads the JWKS file, or fetches the JWKS URL's keys, now.
   *
   * @throws IOException when the JWKS file cannot be read
   * @throws IllegalArgumentException when the file is no JWKS or the URL is not allowed
   */
  public static JwtAuthenticator create(Settings s, InstantSource clock) throws IOException {
    JWKSource<SecurityContext> keys;
    if (s.jwksFile() != null) {
      try {
        keys = new ImmutableJWKSet<>(JWKSet.parse(Files.readString(s.jwksFile())));
      } catch (ParseException e) {
        throw new IllegalArgumentException("auth-jwks-file is not a JSON Web Key Set", e);
      }
    } else {
      keys = remoteKeys(allowedUrl(Objects.requireNonNull(s.jwksUrl())));
    }
    return new JwtAuthenticator(keys, s, clock);
  }

  /**
   * The keys of a JWKS URL, fetched now (on the caller's thread, at start) and then kept fresh by a
   * background thread ahead of their expiry (Nimbus's refresh-ahead cache, five minutes' lifetime),
   * so that verifying a token on an I/O thread does not wait for the network. Only a token whose
   * key id is unknown makes the verifying thread fetch (a key rotated in at the issuer), at most
   * once every 30 s, with Nimbus's 0.5 s connect and read timeouts; while the URL is unreachable
   * the last keys stay in use (outage tolerance). A URL unreachable at start is logged and retried
   * at the first token.
   */
  static JWKSource<SecurityContext> remoteKeys(java.net.URL url) {
    java.util.concurrent.ThreadFactory daemons =
        Thread.ofPlatform().daemon().name("jwks-refresh").factory();
    JWKSource<SecurityContext> keys =
        JWKSourceBuilder.<SecurityContext>create(url)
            .refreshAheadCache(
                JWKSourceBuilder.DEFAULT_REFRESH_AHEAD_TIME,
                null,
                java.util.concurrent.Executors.newSingleThreadExecutor(daemons),
                true,
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(daemons),
                true)
            .outageTolerant(true)
            .build();
    try {
      int n =
          keys.get(
                  new com.nimbusds.jose.jwk.JWKSelector(
                      new com.nimbusds.jose.jwk.JWKMatcher.Builder().build()),
                  null)
              .size();
      log.info("auth: {} keys from the JWKS URL {}", n, url.getHost());
    } catch (com.nimbusds.jose.KeySourceException | RuntimeException e) {
      log.warn(
          "auth: the JWKS URL {} cannot be read now ({}); tokens are refused until it can",
          url.getHost(),
          e.getMessage());
    }
    return keys;
  }

  /**
   * Returns the JWKS URL when it is https, or http to a loopback address; refuses anything else.
   */
  static java.net.URL allowedUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("auth-jwks-url is not a URL", e);
    }
    String host = uri.getHost();
    boolean loopback =
        host != null
            && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
    if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && loopback)) {
      throw new IllegalArgumentException(
          "auth-jwks-url must be https (plain http only to a loopback address)");
    }
    if (uri.getUserInfo() != null || uri.getFragment() != null) {
      throw new IllegalArgumentException("auth-jwks-url must not carry user info or a fragment");
    }
    try {
      return uri.toURL();
    } catch (java.net.MalformedURLException e) {
      throw new IllegalArgumentException("auth-jwks-url is not a URL", e);
    }
  }

  @Override
  public Principal authenticate(String token) {
    Instant now = clock.instant();
    Verified v = verified.getIfPresent(token);
    if (v != null && now.isBefore(v.expires().plus(skew))) {
      return v.principal();
    }
    JWTClaimsSet claims;
    try {
      claims = processor.process(token, null);
    } catch (BadJWTException e) {
      throw refused(claimProblem(e.getMessage()));
    } catch (BadJOSEException e) {
      throw refused(
          String.valueOf(e.getMessage()).contains("signature")
              ? "bearer token signature is not valid"
              : "bearer token is not accepted");
    } catch (ParseException e) {
      throw refused("bearer token is not a JWT");
    } catch (com.nimbusds.jose.JOSEException | RuntimeException e) {
      throw refused("bearer token cannot be verified");
    }
    Principal p = principal(claims);
    Date exp = Objects.requireNonNull(claims.getExpirationTime()); // required claim
    verified.put(token, new Verified(p, exp.toInstant()));
    return p;
  }

  private Principal principal(JWTClaimsSet claims) {
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    for (String name : strings(claims.getClaim(rolesClaim))) {
      for (Role r : Role.values()) {
        if (r.wireName().equalsIgnoreCase(name)) {
          roles.add(r);
        }
      }
    }
    List<String> models = strings(claims.getClaim("models"));
    ModelPatterns patterns;
    try {
      patterns = ModelPatterns.of(models);
    } catch (IllegalArgumentException e) {
      throw refused("bearer token has an invalid models claim");
    }
    return new Principal(Objects.requireNonNull(claims.getSubject()), roles, patterns, 0, "jwt");
  }

  private static List<String> strings(@Nullable Object claim) {
    List<String> out = new ArrayList<>();
    if (claim instanceof String s) {
      for (String part : s.split("[ ,]+")) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
    } else if (claim instanceof List<?> list) {
      for (Object o : list) {
        if (o instanceof String s && !s.isEmpty()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** Words a claims failure without echoing the token's values. */
  private static String claimProblem(@Nullable String m) {
    String s = String.valueOf(m);
    if (s.contains("Expired")) {
      return "bearer token has expired";
    }
    if (s.contains("before use time") || s.contains("nbf")) {
      return "bearer token is not valid yet";
    }
    if (s.contains("iss")) {
      return "bearer token issuer is not accepted";
    }
    if (s.contains("aud")) {
      return "bearer token audience is not accepted";
    }
    if (s.contains("missing required claims")) {
      return "bearer token lacks a required claim (sub, exp)";
    }
    return "bearer token is not accepted";
  }

  private static InferenceException refused(String message) {
    return InferenceException.of(new InferenceError.Unauthenticated(message));
  }
}
