package io.caracal.core.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of the audit log: a management call and its result, or a refused call.
 *
 * @param time when it happened
 * @param principal the caller's name; empty when it could not be authenticated
 * @param address the client's IP address; empty when unknown
 * @param protocol the transport: {@code http}, {@code grpc}, {@code tfs-rest}, {@code tfs-grpc}
 * @param action the operation ({@link Operation#wireName()})
 * @param model the model the call named; empty when none
 * @param version the model version; empty when none or several
 * @param artifactSha256 for a load, the SHA-256 of the loaded version's model file; else empty
 * @param result {@code ok}, {@code unauthenticated}, {@code permission-denied}, or the failure
 * @param reason why a call was refused or failed (the client's message); empty on success
 */
public record AuditEvent(
    Instant time,
    String principal,
    String address,
    String protocol,
    String action,
    String model,
    String version,
    String artifactSha256,
    String result,
    String reason) {
  public AuditEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(artifactSha256, "artifactSha256");
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(reason, "reason");
  }
}
