package io.caracal.core.lifecycle;

import java.util.Locale;

/** How models are loaded and unloaded, named as Triton's {@code --model-control-mode} names it. */
public enum ModelControlMode {
  /** Every model of the repository is loaded at start; the load and unload APIs are refused. */
  NONE,
  /**
   * Every model loads at start, then the repository is polled and added, removed or changed models
   * are loaded, unloaded or reloaded ({@link RepositoryPoller}); the load and unload APIs are
   * refused.
   */
  POLL,
  /**
   * Only the models named at start are loaded; the load and unload APIs load, reload and unload.
   */
  EXPLICIT;

  /** Parses {@code none}, {@code poll} or {@code explicit} (case-insensitive). */
  public static ModelControlMode parse(String s) {
    return switch (s.strip().toLowerCase(Locale.ROOT)) {
      case "none" -> NONE;
      case "poll" -> POLL;
      case "explicit" -> EXPLICIT;
      default ->
          throw new IllegalArgumentException(
              "model-control-mode must be none, poll or explicit, got '" + s + "'");
    };
  }
}
