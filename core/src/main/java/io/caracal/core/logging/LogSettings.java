package io.caracal.core.logging;

import io.caracal.api.InferenceException;
import java.util.Map;
import java.util.Objects;

/**
 * The server's log settings, as Triton's {@code logging} extension exposes them, and the one place
 * that validates changes from clients. No setting names a file: {@code log_file} is accepted only
 * as {@code ""} (CVE-2024-0087: a client-chosen log path let Triton append to any file). Changes
 * are handed to an {@link Applier} (the app maps them to logback levels). Thread-safe.
 */
public final class LogSettings {

  /**
   * The settings.
   *
   * @param logFile always {@code ""}: logs go where the server's logging configuration sends them
   * @param logInfo whether INFO messages are logged
   * @param logWarning whether WARNING messages are logged
   * @param logError whether ERROR messages are logged
   * @param logVerboseLevel 0 = no verbose (DEBUG) logging; 1 and above enable DEBUG, 2 and above
   *     TRACE
   * @param logFormat {@code default}
   */
  public record Values(
      String logFile,
      boolean logInfo,
      boolean logWarning,
      boolean logError,
      int logVerboseLevel,
      String logFormat) {
    /** Triton's defaults. */
    public static final Values DEFAULTS = new Values("", true, true, true, 0, "default");

    public Values {
      Objects.requireNonNull(logFile, "logFile");
      Objects.requireNonNull(logFormat, "logFormat");
    }
  }

  /**
   * Applies settings to the logging system. Called under the settings' lock; must not block for
   * long.
   */
  @FunctionalInterface
  public interface Applier {
    /** Makes {@code values} take effect. */
    void apply(Values values);
  }

  private final Applier applier;
  private Values current;

  /** Creates settings starting at {@code initial}, applied through {@code applier}. */
  public LogSettings(Values initial, Applier applier) {
    this.current = Objects.requireNonNull(initial, "initial");
    this.applier = Objects.requireNonNull(applier, "applier");
  }

  /** Returns settings kept in memory only (nothing is applied): for tests and embedders. */
  public static LogSettings inMemory() {
    return new LogSettings(Values.DEFAULTS, v -> {});
  }

  /** Returns the current settings. */
  public synchronized Values get() {
    return current;
  }

  /**
   * Applies a partial update and returns the resulting settings. Values are {@link Boolean}, {@link
   * Number} (integral) or {@link String}, as the transports decode them. Nothing changes when any
   * entry is refused.
   *
   * @throws InferenceException {@code InvalidInput} naming the setting: unknown name, wrong type,
   *     negative verbose level, an unknown format, or any non-empty {@code log_file}
   */
  public synchronized Values update(Map<String, ?> changes) {
    Values v = current;
    String file = v.logFile();
    boolean info = v.logInfo();
    boolean warning = v.logWarning();
    boolean error = v.logError();
    int verbose = v.logVerboseLevel();
    String format = v.logFormat();
    for (Map.Entry<String, ?> e : changes.entrySet()) {
      String key = e.getKey();
      Object value = e.getValue();
      switch (key) {
        case "log_file" -> {
          if (!(value instanceof String s)) {
            throw invalid(key, "log_file must be a string");
          }
          if (!s.isEmpty()) {
            throw invalid(key, "log_file cannot be set through the API");
          }
          file = s;
        }
        case "log_info" -> info = bool(key, value);
        case "log_warning" -> warning = bool(key, value);
        case "log_error" -> error = bool(key, value);
        case "log_verbose_level" -> {
          if (!(value instanceof Long || value instanceof Integer)) {
            throw invalid(key, "log_verbose_level must be an integer");
          }
          long level = ((Number) value).longValue();
          if (level < 0 || level > Integer.MAX_VALUE) {
            throw invalid(
                key,
                "log_verbose_level must be an integer in [0, "
                    + Integer.MAX_VALUE
                    + "], got "
                    + level);
          }
          verbose = (int) level;
        }
        case "log_format" -> {
          if (!(value instanceof String s) || !s.equals("default")) {
            throw invalid(key, "log_format must be \"default\"");
          }
          format = s;
        }
        default -> throw invalid(key, "unknown logging setting '" + printable(key) + "'");
      }
    }
    Values next = new Values(file, info, warning, error, verbose, format);
    applier.apply(next);
    current = next;
    return next;
  }

  private static boolean bool(String key, Object value) {
    if (value instanceof Boolean b) {
      return b;
    }
    throw invalid(key, key + " must be a boolean");
  }

  private static InferenceException invalid(String key, String message) {
    return InferenceException.invalid(key, message);
  }

  private static String printable(String s) {
    return io.caracal.core.repository.ModelNames.printable(
        s.length() > 64 ? s.substring(0, 64) : s);
  }
}
