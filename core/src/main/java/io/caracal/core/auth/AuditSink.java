package io.caracal.core.auth;

/** Where audit events go (the {@code caracal.audit} JSON log). Thread-safe, never blocks long. */
@FunctionalInterface
public interface AuditSink {

  /** Records nothing. */
  AuditSink NONE = e -> {};

  /** Records one event. */
  void record(AuditEvent event);
}
