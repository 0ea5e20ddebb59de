package io.caracal.server.tfserving;

import io.caracal.core.InferenceService;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Version labels read from a {@link ModelConfigFile} and, with a poll period, re-read on it, as TF
 * Serving's {@code --model_config_file_poll_wait_seconds}: a file that cannot be read, does not
 * parse or labels an unavailable version is logged and the labels in use stay. Thread-safe; {@link
 * #close} stops the polling.
 */
public final class ReloadingLabels implements VersionLabels, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReloadingLabels.class);

  private final Path file;
  private final Path repository;
  private final InferenceService service;
  private volatile VersionLabels current;
  private final ScheduledExecutorService poller;

  private ReloadingLabels(
      Path file, Path repository, InferenceService service, ModelConfigFile first, long pollSecs) {
    this.file = file;
    this.repository = repository;
    this.service = service;
    this.current = first.versionLabels();
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("model-config-poll").daemon().factory());
    if (pollSecs > 0) {
      poller.scheduleWithFixedDelay(this::reload, pollSecs, pollSecs, TimeUnit.SECONDS);
    }
  }

  /**
   * Reads the file once, checks its labels against the ready versions, and polls it every {@code
   * pollSecs} seconds (0: never).
   *
   * @throws java.io.IOException when the file cannot be read
   * @throws IllegalArgumentException or IllegalStateException when the file breaks a rule
   */
  public static ReloadingLabels start(
      Path file, Path repository, InferenceService service, long pollSecs)
      throws java.io.IOException {
    ModelConfigFile first = ModelConfigFile.read(file, repository);
    first.checkAvailable(service);
    return new ReloadingLabels(file, repository, service, first, pollSecs);
  }

  /** Reads the file again now; a failure is logged and the labels in use stay. */
  public void reload() {
    try {
      ModelConfigFile next = ModelConfigFile.read(file, repository);
      next.checkAvailable(service);
      current = next.versionLabels();
    } catch (java.io.IOException | RuntimeException e) {
      log.warn(
          "model config file {} not applied, the labels in use stay: {}", file, e.getMessage());
    }
  }

  @Override
  public OptionalLong version(String model, String label) {
    return current.version(model, label);
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
