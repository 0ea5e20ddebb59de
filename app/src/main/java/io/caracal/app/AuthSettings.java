package io.caracal.app;

import java.util.List;
import java.util.Objects;

/**
 * The authentication, authorization, rate-limit and audit settings of {@code caracal serve} (README
 * "Authentication and roles"); part of {@link ServerSettings}, declared as flags in its builder.
 *
 * @param authFile the tokens file; empty for none
 * @param authFilePollSecs seconds between two reads of the tokens file; 0 = read once
 * @param jwksFile a JWKS file to verify JWT bearer tokens with; empty for none
 * @param jwksUrl an HTTPS URL serving the JWKS; empty for none
 * @param jwtIssuer the {@code iss} every JWT must carry
 * @param jwtAudience a value every JWT's {@code aud} must contain
 * @param jwtClockSkewSecs tolerance on {@code exp} and {@code nbf}, in seconds
 * @param jwtRolesClaim the JWT claim listing the roles
 * @param httpRestrictedApi Triton's {@code --http-restricted-api} entries (HTTP and TF REST)
 * @param grpcRestrictedProtocol Triton's {@code --grpc-restricted-protocol} entries (gRPC and TF
 *     gRPC)
 * @param rateLimit inference calls per second per principal and model; 0 = none
 * @param rateLimitBurst calls a principal may make at once before the rate applies; 0 = the rate
 * @param auditLog whether the {@code caracal.audit} JSON log is written
 * @param metricsAuth whether a scrape of the metrics listener needs a principal with the {@code
 *     read} role: {@code true}, {@code false}, or {@code auto} (on when tokens or JWTs are checked)
 */
public record AuthSettings(
    String authFile,
    int authFilePollSecs,
    String jwksFile,
    String jwksUrl,
    String jwtIssuer,
    String jwtAudience,
    int jwtClockSkewSecs,
    String jwtRolesClaim,
    List<String> httpRestrictedApi,
    List<String> grpcRestrictedProtocol,
    int rateLimit,
    int rateLimitBurst,
    boolean auditLog,
    String metricsAuth) {

  /** Authentication off, nothing restricted, no rate limits, the audit log on. */
  public static final AuthSettings DEFAULTS =
      new AuthSettings(
          "", 5, "", "", "", "", 60, "roles", List.of(), List.of(), 0, 0, true, "auto");

  public AuthSettings {
    Objects.requireNonNull(authFile, "authFile");
    Objects.requireNonNull(jwksFile, "jwksFile");
    Objects.requireNonNull(jwksUrl, "jwksUrl");
    Objects.requireNonNull(jwtIssuer, "jwtIssuer");
    Objects.requireNonNull(jwtAudience, "jwtAudience");
    Objects.requireNonNull(jwtRolesClaim, "jwtRolesClaim");
    httpRestrictedApi = httpRestrictedApi.stream().filter(e -> !e.isBlank()).toList();
    grpcRestrictedProtocol = grpcRestrictedProtocol.stream().filter(e -> !e.isBlank()).toList();
    if (authFilePollSecs < 0 || authFilePollSecs > 86400) {
      throw new IllegalArgumentException(
          "auth-file-poll-secs must be 0..86400, got " + authFilePollSecs);
    }
    if (jwtClockSkewSecs < 0 || jwtClockSkewSecs > 600) {
      throw new IllegalArgumentException(
          "auth-jwt-clock-skew-secs must be 0..600, got " + jwtClockSkewSecs);
    }
    if (rateLimit < 0 || rateLimitBurst < 0) {
      throw new IllegalArgumentException(
          "principal-rate-limit and principal-rate-limit-burst must be >= 0");
    }
    if (!jwksFile.isEmpty() && !jwksUrl.isEmpty()) {
      throw new IllegalArgumentException("auth-jwks-file and auth-jwks-url exclude each other");
    }
    boolean jwt = !jwksFile.isEmpty() || !jwksUrl.isEmpty();
    if (jwt && (jwtIssuer.isBlank() || jwtAudience.isBlank())) {
      throw new IllegalArgumentException(
          "JWT verification needs auth-jwt-issuer and auth-jwt-audience");
    }
    if (!metricsAuth.equals("auto")
        && !metricsAuth.equals("true")
        && !metricsAuth.equals("false")) {
      throw new IllegalArgumentException(
          "metrics-auth must be auto, true or false, got " + metricsAuth);
    }
    if (metricsAuth.equals("true") && authFile.isEmpty() && !jwt) {
      throw new IllegalArgumentException(
          "metrics-auth true needs --auth-file or --auth-jwks-file/--auth-jwks-url");
    }
    // a bad entry fails at start, naming the flag
    io.caracal.security.Restrictions.parse("http-restricted-api", httpRestrictedApi);
    io.caracal.security.Restrictions.parse("grpc-restricted-protocol", grpcRestrictedProtocol);
  }

  /** Returns whether a scrape of the metrics listener must carry a principal with {@code read}. */
  public boolean metricsNeedToken() {
    return metricsAuth.equals("true")
        || (metricsAuth.equals("auto") && (!authFile.isEmpty() || isJwt()));
  }

  /** Returns whether JWTs are verified. */
  public boolean isJwt() {
    return !jwksFile.isEmpty() || !jwksUrl.isEmpty();
  }

  /** Returns whether callers must authenticate. */
  public boolean isEnabled() {
    return !authFile.isEmpty() || isJwt();
  }
}
