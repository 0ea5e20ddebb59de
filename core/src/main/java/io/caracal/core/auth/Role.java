package io.caracal.core.auth;

import java.util.Locale;

/**
 * What a principal may do. Roles do not imply each other: a principal lists every role it has.
 *
 * <ul>
 *   <li>{@link #INFER}: inference (optionally only on some models) and the metadata of those
 *       models;
 *   <li>{@link #READ}: server and model metadata, configurations, statistics, the repository index;
 *   <li>{@link #ADMIN}: load and unload, log settings, trace settings, shared memory.
 * </ul>
 */
public enum Role {
  INFER,
  READ,
  ADMIN;

  /** Returns the name the tokens file and JWT claims use: {@code infer}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the role named {@code name} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the valid roles
   */
  public static Role parse(String name) {
    for (Role r : values()) {
      if (r.wireName().equalsIgnoreCase(name.trim())) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "unknown role '" + name.trim() + "' (valid: infer, read, admin)");
  }
}
