package io.caracal.api;

import java.util.Objects;

/** One version of one model. */
public record ModelId(String name, long version) {
  public ModelId {
    Objects.requireNonNull(name, "name");
    if (version < 1) {
      throw new IllegalArgumentException("version < 1: " + version);
    }
  }

  @Override
  public String toString() {
    return name + "/" + version;
  }
}
