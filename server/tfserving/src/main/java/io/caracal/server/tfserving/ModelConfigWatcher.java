package io.caracal.server.tfserving;

import io.caracal.core.InferenceService;
import io.caracal.core.lifecycle.RepositoryPoller;
import io.caracal.core.repository.ModelRepository;
import io.caracal.proto.tfserving.ModelServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model config list in use, from {@code --model-config-file}, re-read every poll period (TF
 * Serving's {@code --model_config_file_poll_wait_seconds}) and replaced by {@code
 * HandleReloadConfigRequest}. Two roles:
 *
 * <ul>
 *   <li>{@link #asRepository the repository}: the list's {@code base_path}s are the model folders.
 *       Each new list is realized exactly, as TF Serving realizes it: listed models that are new or
 *       whose folder or version policy changed are loaded (beside the serving versions, swapped in
 *       when ready), models no longer listed are unloaded; then the labels are checked and applied.
 *   <li>{@link #besideRepository labels beside a Triton repository}: each entry must be a model
 *       folder of that repository; only its labels are used.
 * </ul>
 *
 * A list that cannot be read, does not parse, or labels a version that is not available is refused
 * as a whole for its labels: the labels in use stay (models it changed stay changed, as in TF
 * Serving, where the label check runs after the servables load). Thread-safe; {@link #close} stops
 * the polling.
 */
public final class ModelConfigWatcher implements VersionLabels, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ModelConfigWatcher.class);

  private final Path file;
  private final InferenceService service;
  private final @Nullable Path tritonRoot; // labels beside this repository
  private final @Nullable ModelRepository repository; // or: the list is this repository
  private final @Nullable RepositoryPoller differ;
  private final ScheduledExecutorService poller;
  private final Object applyLock = new Object();
  private volatile VersionLabels current = VersionLabels.NONE;

  private ModelConfigWatcher(
      Path file,
      InferenceService service,
      @Nullable Path tritonRoot,
      @Nullable ModelRepository repository,
      @Nullable RepositoryPoller differ) {
    this.file = file;
    this.service = service;
    this.tritonRoot = tritonRoot;
    this.repository = repository;
    this.differ = differ;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("model-config-poll").daemon().factory());
  }

  /**
   * Reads the list of a Caracal whose repository it is. The repository was built from {@link
   * ModelConfigFile#layout} and its models loaded; {@code differ} is a poller over that repository
   * whose baseline was taken before the load: it loads and unloads what each new list changes.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException or IllegalStateException when it breaks a rule
   */
  public static ModelConfigWatcher asRepository(
      Path file,
      ModelConfigFile first,
      ModelRepository repository,
      RepositoryPoller differ,
      InferenceService service,
      long pollSecs) {
    ModelConfigWatcher w = new ModelConfigWatcher(file, service, null, repository, differ);
    first.checkAvailable(service);
    w.current = first.versionLabels();
    w.poll(pollSecs);
    return w;
  }

  /**
   * Reads a list of labels for the models of a Triton repository.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException or IllegalStateException when it breaks a rule
   */
  public static ModelConfigWatcher besideRepository(
      Path file, Path repository, InferenceService service, long pollSecs) throws IOException {
    ModelConfigWatcher w = new ModelConfigWatcher(file, service, repository, null, null);
    w.apply(ModelConfigFile.read(file));
    w.poll(pollSecs);
    return w;
  }

  private void poll(long pollSecs) {
    if (pollSecs > 0) {
      poller.scheduleWithFixedDelay(this::reload, pollSecs, pollSecs, TimeUnit.SECONDS);
    }
  }

  /** Returns whether the list is the repository (so {@link #apply} can add and remove models). */
  public boolean isRepository() {
    return repository != null;
  }

  /** Reads the file again now; a failure is logged and the labels in use stay. */
  public void reload() {
    try {
      apply(ModelConfigFile.read(file));
    } catch (IOException | RuntimeException e) {
      log.warn(
          "model config file {} not applied, the labels in use stay: {}", file, e.getMessage());
    }
  }

  /**
   * Realizes a list from {@code HandleReloadConfigRequest}; returns when its models have loaded.
   *
   * @throws IllegalArgumentException when it breaks one of TF Serving's rules
   * @throws IllegalStateException when a label points at a version that is not available
   */
  public void apply(ModelServerConfig config) throws IOException {
    apply(ModelConfigFile.of(config));
  }

  private void apply(ModelConfigFile next) throws IOException {
    synchronized (applyLock) {
      if (tritonRoot != null) {
        next.checkInside(tritonRoot);
      }
      if (repository != null && differ != null) {
        repository.relayout(next.layout(), next.policies());
        RepositoryPoller.Changes c = differ.scan();
        if (!c.loaded().isEmpty() || !c.reloaded().isEmpty() || !c.unloaded().isEmpty()) {
          log.info(
              "model config list applied: loaded {}, reloaded {}, unloaded {}",
              c.loaded(),
              c.reloaded(),
              c.unloaded());
        }
      }
      next.checkAvailable(service);
      current = next.versionLabels();
    }
  }

  @Override
  public OptionalLong version(String model, String label) {
    return current.version(model, label);
  }

  @Override
  public void close() {
    poller.shutdownNow();
    if (differ != null) {
      differ.close();
    }
  }
}
