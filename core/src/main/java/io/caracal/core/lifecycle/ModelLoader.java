package io.caracal.core.lifecycle;

import io.caracal.api.ModelId;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.core.repository.AutoCompleter;
import io.caracal.core.repository.DeclaredSignature;
import io.caracal.core.repository.ModelRepository;
import io.caracal.core.repository.ModelSource;
import io.caracal.core.repository.ModelSource.VersionSource;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.repository.RepositoryException;
import io.caracal.core.scheduler.ModelRunner;
import io.caracal.core.scheduler.RunnerFactory;
import io.caracal.core.scheduler.Ticker;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a model version's files into a servable version: loads its backend instances, completes its
 * config from the first instance's signature, warms the instances up and wraps them in a runner;
 * and bounds how many models load at once. Thread-safe; every method blocks.
 */
final class ModelLoader {
  /*
   * No mutable state of its own: the collaborators are immutable or thread-safe, so versions load
   * concurrently, on the start-up pool (loadAll's threads, model-load-<n>) or on the caller's
   * thread (repository API, poller) while it holds one of the permits. Never on a request thread.
   *
   * One version, from ModelSource.Found + VersionSource.Loadable:
   *   check the version folder's SHA256SUMS, if any (ModelRepository.verifyChecksums)
   *   --> load the first instance (BackendFactory.load; an encrypted file is handed over as
   *       ModelBytes that decrypt it in memory, anew for each instance)
   *   --> complete the config (AutoCompleter; labels read through the repository)
   *   --> load the other instance_group instances
   *   --> warm every instance up (Warmup; before any runner exists, so nobody sees the version
   *       before its warm-up succeeded)
   *   --> create the runner (RunnerFactory), handing it an InstanceSupplier that loads and warms
   *       up one more instance (replacement, scaling; on the runner's background thread)
   *   --> Loaded(LoadedModel)
   * Any failure on the way closes the instances loaded so far and ends in Failed(reason), the text
   * the version's status shows; it never throws, and never touches another version. The result
   * is the registry's to publish.
   *
   * It logs under ModelRegistry's logger: operators configure model loading's logging there.
   */

  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  private final ModelRepository repository;
  private final BackendOptions options;
  private final RunnerFactory runners;
  private final AutoCompleter completer;
  private final int loaderThreads;
  private final Semaphore permits;
  private final Ticker ticker = Ticker.system(); // times loads, for nv_model_load_duration_secs

  /**
   * Creates a loader.
   *
   * @param repository where model files and labels are read
   * @param options runtime options handed to every backend
   * @param runners creates the runner of each loaded version
   * @param completer completes configs
   * @param loaderThreads how many models load at once, at least 1
   */
  ModelLoader(
      ModelRepository repository,
      BackendOptions options,
      RunnerFactory runners,
      AutoCompleter completer,
      int loaderThreads) {
    if (loaderThreads < 1) {
      throw new IllegalArgumentException("loaderThreads < 1: " + loaderThreads);
    }
    this.repository = repository;
    this.options = options;
    this.runners = runners;
    this.completer = completer;
    this.loaderThreads = loaderThreads;
    this.permits = new Semaphore(loaderThreads, true);
  }

  /**
   * Runs {@code jobs} (start-up loads) on {@code loaderThreads} threads {@code model-load-<n>} and
   * returns when every one has finished; a job that throws is logged.
   *
   * @throws IOException if interrupted while waiting
   */
  void runAll(List<Runnable> jobs) throws IOException {
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            loaderThreads,
            r ->
                Thread.ofPlatform()
                    .name("model-load-" + n.getAndIncrement())
                    .daemon(true)
                    .unstarted(r));
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Runnable job : jobs) {
        futures.add(pool.submit(job));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          log.error("model loader failed unexpectedly", e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while loading models", e);
        }
      }
    } finally {
      pool.shutdown();
    }
  }

  /**
   * Runs {@code load} on the calling thread once fewer than {@code loaderThreads} such loads run,
   * whatever thread asks (repository API, poller), as at start-up; the others wait their turn.
   */
  void runBounded(Runnable load) {
    permits.acquireUninterruptibly();
    try {
      load.run();
    } finally {
      permits.release();
    }
  }

  /** Loads one version of a model; never throws (a failure is {@link LoadResult.Failed}). */
  LoadResult load(ModelSource.Found found, VersionSource.Loadable source) {
    ModelId id = new ModelId(found.name(), source.version());
    long started = ticker.read();
    List<ModelInstance> instances = new ArrayList<>();
    try {
      Map<String, String> params = new HashMap<>();
      found
          .config()
          .ifPresent(
              c -> c.getParametersMap().forEach((k, v) -> params.put(k, v.getStringValue())));
      // SHA256SUMS first: no backend sees a file that does not match it.
      repository.verifyChecksums(found.name(), source.version(), source.file());
      ModelArtifact artifact =
          new ModelArtifact(
              id,
              source.file(),
              params,
              options,
              found.instanceCount(),
              repository.inMemory(found.name(), source.version(), source.file()),
              DeclaredSignature.of(found.config()));
      instances.add(found.factory().load(artifact));
      ModelSpec config;
      try {
        config =
            completer.complete(
                found,
                instances.get(0).signature(),
                file -> repository.readLabels(found.name(), file));
      } catch (IllegalArgumentException e) {
        throw invalidConfig(id, e);
      }
      for (int i = 1; i < config.instanceCount(); i++) {
        instances.add(found.factory().load(artifact));
      }
      // Warm-up runs directly on the instances, before any runner exists: the version is found
      // by lookups only once it is READY, which is after its warm-up succeeded.
      Warmup.run(id, config, found.config(), instances, repository.paths());
      ModelRunner runner;
      try {
        // Instances added later (scaling up, replacing a failed one) are warmed up the same way
        // before the runner sees them; one whose warm-up fails is closed and counts as a failed
        // creation.
        ModelSpec completed = config;
        runner =
            runners.create(
                id, config, instances, () -> warmedInstance(id, completed, found, artifact));
      } catch (IllegalArgumentException e) {
        // A bad scheduling setting (dynamic_batching, instance_group, parameters caracal.*): the
        // message names the setting and its value, which is what the model's status must say.
        throw invalidConfig(id, e);
      }
      LoadedModel model =
          new LoadedModel(
              id,
              config,
              runner,
              Math.max(0, ticker.read() - started),
              folderBytes(source.file()),
              sha256(source.file()));
      log.info(
          "model {} version {} is ready ({} instance(s), {})",
          id.name(),
          id.version(),
          instances.size(),
          config.platform());
      return new LoadResult.Loaded(model);
    } catch (RepositoryException e) {
      return failed(id, instances, e.getMessage() == null ? "load failed" : e.getMessage());
    } catch (ModelLoadException e) {
      // Backend messages name files relative to the model folder; say which model it is.
      return failed(id, instances, "failed to load '" + id.name() + "': " + e.getMessage());
    } catch (RuntimeException | LinkageError e) {
      log.warn("model {} failed to load unexpectedly", id, e);
      return failed(
          id,
          instances,
          "failed to load '" + id.name() + "': unexpected error (see the server log)");
    }
  }

  /** A model file as it is on disk: a new digest is needed only when one of these changed. */
  private record FileVersion(java.nio.file.Path path, long size, long modifiedMillis) {}

  /**
   * Digests already computed, so that reloading an unchanged file (a poll, a reload, a swap) does
   * not read it again; bounded.
   */
  private static final com.github.benmanes.caffeine.cache.Cache<FileVersion, String> DIGESTS =
      com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(1024).build();

  /**
   * Returns the SHA-256 of the model file, or empty when it is a directory or cannot be read. It is
   * read once per file version (path, size, modification time), through {@link
   * java.io.FileInputStream} in 1 MiB steps: {@code Files.newInputStream}'s small reads through
   * temporary direct buffers grew the process's RSS by megabytes per load ({@code
   * LoadUnloadCyclesIT}).
   */
  static String sha256(java.nio.file.Path modelFile) {
    try {
      java.nio.file.attribute.BasicFileAttributes a =
          java.nio.file.Files.readAttributes(
              modelFile, java.nio.file.attribute.BasicFileAttributes.class);
      if (!a.isRegularFile()) {
        return "";
      }
      FileVersion v = new FileVersion(modelFile, a.size(), a.lastModifiedTime().toMillis());
      return DIGESTS.get(v, ModelLoader::digest);
    } catch (IOException e) {
      return "";
    }
  }

  private static String digest(FileVersion file) {
    try (java.io.InputStream in = new java.io.FileInputStream(file.path().toFile())) {
      java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
      return java.util.HexFormat.of().formatHex(d.digest());
    } catch (IOException | java.security.NoSuchAlgorithmException e) {
      return "";
    }
  }

  /**
   * Returns the bytes of the regular files in the folder of {@code modelFile} (its version folder:
   * the model and any external data), or of the model directory itself; 0 when it cannot be read.
   */
  static long folderBytes(java.nio.file.Path modelFile) {
    java.nio.file.Path dir =
        java.nio.file.Files.isDirectory(modelFile) ? modelFile : modelFile.getParent();
    if (dir == null) {
      return 0;
    }
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir, 4)) {
      return files
          .filter(f -> java.nio.file.Files.isRegularFile(f))
          .mapToLong(f -> {
            try {
              return java.nio.file.Files.size(f);
            } catch (IOException e) {
              return 0;
            }
          })
          .sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  private ModelInstance warmedInstance(
      ModelId id, ModelSpec config, ModelSource.Found found, ModelArtifact artifact)
      throws Exception {
    ModelInstance instance = found.factory().load(artifact);
    try {
      Warmup.run(id, config, found.config(), List.of(instance), repository.paths());
      return instance;
    } catch (RepositoryException | RuntimeException e) {
      try {
        instance.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  /**
   * A config the scheduler or completer rejected: the reason is the exception's message, naming the
   * model.
   */
  private static RepositoryException invalidConfig(ModelId id, IllegalArgumentException e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      return new RepositoryException("invalid config for '" + id.name() + "'", e);
    }
    return new RepositoryException(
        m.contains("'" + id.name() + "'") ? m : "invalid config for '" + id.name() + "': " + m, e);
  }

  private static LoadResult failed(ModelId id, List<ModelInstance> instances, String reason) {
    log.warn("model {} version {} is unavailable: {}", id.name(), id.version(), reason);
    for (ModelInstance i : instances) {
      try {
        i.close();
      } catch (RuntimeException e) {
        log.debug("closing an instance of {} failed", id, e);
      }
    }
    return new LoadResult.Failed(reason);
  }
}
