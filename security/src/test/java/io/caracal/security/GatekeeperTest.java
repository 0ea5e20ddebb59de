package io.caracal.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.auth.ApiCategory;
import io.caracal.core.auth.ArtifactDigests;
import io.caracal.core.auth.AuditEvent;
import io.caracal.core.auth.Caller;
import io.caracal.core.auth.Grant;
import io.caracal.core.auth.Operation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gatekeeper alone: rate limits on a ticker the test moves, restrictions, audit events. */
class GatekeeperTest {
  @TempDir Path dir;
  final AtomicLong nanos = new AtomicLong(1_000);
  final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
  final List<String> limited = new ArrayList<>();
  TokenFileAuthenticator tokens;

  @BeforeEach
  void tokens() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(
        file,
        TokenFileAuthenticatorTest.plainLine("fast", "fast-token", "infer")
            + "\n"
            + TokenFileAuthenticatorTest.plainLine("slow", "slow-token", "infer")
            + " rate=2\n"
            + TokenFileAuthenticatorTest.plainLine("ops", "ops-token", "admin")
            + "\n");
    tokens = TokenFileAuthenticator.load(file);
  }

  Gatekeeper gate(Restrictions r, double rate, long burst) {
    return new Gatekeeper(
        new Gatekeeper.Shared(
            tokens,
            CertificatePrincipals.NONE,
            new RateLimits(rate, burst, nanos::get),
            (p, m) -> limited.add(p + "/" + m),
            audit::add,
            m -> List.of(new ArtifactDigests.VersionDigest(1, "ab".repeat(32))),
            () -> Instant.parse("2026-12-03T10:00:00Z")),
        r,
        "http");
  }

  static Caller bearer(String token) {
    return Caller.bearer("Bearer " + token, "10.0.0.7");
  }

  static long retryAfter(Runnable call) {
    try {
      call.run();
    } catch (InferenceException e) {
      if (e.error() instanceof InferenceError.RateLimited r) {
        return r.retryAfterSeconds();
      }
      throw e;
    }
    return 0;
  }

  @Test
  void aBucketRefusesBeyondItsBurstAndRecoversAsTimePasses() {
    Gatekeeper g = gate(Restrictions.NONE, 1, 3);
    Caller fast = bearer("fast-token");
    for (int i = 0; i < 3; i++) {
      assertThat(g.check(Operation.INFER, "dense", fast).principal().name()).isEqualTo("fast");
    }
    assertThat(retryAfter(() -> g.check(Operation.INFER, "dense", fast))).isEqualTo(1);
    // another model has its own bucket; reads are not limited
    g.check(Operation.INFER, "other", fast);
    assertThat(limited).containsExactly("fast/dense");
    nanos.addAndGet(999_000_000L);
    assertThat(retryAfter(() -> g.check(Operation.INFER, "dense", fast))).isEqualTo(1);
    nanos.addAndGet(1_000_000L); // one second since the bucket emptied: one call
    g.check(Operation.INFER, "dense", fast);
    assertThat(retryAfter(() -> g.check(Operation.INFER, "dense", fast))).isEqualTo(1);
    nanos.addAndGet(3_000_000_000L); // refilled up to the burst, not beyond
    for (int i = 0; i < 3; i++) {
      g.check(Operation.INFER, "dense", fast);
    }
    assertThat(retryAfter(() -> g.check(Operation.INFER, "dense", fast))).isEqualTo(1);
  }

  @Test
  void aPrincipalsOwnRateOverridesTheServers() {
    Gatekeeper g = gate(Restrictions.NONE, 0, 0); // no server rate: only slow is limited
    Caller slow = bearer("slow-token");
    g.check(Operation.INFER, "dense", slow);
    g.check(Operation.INFER, "dense", slow);
    assertThat(retryAfter(() -> g.check(Operation.INFER, "dense", slow))).isEqualTo(1);
    for (int i = 0; i < 50; i++) {
      g.check(Operation.INFER, "dense", bearer("fast-token"));
    }
    nanos.addAndGet(500_000_000L); // rate 2/s: one call per half second
    g.check(Operation.INFER, "dense", slow);
  }

  @Test
  void restrictionsNeedTheirHeaderAndLockedCategoriesRefuseEveryone() {
    Restrictions r =
        Restrictions.parse(
                "http-restricted-api", List.of("model-repository,logging:admin-key=s3cret"))
            .lockingUnrestricted(Set.of(ApiCategory.TRACE, ApiCategory.LOGGING));
    assertThat(r.locked()).containsExactly(ApiCategory.TRACE);
    Gatekeeper g = gate(r, 0, 0);
    Caller withHeader =
        new Caller("Bearer ops-token", Map.of("admin-key", "s3cret")::get, "10.0.0.7", null);
    Caller wrongHeader =
        new Caller("Bearer ops-token", Map.of("admin-key", "s3cret!")::get, "10.0.0.7", null);
    assertThat(g.check(Operation.REPOSITORY_LOAD, "dense", withHeader).principal().name())
        .isEqualTo("ops");
    assertThatThrownBy(() -> g.check(Operation.LOGGING_UPDATE, null, wrongHeader))
        .hasMessage("This API is restricted, expecting header 'admin-key'");
    assertThatThrownBy(() -> g.check(Operation.TRACE_READ, null, withHeader))
        .hasMessageContaining("the trace API is disabled on a non-loopback address");
    assertThat(audit)
        .extracting(AuditEvent::action, AuditEvent::result)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("logging-update", "permission-denied"),
            org.assertj.core.groups.Tuple.tuple("trace-read", "permission-denied"));
    assertThatThrownBy(() -> Restrictions.parse("http-restricted-api", List.of("model-repo:k=v")))
        .hasMessageContaining("unknown API category 'model-repo'");
    assertThatThrownBy(
            () -> Restrictions.parse("grpc-restricted-protocol", List.of("trace:k=v", "trace:a=b")))
        .hasMessageContaining("restricted twice");
    assertThatThrownBy(() -> Restrictions.parse("http-restricted-api", List.of("trace")))
        .hasMessageContaining("expected <category>");
  }

  @Test
  void managementCallsAndRefusalsAreAuditedWithoutTheToken() {
    Gatekeeper g = gate(Restrictions.NONE, 0, 0);
    Grant load = g.check(Operation.REPOSITORY_LOAD, "dense", bearer("ops-token"));
    load.finished(true, "ok");
    assertThatThrownBy(() -> g.check(Operation.INFER, "dense", bearer("wrong-token")))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> assertThat(e.error()).isInstanceOf(InferenceError.Unauthenticated.class));
    assertThatThrownBy(() -> g.check(Operation.REPOSITORY_UNLOAD, "dense", bearer("fast-token")))
        .hasMessage(
            "principal 'fast' may not call the model-repository API (repository-unload needs the role admin)");
    assertThatThrownBy(() -> g.check(Operation.INFER, "dense", Caller.bearer(null, null)))
        .hasMessageContaining("missing bearer token");
    assertThat(g.check(Operation.HEALTH, null, Caller.bearer(null, null))).isSameAs(Grant.OPEN);
    assertThat(audit).hasSize(4);
    AuditEvent loaded = audit.get(0);
    assertThat(loaded.principal()).isEqualTo("ops");
    assertThat(loaded.address()).isEqualTo("10.0.0.7");
    assertThat(loaded.action()).isEqualTo("repository-load");
    assertThat(loaded.version()).isEqualTo("1");
    assertThat(loaded.artifactSha256()).isEqualTo("ab".repeat(32));
    assertThat(loaded.result()).isEqualTo("ok");
    assertThat(audit.get(1).result()).isEqualTo("unauthenticated");
    assertThat(audit.get(1).principal()).isEmpty();
    assertThat(audit.get(2).result()).isEqualTo("permission-denied");
    assertThat(audit.get(2).principal()).isEqualTo("fast");
    assertThat(audit)
        .allSatisfy(
            e -> assertThat(e.toString()).doesNotContain("ops-token", "wrong-token", "fast-token"));
  }
}
