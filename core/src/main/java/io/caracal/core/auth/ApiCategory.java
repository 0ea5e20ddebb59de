package io.caracal.core.auth;

import java.util.Locale;

/**
 * The API categories, as Triton's {@code --http-restricted-api} and {@code
 * --grpc-restricted-protocol} name them: every route and RPC of every transport belongs to one.
 */
public enum ApiCategory {
  HEALTH,
  METADATA,
  INFERENCE,
  SHARED_MEMORY,
  MODEL_CONFIG,
  MODEL_REPOSITORY,
  STATISTICS,
  TRACE,
  LOGGING;

  /** Returns the name flags use: {@code model-repository}. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Returns the category a flag names.
   *
   * @throws IllegalArgumentException naming the valid categories
   */
  public static ApiCategory parse(String name) {
    for (ApiCategory c : values()) {
      if (c.wireName().equals(name.trim())) {
        return c;
      }
    }
    StringBuilder valid = new StringBuilder();
    for (ApiCategory c : values()) {
      valid.append(valid.isEmpty() ? "" : ", ").append(c.wireName());
    }
    throw new IllegalArgumentException(
        "unknown API category '" + name.trim() + "' (valid: " + valid + ")");
  }
}
