package io.caracal.security;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.auth.AccessControl;
import io.caracal.core.auth.ArtifactDigests;
import io.caracal.core.auth.AuditEvent;
import io.caracal.core.auth.AuditSink;
import io.caracal.core.auth.Caller;
import io.caracal.core.auth.Grant;
import io.caracal.core.auth.Operation;
import io.caracal.core.auth.Principal;
import io.caracal.core.auth.RateLimitListener;
import io.caracal.core.auth.Role;
import java.time.InstantSource;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Core's {@link AccessControl} for one listener, in this order: the category's restriction (a
 * header, or locked), then open operations (health) pass; then the caller is authenticated (bearer
 * token, else its client certificate; anonymous when authentication is off), its roles checked
 * against the operation, its model patterns against the model, and for inference one call taken
 * from its rate for the model. Refusals are {@code Unauthenticated}, {@code PermissionDenied} and
 * {@code RateLimited}; the first two are audited, as is every audited operation's result. A server
 * without authentication, restrictions or rate costs one switch per call. Thread-safe.
 */
public final class Gatekeeper implements AccessControl {

  /**
   * What the listeners of one server share.
   *
   * @param authenticator turns tokens into principals; null when authentication is off
   * @param certificates turns a verified client certificate (mTLS) into a principal
   * @param limits the rate limits; null when there are none
   * @param rateLimited told of every call a rate limit refused
   * @param audit where audit events go
   * @param digests the model files' digests, for the audit lines of loads
   * @param clock the audit lines' time
   */
  public record Shared(
      @Nullable Authenticator authenticator,
      CertificatePrincipals certificates,
      @Nullable RateLimits limits,
      RateLimitListener rateLimited,
      AuditSink audit,
      ArtifactDigests digests,
      InstantSource clock) {
    public Shared {
      Objects.requireNonNull(certificates, "certificates");
      Objects.requireNonNull(rateLimited, "rateLimited");
      Objects.requireNonNull(audit, "audit");
      Objects.requireNonNull(digests, "digests");
      Objects.requireNonNull(clock, "clock");
    }
  }

  private final Shared shared;
  private final Restrictions restrictions;
  private final String protocol;

  /**
   * Creates the check of one listener.
   *
   * @param protocol the listener's name in audit lines: {@code http}, {@code grpc}, ...
   */
  public Gatekeeper(Shared shared, Restrictions restrictions, String protocol) {
    this.shared = Objects.requireNonNull(shared, "shared");
    this.restrictions = Objects.requireNonNull(restrictions, "restrictions");
    this.protocol = Objects.requireNonNull(protocol, "protocol");
  }

  @Override
  public Grant check(Operation op, @Nullable String model, Caller caller) {
    if (!restrictions.isEmpty()) {
      String refusal = restrictions.refusal(op.category(), caller.headers());
      if (refusal != null) {
        throw denied(op, model, caller, "", refusal);
      }
    }
    if (op.isOpen()) {
      return Grant.OPEN;
    }
    Principal p = authenticate(op, model, caller);
    if (!op.allows(p.roles())) {
      throw denied(
          op,
          model,
          caller,
          p.name(),
          "principal '"
              + p.name()
              + "' may not call the "
              + op.category().wireName()
              + " API ("
              + op.wireName()
              + " needs the role "
              + op.roles().stream().map(Role::wireName).collect(Collectors.joining(" or "))
              + ")");
    }
    if (model != null
        && !p.models().isAll()
        && limitedToModels(op, p)
        && !p.models().matches(model)) {
      throw denied(
          op,
          model,
          caller,
          p.name(),
          "principal '" + p.name() + "' may not use model '" + model + "'");
    }
    RateLimits limits = shared.limits();
    if (limits != null && model != null && op == Operation.INFER) {
      long wait = limits.tryTake(p, model);
      if (wait > 0) {
        shared.rateLimited().limited(p.name(), model);
        throw InferenceException.of(
            new InferenceError.RateLimited(
                model, Math.max(1, (wait + 999_999_999L) / 1_000_000_000L)));
      }
    }
    if (op.isAudited()) {
      return new AuditedGrant(p, op, model == null ? "" : model, addressOf(caller));
    }
    return p.isAnonymous() ? Grant.OPEN : new PrincipalGrant(p);
  }

  /** Inference, and a model's metadata asked by a principal that may only infer. */
  private static boolean limitedToModels(Operation op, Principal p) {
    return op == Operation.INFER
        || (op == Operation.MODEL_METADATA && !p.roles().contains(Role.READ));
  }

  private Principal authenticate(Operation op, @Nullable String model, Caller caller) {
    Authenticator auth = shared.authenticator();
    if (auth == null) {
      return Principal.ANONYMOUS;
    }
    String header = caller.authorization();
    if (header == null) {
      java.security.cert.X509Certificate c = caller.certificate();
      Principal cert = c == null ? null : shared.certificates().of(c);
      if (cert != null) {
        return cert;
      }
      throw unauthenticated(
          op, model, caller, "missing bearer token (Authorization: Bearer <token>)");
    }
    String token = BearerToken.parse(header);
    if (token == null) {
      throw unauthenticated(
          op, model, caller, "malformed Authorization header: expected 'Bearer <token>'");
    }
    try {
      return auth.authenticate(token);
    } catch (InferenceException e) {
      audit(op, model, caller, "", "unauthenticated", e.getMessage());
      throw e;
    }
  }

  private InferenceException unauthenticated(
      Operation op, @Nullable String model, Caller caller, String message) {
    audit(op, model, caller, "", "unauthenticated", message);
    return InferenceException.of(new InferenceError.Unauthenticated(message));
  }

  private InferenceException denied(
      Operation op, @Nullable String model, Caller caller, String principal, String message) {
    audit(op, model, caller, principal, "permission-denied", message);
    return InferenceException.of(new InferenceError.PermissionDenied(message));
  }

  private void audit(
      Operation op,
      @Nullable String model,
      Caller caller,
      String principal,
      String result,
      @Nullable String reason) {
    shared
        .audit()
        .record(
            new AuditEvent(
                shared.clock().instant(),
                principal,
                addressOf(caller),
                protocol,
                op.wireName(),
                model == null ? "" : model,
                "",
                "",
                result,
                reason == null ? "" : reason));
  }

  private static String addressOf(Caller caller) {
    String a = caller.address();
    return a == null ? "" : a;
  }

  /** The grant of an authenticated principal whose call is not audited. */
  private record PrincipalGrant(Principal principal) implements Grant {
    @Override
    public void finished(boolean ok, String result) {}
  }

  /** The grant of a management call: its result goes to the audit log. */
  private final class AuditedGrant implements Grant {
    private final Principal principal;
    private final Operation op;
    private final String model;
    private final String address;

    AuditedGrant(Principal principal, Operation op, String model, String address) {
      this.principal = principal;
      this.op = op;
      this.model = model;
      this.address = address;
    }

    @Override
    public Principal principal() {
      return principal;
    }

    @Override
    public void finished(boolean ok, String result) {
      if (ok && op == Operation.REPOSITORY_LOAD && !model.isEmpty()) {
        var versions = shared.digests().of(model);
        if (!versions.isEmpty()) {
          for (var v : versions) {
            write(Long.toString(v.version()), v.sha256(), "ok", "");
          }
          return;
        }
      }
      write("", "", ok ? "ok" : "failed", ok ? "" : result);
    }

    private void write(String version, String sha256, String result, String reason) {
      shared
          .audit()
          .record(
              new AuditEvent(
                  shared.clock().instant(),
                  principal.name(),
                  address,
                  protocol,
                  op.wireName(),
                  model,
                  version,
                  sha256,
                  result,
                  reason));
    }
  }
}
