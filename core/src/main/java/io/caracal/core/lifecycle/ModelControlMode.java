package io.caracal.core.lifecycle;

import java.util.Locale;

/** How models are loaded and unloaded, named as Triton's {@code --model-control-mode} names it. */
public enum ModelControlMode {
  /** Every model of the repository is loaded at start; the load and unload APIs are refused. */
  NONE,
  /** Only the models named at start are loaded; the load and unload APIs load, reload and unload. */
  EXPLICIT;

  /** Parses {@code none} or {@code explicit} (case-insensitive). */
  public static ModelControlMode parse(String s) {
    return switch (s.strip().toLowerCase(Locale.ROOT)) {
      case "none" -> NONE;
      case "explicit" -> EXPLICIT;
      default -> throw new IllegalArgumentException("model-control-mode must be none or explicit, got '" + s + "'");
    };
  }
}
