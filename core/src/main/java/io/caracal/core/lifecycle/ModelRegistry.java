package io.caracal.core.lifecycle;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.api.backend.BackendOptions;
import io.caracal.core.repository.AutoCompleter;
import io.caracal.core.repository.ConfigRenderer;
import io.caracal.core.repository.ModelNames;
import io.caracal.core.repository.ModelRepository;
import io.caracal.core.repository.ModelSource;
import io.caracal.core.repository.ModelSource.VersionSource;
import io.caracal.core.scheduler.RunnerFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds every model version the repository yields and its state: the table that lookups, readiness
 * and the repository index read, and the swaps that load, reload and unload change it with.
 *
 * <p>{@link #loadAll} scans the repository and loads each selected version on a bounded pool of
 * loader threads (never on a request thread) through a {@link ModelLoader}, which loads the backend
 * instances, completes the config, warms up and creates the runner. Any failure (bad name or
 * config, missing or corrupt file, backend error, a config that contradicts the model) marks that
 * version, or the whole model, {@link ModelState#UNAVAILABLE} with the reason, logs one line, and
 * never affects other models. Thread-safe: lookups may run concurrently with loading and closing.
 */
public final class ModelRegistry implements AutoCloseable {
  /*
   * State. models maps a model name to its Entry: the versions (a ConcurrentSkipListMap of
   * VersionState records), the model-wide failure, the parsed config.pbtxt, and whether the model
   * is loaded. Lookups read it without locks from any thread. It changes in two ways:
   *   - loadAll publishes each model's Entry at once (versions LOADING) and the loader threads put
   *     each version's final state into that Entry's versions as its load ends;
   *   - load/unload replace a model's whole Entry (one put: a request sees the old versions or the
   *     new ones), and close() marks every version UNAVAILABLE in place.
   * The ModelLoader owns nothing here: it returns a LoadResult and the registry publishes it.
   *
   * A version's states (ModelState): LOADING --> READY (a LoadedModel) | UNAVAILABLE (a reason);
   * READY --replaced or unloaded--> UNLOADING (while its runner finishes its in-flight calls)
   * --> gone, or UNAVAILABLE "unloaded". A reload that fails while versions serve keeps them
   * (keptAfterFailedReload), READY with the reason of the failure.
   *
   * Load and unload (explicit model control). Both run on the caller's thread, which must not be a
   * request thread (transports run them on a virtual-thread executor), and are serialized per model
   * by that model's lock (controlLocks); lookups never take it. Loads of different models run at
   * once up to the loader's bound. A (re)load builds the new versions beside the serving ones,
   * then swaps the model's Entry in one put. Replaced runners are closed after the swap; close()
   * lets their admitted calls finish. A request that looked the old version up just before the
   * swap and reaches its runner after the close fails with ShuttingDown; DefaultInferenceService
   * retries it (isReplaced).
   */

  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  private final ModelRepository repository;
  private final ModelLoader loader;
  private final Map<String, Entry> models = new ConcurrentHashMap<>();
  private final List<Consumer<String>> changeListeners = new CopyOnWriteArrayList<>();

  /**
   * Creates an empty registry; call {@link #loadAll} to fill it.
   *
   * @param repository where models come from
   * @param options runtime options handed to every backend
   * @param runners creates the runner of each loaded version
   * @param completer completes configs
   * @param loaderThreads how many models load at once, at least 1
   */
  public ModelRegistry(
      ModelRepository repository,
      BackendOptions options,
      RunnerFactory runners,
      AutoCompleter completer,
      int loaderThreads) {
    this.loader = new ModelLoader(repository, options, runners, completer, loaderThreads);
    this.repository = repository;
  }

  /**
   * One model's versions; {@code failure} is set when the model as a whole cannot load; {@code
   * parsed} is its {@code config.pbtxt}; {@code loaded} is false for a model that is known (in the
   * repository) but not loaded or unloaded: it is listed by {@link #index} but unknown to lookups.
   */
  private record Entry(
      String name,
      NavigableMap<Long, VersionState> versions,
      String failure,
      Optional<io.caracal.proto.inference.ModelConfig> parsed,
      boolean loaded,
      boolean keptAfterFailedReload) {
    Entry(String name, NavigableMap<Long, VersionState> versions, String failure) {
      this(name, versions, failure, Optional.empty(), true);
    }

    Entry(
        String name,
        NavigableMap<Long, VersionState> versions,
        String failure,
        Optional<io.caracal.proto.inference.ModelConfig> parsed,
        boolean loaded) {
      this(name, versions, failure, parsed, loaded, false);
    }

    boolean serving() {
      return loaded && versions.values().stream().anyMatch(v -> v.model().isPresent());
    }
  }

  /** One version's state. {@code model} is set when READY. */
  private record VersionState(ModelState state, String reason, Optional<LoadedModel> model) {
    /** Returns the state a load ended in: READY with the model, or UNAVAILABLE with the reason. */
    static VersionState of(LoadResult result) {
      return switch (result) {
        case LoadResult.Loaded loaded ->
            new VersionState(ModelState.READY, "", Optional.of(loaded.model()));
        case LoadResult.Failed failed ->
            new VersionState(ModelState.UNAVAILABLE, failed.reason(), Optional.empty());
      };
    }
  }

  /**
   * Scans the repository and loads every model; returns when every load has finished (succeeded or
   * failed).
   *
   * @throws IOException if the repository root cannot be listed
   */
  public void loadAll() throws IOException {
    loadAll(name -> true);
  }

  /**
   * Scans the repository and loads the models {@code selected} accepts (explicit model control);
   * the others are listed by {@link #index} as not loaded. Returns when every load has finished.
   *
   * @throws IOException if the repository root cannot be listed
   */
  public void loadAll(Predicate<String> selected) throws IOException {
    List<ModelSource> sources = repository.scan();
    List<Runnable> jobs = new ArrayList<>();
    for (ModelSource source : sources) {
      if (!selected.test(source.name())) {
        String shown = ModelNames.printable(source.name());
        models.put(
            shown, new Entry(shown, new ConcurrentSkipListMap<>(), "", Optional.empty(), false));
        continue;
      }
      switch (source) {
        case ModelSource.Invalid invalid -> {
          String shown = ModelNames.printable(invalid.name());
          log.warn("model '{}' is unavailable: {}", shown, invalid.reason());
          models.put(shown, new Entry(shown, new ConcurrentSkipListMap<>(), invalid.reason()));
        }
        case ModelSource.Found found -> {
          Entry entry =
              new Entry(found.name(), new ConcurrentSkipListMap<>(), "", found.config(), true);
          models.put(found.name(), entry);
          for (VersionSource v : found.versions()) {
            switch (v) {
              case VersionSource.Broken broken -> {
                log.warn(
                    "model {} version {} is unavailable: {}",
                    found.name(),
                    v.version(),
                    broken.reason());
                entry
                    .versions()
                    .put(
                        v.version(),
                        new VersionState(
                            ModelState.UNAVAILABLE, broken.reason(), Optional.empty()));
              }
              case VersionSource.Loadable loadable -> {
                entry
                    .versions()
                    .put(v.version(), new VersionState(ModelState.LOADING, "", Optional.empty()));
                jobs.add(() ->
                    entry
                        .versions()
                        .put(v.version(), VersionState.of(loader.load(found, loadable))));
              }
            }
          }
        }
      }
    }
    loader.runAll(jobs);
  }

  /**
   * Returns the ready version: the given one, or the newest ready one.
   *
   * @throws InferenceException {@code ModelNotFound} for an unknown model or version, {@code
   *     ModelNotReady} (with the reason) when it is not ready
   */
  public LoadedModel lookup(String name, OptionalLong version) {
    Entry entry = models.get(name);
    if (entry == null || !entry.loaded()) {
      throw InferenceException.of(new InferenceError.ModelNotFound(name, version));
    }
    if (version.isPresent()) {
      VersionState v = entry.versions().get(version.getAsLong());
      if (v == null) {
        throw InferenceException.of(new InferenceError.ModelNotFound(name, version));
      }
      return v.model()
          .orElseThrow(() ->
              InferenceException.of(new InferenceError.ModelNotReady(name, version, v.reason())));
    }
    for (VersionState v : entry.versions().descendingMap().values()) {
      if (v.model().isPresent()) {
        return v.model().get();
      }
    }
    String reason = entry.failure();
    if (reason.isEmpty() && !entry.versions().isEmpty()) {
      reason = entry.versions().lastEntry().getValue().reason();
    }
    throw InferenceException.of(new InferenceError.ModelNotReady(name, version, reason));
  }

  /**
   * Returns whether the model (any version, or the given one) is ready.
   *
   * @throws InferenceException {@code ModelNotFound} for an unknown model or version
   */
  public boolean isReady(String name, OptionalLong version) {
    Entry entry = models.get(name);
    if (entry == null || !entry.loaded()) {
      throw InferenceException.of(new InferenceError.ModelNotFound(name, version));
    }
    if (version.isPresent()) {
      VersionState v = entry.versions().get(version.getAsLong());
      if (v == null) {
        throw InferenceException.of(new InferenceError.ModelNotFound(name, version));
      }
      return v.state() == ModelState.READY;
    }
    return entry.versions().values().stream().anyMatch(v -> v.state() == ModelState.READY);
  }

  /**
   * Returns every version that serves now (READY), by model name and version; for metrics read at
   * scrape time.
   */
  public List<LoadedModel> loaded() {
    List<LoadedModel> out = new ArrayList<>();
    models.values().stream()
        .filter(Entry::loaded)
        .sorted(Comparator.comparing(Entry::name))
        .forEach(e -> e.versions().values().forEach(v -> v.model().ifPresent(out::add)));
    return out;
  }

  /** Returns the ready versions of a model, oldest first (empty for unknown models). */
  public List<Long> readyVersions(String name) {
    Entry entry = models.get(name);
    if (entry == null || !entry.loaded()) {
      return List.of();
    }
    List<Long> out = new ArrayList<>();
    entry
        .versions()
        .forEach((v, s) -> {
          if (s.state() == ModelState.READY) {
            out.add(v);
          }
        });
    return out;
  }

  /**
   * Returns whether every model that should be loaded is ready (strict readiness): each of its
   * selected versions is READY. A model whose reload failed while its previous versions keep
   * serving counts as ready: it serves, and taking the server out of its load balancer for a bad
   * publish (in poll mode, every replica at once) would turn a failed update into an outage; the
   * failed versions are UNAVAILABLE with their reason in the index and the log.
   */
  public boolean allReady() {
    for (Entry e : models.values()) {
      if (!e.loaded()) {
        continue;
      }
      if (e.keptAfterFailedReload() && e.serving()) {
        continue;
      }
      if (!e.failure().isEmpty() || e.versions().isEmpty()) {
        return false;
      }
      for (VersionState v : e.versions().values()) {
        // a version still loading (after start-up) or finishing its in-flight requests neither
        // makes nor breaks readiness: what counts is the state a load or unload ends in
        if (v.state() != ModelState.READY
            && v.state() != ModelState.LOADING
            && v.state() != ModelState.UNLOADING) {
          return false;
        }
      }
    }
    return true;
  }

  /** Returns the state of every model version, sorted by name and version. */
  public List<ModelStatus> index() {
    List<ModelStatus> out = new ArrayList<>();
    models.values().stream()
        .sorted(Comparator.comparing(Entry::name))
        .forEach(e -> {
          if (e.versions().isEmpty()) {
            String reason = !e.loaded() ? "" : e.failure().isEmpty() ? "no versions" : e.failure();
            out.add(new ModelStatus(e.name(), 0, ModelState.UNAVAILABLE, reason));
          }
          e.versions()
              .forEach((v, s) -> out.add(new ModelStatus(e.name(), v, s.state(), s.reason())));
        });
    return out;
  }

  // Serializes the loads and unloads of one model (see the notes at the top).
  private final Map<String, ReentrantLock> controlLocks = new ConcurrentHashMap<>();

  /**
   * Loads, or reloads, a model from the repository: every version its policy selects is loaded
   * beside the serving ones, then they replace them at once, and replaced or deselected versions
   * are closed once their in-flight calls finished. When any selected version fails, the versions
   * that were serving keep serving (if none was, the failed states are recorded) and this throws.
   * Blocks until done; never call it on a request thread.
   *
   * @throws InferenceException {@code InvalidInput} for a bad name, or with the reason ({@code
   *     failed to load '<m>': ...}) when loading failed
   */
  public void load(String name) {
    ReentrantLock lock = controlLocks.computeIfAbsent(name, k -> new ReentrantLock());
    lock.lock();
    try {
      Optional<String> problem = ModelNames.problem(name);
      if (problem.isPresent()) {
        throw InferenceException.invalid("model", problem.get());
      }
      Entry old = models.get(name);
      ModelSource source = repository.find(name);
      if (source instanceof ModelSource.Invalid invalid) {
        boolean exists = repository.paths().hasFolder(name);
        if (exists && (old == null || !old.serving())) {
          replace(
              name,
              old,
              new Entry(
                  name, new ConcurrentSkipListMap<>(), invalid.reason(), Optional.empty(), true));
        }
        log.warn("model '{}' failed to load: {}", name, invalid.reason());
        throw loadFailure(name, exists ? invalid.reason() : "the model is not in the repository");
      }
      ModelSource.Found found = (ModelSource.Found) source;
      Entry placeholder = showLoading(name, old, found);
      try {
        loader.runBounded(() -> loadFound(name, old, found));
      } catch (RuntimeException | Error e) {
        // never leave the LOADING placeholder behind (loadFound replaces it on every normal path)
        if (old == null) {
          models.remove(name, placeholder);
        } else {
          models.replace(name, placeholder, old);
        }
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Loads the versions {@code found} selects and publishes them (see {@link #load(String)}); runs
   * under the model's lock.
   */
  private void loadFound(String name, @Nullable Entry old, ModelSource.Found found) {
    NavigableMap<Long, VersionState> fresh = new ConcurrentSkipListMap<>();
    String firstProblem = "";
    for (VersionSource v : found.versions()) {
      VersionState state =
          switch (v) {
            case VersionSource.Broken broken ->
                new VersionState(ModelState.UNAVAILABLE, broken.reason(), Optional.empty());
            case VersionSource.Loadable loadable -> VersionState.of(loader.load(found, loadable));
          };
      fresh.put(v.version(), state);
      if (state.model().isEmpty() && firstProblem.isEmpty()) {
        firstProblem =
            state.reason().isEmpty() ? "version " + v.version() + " failed" : state.reason();
      }
    }
    if (!firstProblem.isEmpty() && old != null && old.serving()) {
      for (VersionState st : fresh.values()) {
        st.model().ifPresent(m -> m.runner().close());
      }
      // The serving versions keep serving; the index says why the new ones are not there: a
      // failed version with a new number is listed UNAVAILABLE with its reason, a serving
      // version whose replacement failed stays READY with the reason of that failure.
      NavigableMap<Long, VersionState> kept = new ConcurrentSkipListMap<>();
      old.versions()
          .forEach((v, st) -> {
            if (st.model().isPresent()) {
              kept.put(v, st);
            }
          });
      for (Map.Entry<Long, VersionState> e : fresh.entrySet()) {
        VersionState st = e.getValue();
        if (st.model().isPresent()) {
          continue;
        }
        VersionState serving = kept.get(e.getKey());
        String why = "reload failed, the serving version keeps serving: " + st.reason();
        kept.put(
            e.getKey(),
            serving == null ? st : new VersionState(ModelState.READY, why, serving.model()));
      }
      models.put(name, new Entry(name, kept, "", old.parsed(), true, true));
      log.warn(
          "model '{}' failed to reload; the serving versions keep serving: {}", name, firstProblem);
      throw loadFailure(name, firstProblem);
    }
    replace(name, old, new Entry(name, fresh, "", found.config(), true));
    if (!firstProblem.isEmpty()) {
      throw loadFailure(name, firstProblem);
    }
    log.info("model '{}' loaded (versions {})", name, fresh.keySet());
  }

  /**
   * Unloads every version of a model: it stops being found at once, and each runner is closed once
   * its in-flight calls finished. Unloading a model that is not loaded does nothing. Blocks until
   * done; never call it on a request thread.
   *
   * @throws InferenceException {@code InvalidInput} for a bad name, {@code ModelNotFound} for a
   *     model the registry does not know
   */
  public void unload(String name) {
    Optional<String> problem = ModelNames.problem(name);
    if (problem.isPresent()) {
      throw InferenceException.invalid("model", problem.get());
    }
    ReentrantLock lock = controlLocks.computeIfAbsent(name, k -> new ReentrantLock());
    lock.lock();
    try {
      Entry old = models.get(name);
      if (old == null) {
        throw InferenceException.of(new InferenceError.ModelNotFound(name, OptionalLong.empty()));
      }
      if (!old.loaded()) {
        return;
      }
      NavigableMap<Long, VersionState> gone = new ConcurrentSkipListMap<>();
      for (Long v : old.versions().keySet()) {
        gone.put(v, new VersionState(ModelState.UNAVAILABLE, "unloaded", Optional.empty()));
      }
      replace(name, old, new Entry(name, gone, "", old.parsed(), false));
      log.info("model '{}' unloaded", name);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Swaps the model's entry, then closes every runner of {@code old}. While those runners finish
   * their in-flight calls (close() blocks until then), the versions that {@code next} no longer
   * serves are listed UNLOADING; then {@code next} is published as is.
   */
  private void replace(String name, @Nullable Entry old, Entry next) {
    if (old == null) {
      models.put(name, next);
      changed(name);
      return;
    }
    NavigableMap<Long, VersionState> draining = new ConcurrentSkipListMap<>(next.versions());
    boolean anyDraining = false;
    for (Map.Entry<Long, VersionState> e : old.versions().entrySet()) {
      VersionState now = next.versions().get(e.getKey());
      if (e.getValue().model().isPresent() && (now == null || now.model().isEmpty())) {
        draining.put(
            e.getKey(),
            new VersionState(
                ModelState.UNLOADING, "finishing in-flight requests", Optional.empty()));
        anyDraining = true;
      }
    }
    models.put(
        name,
        anyDraining
            ? new Entry(
                name,
                draining,
                next.failure(),
                next.parsed(),
                next.loaded(),
                next.keptAfterFailedReload())
            : next);
    changed(name);
    for (VersionState st : old.versions().values()) {
      st.model()
          .ifPresent(m -> {
            try {
              m.runner().close();
            } catch (RuntimeException e) {
              log.warn("closing the replaced runner of {} failed", m.id(), e);
            }
          });
    }
    if (anyDraining) {
      models.put(name, next);
    }
  }

  /**
   * Registers {@code listener} to be called with a model's name each time a load, reload or unload
   * swapped what lookups of that model find: on the thread that swapped, under the model's lock,
   * right after the swap (while replaced versions may still finish in-flight calls). Not called for
   * the initial {@link #loadAll}, nor for a reload that failed and kept the serving versions. The
   * response cache drops the model's entries there. A listener must be quick and must not call
   * {@link #load} or {@link #unload}; an exception it throws is logged and ignored.
   */
  public void addChangeListener(Consumer<String> listener) {
    changeListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
  }

  private void changed(String name) {
    for (Consumer<String> listener : changeListeners) {
      try {
        listener.accept(name);
      } catch (RuntimeException e) {
        log.warn("a change listener of model '{}' failed", name, e);
      }
    }
  }

  /**
   * Lists the versions about to be loaded as LOADING beside what {@code old} serves (lookups do not
   * find them), so that the index tells what is happening while a load runs; returns the entry it
   * published.
   */
  private Entry showLoading(String name, @Nullable Entry old, ModelSource.Found found) {
    NavigableMap<Long, VersionState> shown =
        new ConcurrentSkipListMap<>(old == null ? Map.of() : old.versions());
    for (VersionSource v : found.versions()) {
      VersionState now = shown.get(v.version());
      if (now == null || now.model().isEmpty()) {
        shown.put(v.version(), new VersionState(ModelState.LOADING, "", Optional.empty()));
      }
    }
    Entry placeholder =
        old == null
            ? new Entry(name, shown, "", found.config(), true)
            : new Entry(
                name,
                shown,
                old.failure(),
                old.parsed(),
                old.loaded(),
                old.keptAfterFailedReload());
    models.put(name, placeholder);
    return placeholder;
  }

  private static InferenceException loadFailure(String name, String reason) {
    String prefix = "failed to load '" + name + "'";
    String message = reason.startsWith(prefix) ? reason : prefix + ": " + reason;
    return InferenceException.invalid("model", message);
  }

  /**
   * Returns whether {@code model} is no longer what a lookup of its version finds (reloaded or
   * unloaded).
   */
  public boolean isReplaced(LoadedModel model) {
    Entry e = models.get(model.id().name());
    if (e == null || !e.loaded()) {
      return true;
    }
    VersionState v = e.versions().get(model.id().version());
    return v == null || v.model().isEmpty() || v.model().get() != model;
  }

  /**
   * Returns the completed configuration of the ready version (the given one, or the newest), as
   * Triton's ModelConfig message.
   *
   * @throws InferenceException as {@link #lookup}
   */
  public io.caracal.proto.inference.ModelConfig config(String name, OptionalLong version) {
    LoadedModel model = lookup(name, version);
    Entry e = models.get(name);
    Optional<io.caracal.proto.inference.ModelConfig> parsed =
        e == null ? Optional.empty() : e.parsed();
    return ConfigRenderer.render(parsed, model.config());
  }

  /** Marks every version unavailable and closes its runner and instances. */
  @Override
  public void close() {
    for (Entry e : models.values()) {
      for (Long v : e.versions().keySet()) {
        VersionState old =
            e.versions()
                .put(v, new VersionState(ModelState.UNAVAILABLE, "unloaded", Optional.empty()));
        if (old != null) {
          old.model().ifPresent(model -> model.runner().close());
        }
      }
    }
  }
}
