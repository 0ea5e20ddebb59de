package io.caracal.api;

import java.util.Objects;

/**
 * The state of one model version and, when it is not ready, why.
 *
 * @param name the model name
 * @param version the version, or 0 when the model failed before any version was known
 * @param state the state
 * @param reason why the version is not ready; empty when it is
 */
public record ModelStatus(String name, long version, ModelState state, String reason) {
  public ModelStatus {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(reason, "reason");
  }
}
