package io.caracal.core.auth;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a call does, as authorization sees it: its API category, the roles of which a principal
 * needs one, and whether it changes the server (then it goes to the audit log). Every route of
 * every HTTP transport and every RPC maps to exactly one.
 */
public enum Operation {
  /** Liveness, readiness, model readiness: open to everyone, always. */
  HEALTH(ApiCategory.HEALTH, EnumSet.noneOf(Role.class), false),
  /** Server metadata ({@code GET /v2}): any authenticated principal. */
  SERVER_METADATA(ApiCategory.METADATA, EnumSet.allOf(Role.class), false),
  /** A model's metadata: {@code read}, or {@code infer} on that model (clients need the inputs). */
  MODEL_METADATA(ApiCategory.METADATA, EnumSet.of(Role.READ, Role.INFER), false),
  INFER(ApiCategory.INFERENCE, EnumSet.of(Role.INFER), false),
  MODEL_CONFIG(ApiCategory.MODEL_CONFIG, EnumSet.of(Role.READ), false),
  STATISTICS(ApiCategory.STATISTICS, EnumSet.of(Role.READ), false),
  /**
   * A scrape of the metrics listener ({@code GET /metrics}): the statistics, as Prometheus reads
   * them.
   */
  METRICS(ApiCategory.STATISTICS, EnumSet.of(Role.READ), false),
  REPOSITORY_INDEX(ApiCategory.MODEL_REPOSITORY, EnumSet.of(Role.READ), false),
  REPOSITORY_LOAD(ApiCategory.MODEL_REPOSITORY, EnumSet.of(Role.ADMIN), true),
  REPOSITORY_UNLOAD(ApiCategory.MODEL_REPOSITORY, EnumSet.of(Role.ADMIN), true),
  LOGGING_READ(ApiCategory.LOGGING, EnumSet.of(Role.ADMIN), false),
  LOGGING_UPDATE(ApiCategory.LOGGING, EnumSet.of(Role.ADMIN), true),
  TRACE_READ(ApiCategory.TRACE, EnumSet.of(Role.ADMIN), false),
  TRACE_UPDATE(ApiCategory.TRACE, EnumSet.of(Role.ADMIN), true),
  SHARED_MEMORY(ApiCategory.SHARED_MEMORY, EnumSet.of(Role.ADMIN), true);

  private final ApiCategory category;
  private final Set<Role> anyOf;
  private final boolean audited;

  Operation(ApiCategory category, Set<Role> anyOf, boolean audited) {
    this.category = category;
    this.anyOf = anyOf;
    this.audited = audited;
  }

  /** Returns the API category the operation belongs to. */
  public ApiCategory category() {
    return category;
  }

  /** Returns whether the operation needs no credentials at all (health). */
  public boolean isOpen() {
    return anyOf.isEmpty();
  }

  /** Returns whether a principal with {@code roles} may perform it (model limits aside). */
  public boolean allows(Set<Role> roles) {
    if (anyOf.isEmpty()) {
      return true;
    }
    for (Role r : roles) {
      if (anyOf.contains(r)) {
        return true;
      }
    }
    return false;
  }

  /** Returns the roles of which a principal needs one, for messages. */
  public Set<Role> roles() {
    return anyOf;
  }

  /** Returns whether the operation changes the server, so the audit log records it. */
  public boolean isAudited() {
    return audited;
  }

  /** Returns the name the audit log uses: {@code repository-load}. */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
