package io.caracal.app;

import io.caracal.accesslog.AuditLog;
import io.caracal.core.auth.AccessControl;
import io.caracal.core.auth.ApiCategory;
import io.caracal.core.auth.ArtifactDigests;
import io.caracal.core.auth.AuditSink;
import io.caracal.core.auth.RateLimitListener;
import io.caracal.core.lifecycle.LoadedModel;
import io.caracal.core.lifecycle.ModelRegistry;
import io.caracal.core.scheduler.Ticker;
import io.caracal.security.Authenticator;
import io.caracal.security.Authenticators;
import io.caracal.security.CertificatePrincipals;
import io.caracal.security.Gatekeeper;
import io.caracal.security.JwtAuthenticator;
import io.caracal.security.RateLimits;
import io.caracal.security.Restrictions;
import io.caracal.security.TokenFileAuthenticator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access checks of one server's listeners, built from {@link AuthSettings}: the tokens file
 * (reread on a timer), the JWT verifier, the rate limits, the audit log, and each transport's
 * restricted categories. On a non-loopback address without authentication the management categories
 * ({@link #MANAGEMENT}) are locked unless a restriction names them, and a warning says so. Closed
 * with the server (stops the tokens file's timer).
 */
final class Security implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Security.class);

  /**
   * Locked on a non-loopback address without authentication: the categories that change the server
   * or expose its internals beyond what clients need. Statistics and model configuration stay open
   * (read-only, and what perf tools and clients read).
   */
  static final Set<ApiCategory> MANAGEMENT =
      EnumSet.of(
          ApiCategory.MODEL_REPOSITORY,
          ApiCategory.LOGGING,
          ApiCategory.TRACE,
          ApiCategory.SHARED_MEMORY);

  private final Gatekeeper http;
  private final Gatekeeper grpc;
  private final Gatekeeper tfsRest;
  private final Gatekeeper tfsGrpc;
  private final AccessControl metrics;
  private final @Nullable ScheduledExecutorService poller;
  private final String mode;
  private final Restrictions httpRules;
  private final Restrictions grpcRules;

  private Security(
      Gatekeeper http,
      Gatekeeper grpc,
      Gatekeeper tfsRest,
      Gatekeeper tfsGrpc,
      AccessControl metrics,
      @Nullable ScheduledExecutorService poller,
      String mode,
      Restrictions httpRules,
      Restrictions grpcRules) {
    this.httpRules = httpRules;
    this.grpcRules = grpcRules;
    this.http = http;
    this.grpc = grpc;
    this.tfsRest = tfsRest;
    this.tfsGrpc = tfsGrpc;
    this.metrics = metrics;
    this.poller = poller;
    this.mode = mode;
  }

  /**
   * Builds the checks.
   *
   * @throws IOException when the tokens or JWKS file cannot be read
   * @throws IllegalArgumentException when one of them does not parse
   */
  static Security start(
      AuthSettings s, String host, ModelRegistry registry, RateLimitListener rateLimited)
      throws IOException {
    TokenFileAuthenticator tokens =
        s.authFile().isEmpty() ? null : TokenFileAuthenticator.load(Path.of(s.authFile()));
    Authenticator jwt = null;
    if (s.isJwt()) {
      jwt =
          JwtAuthenticator.create(
              new JwtAuthenticator.Settings(
                  s.jwksFile().isEmpty() ? null : Path.of(s.jwksFile()),
                  s.jwksUrl().isEmpty() ? null : s.jwksUrl(),
                  s.jwtIssuer(),
                  s.jwtAudience(),
                  Duration.ofSeconds(s.jwtClockSkewSecs()),
                  s.jwtRolesClaim()),
              InstantSource.system());
    }
    Authenticator auth = Authenticators.of(tokens, jwt);
    RateLimits limits =
        s.rateLimit() > 0 || tokens != null
            ? new RateLimits(s.rateLimit(), s.rateLimitBurst(), Ticker.system())
            : null;
    AuditSink audit = s.auditLog() ? AuditLog.toLogger() : AuditSink.NONE;
    Gatekeeper.Shared shared =
        new Gatekeeper.Shared(
            auth,
            tokens == null
                ? CertificatePrincipals.NONE
                : CertificatePrincipals.byName(tokens::certificateHolder),
            limits,
            rateLimited,
            audit,
            digests(registry),
            InstantSource.system());
    boolean exposed = !isLoopback(host);
    Restrictions httpRules = Restrictions.parse("http-restricted-api", s.httpRestrictedApi());
    Restrictions grpcRules =
        Restrictions.parse("grpc-restricted-protocol", s.grpcRestrictedProtocol());
    if (exposed && auth == null) {
      httpRules = httpRules.lockingUnrestricted(MANAGEMENT);
      grpcRules = grpcRules.lockingUnrestricted(MANAGEMENT);
      log.warn(
          "listeners bind {} (not loopback) WITHOUT authentication: anyone who reaches them may"
              + " infer and read metadata; the management APIs {} are refused (HTTP) / {} (gRPC)"
              + " unless restricted to a header. Set --auth-file or --auth-jwks-file to require"
              + " tokens.",
          host,
          names(httpRules.locked()),
          names(grpcRules.locked()));
    }
    ScheduledExecutorService poller = null;
    if (tokens != null && s.authFilePollSecs() > 0) {
      poller =
          Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "auth-file-poll");
            t.setDaemon(true);
            return t;
          });
      poller.scheduleWithFixedDelay(
          tokens::refresh, s.authFilePollSecs(), s.authFilePollSecs(), TimeUnit.SECONDS);
    }
    String mode =
        auth == null
            ? "off"
            : (tokens != null ? "tokens(" + tokens.size() + ")" : "")
                + (tokens != null && jwt != null ? "+" : "")
                + (jwt != null ? "jwt" : "");
    Security security =
        new Security(
            new Gatekeeper(shared, httpRules, "http"),
            new Gatekeeper(shared, grpcRules, "grpc"),
            new Gatekeeper(shared, httpRules, "tfs-rest"),
            new Gatekeeper(shared, grpcRules, "tfs-grpc"),
            s.metricsNeedToken()
                ? new Gatekeeper(shared, httpRules, "metrics")
                : AccessControl.OPEN,
            poller,
            mode,
            httpRules,
            grpcRules);
    log.info(
        "authentication {}; restricted categories: HTTP {}, gRPC {}; rate limit {}; audit log {}",
        mode,
        security.restrictions(false),
        security.restrictions(true),
        s.rateLimit() > 0 ? s.rateLimit() + "/s per principal and model" : "none",
        s.auditLog() ? "on" : "off");
    return security;
  }

  private static String names(Set<ApiCategory> categories) {
    return categories.stream().map(ApiCategory::wireName).toList().toString();
  }

  /** Whether {@code host} is a loopback address (a name that does not resolve counts as not). */
  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static ArtifactDigests digests(ModelRegistry registry) {
    return model ->
        registry.loaded().stream()
            .filter(m -> m.id().name().equals(model))
            .map(Security::digest)
            .toList();
  }

  private static ArtifactDigests.VersionDigest digest(LoadedModel m) {
    return new ArtifactDigests.VersionDigest(m.id().version(), m.artifactSha256());
  }

  /** The authentication mode, for the listener table: {@code off}, {@code tokens(3)+jwt}, ... */
  String mode() {
    return mode;
  }

  /**
   * The restricted and locked categories of the HTTP listeners ({@code grpc} false) or the gRPC
   * ones, for the listener table: {@code model-repository:admin-key logging:locked}, or {@code
   * none}.
   */
  String restrictions(boolean grpc) {
    Restrictions r = grpc ? grpcRules : httpRules;
    StringBuilder out = new StringBuilder();
    r.restricted()
        .forEach((c, header) ->
            out.append(out.isEmpty() ? "" : " ").append(c.wireName()).append(':').append(header));
    for (ApiCategory c : r.locked()) {
      out.append(out.isEmpty() ? "" : " ").append(c.wireName()).append(":locked");
    }
    return out.isEmpty() ? "none" : out.toString();
  }

  AccessControl http() {
    return http;
  }

  AccessControl grpc() {
    return grpc;
  }

  AccessControl tfsRest() {
    return tfsRest;
  }

  AccessControl tfsGrpc() {
    return tfsGrpc;
  }

  /**
   * The check of the metrics listener: a principal with {@code read} when {@code --metrics-auth}
   * asks for one, else none.
   */
  AccessControl metrics() {
    return metrics;
  }

  /** The authentication column of the metrics listener in the listener table. */
  String metricsMode() {
    return metrics == AccessControl.OPEN ? "none" : mode;
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.shutdownNow();
    }
  }
}
