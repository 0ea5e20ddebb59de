package io.caracal.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.caracal.core.logging.LogSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logging extension's settings applied to logback: the root level follows the most verbose
 * enabled setting (verbose level 2+ = TRACE, 1 = DEBUG, then INFO, WARN, ERROR, else OFF). Logback
 * has one threshold per logger, so disabling a level also disables the levels below it (turning off
 * {@code log_warning} while {@code log_error} stays on gives ERROR only). Never changes where logs
 * go.
 */
final class LogbackSettings {
  private static final Logger log = LoggerFactory.getLogger(LogbackSettings.class);

  private LogbackSettings() {}

  /** Returns settings starting at Triton's defaults; nothing is applied until the first update. */
  static LogSettings create() {
    return new LogSettings(LogSettings.Values.DEFAULTS, LogbackSettings::apply);
  }

  static Level level(LogSettings.Values v) {
    if (v.logVerboseLevel() >= 2) {
      return Level.TRACE;
    }
    if (v.logVerboseLevel() == 1) {
      return Level.DEBUG;
    }
    if (v.logInfo()) {
      return Level.INFO;
    }
    if (v.logWarning()) {
      return Level.WARN;
    }
    return v.logError() ? Level.ERROR : Level.OFF;
  }

  private static void apply(LogSettings.Values v) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return; // another SLF4J binding (tests): settings are kept but not applied
    }
    Level level = level(v);
    ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(level);
    log.warn("log level set to {} through the logging API", level);
  }
}
