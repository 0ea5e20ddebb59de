package io.caracal.core.lifecycle;

import io.caracal.api.InferenceException;
import io.caracal.core.repository.ModelRepository;
import io.caracal.core.repository.RepositoryException;
import io.caracal.core.repository.RepositoryPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Poll model control ({@code --model-control-mode poll}): rescans the repository and applies what
 * changed through {@link ModelRegistry#load} and {@link ModelRegistry#unload}.
 *
 * <p>Each model folder has a fingerprint: the SHA-256 of its {@code config.pbtxt} and the relative
 * path, size and last-modified time of every other file and folder under it (version folders, model
 * files, labels, warm-up data; symbolic links are not followed). A model whose folder appeared is
 * loaded; one whose folder disappeared is unloaded (its in-flight requests finish first); one whose
 * fingerprint changed is reloaded: its new versions load and warm beside the serving ones and are
 * swapped in at once, and if they fail the old ones keep serving (the index says why). A failed
 * load is not retried until the folder changes again.
 *
 * <p>{@link #scan} is one poll step (tests call it directly; it never sleeps). {@link #start} runs
 * it every interval on one daemon platform thread, {@code model-poll}; the loads and unloads of one
 * scan run in parallel on a bounded pool ({@code model-poll-load-<n>}), never on request threads,
 * and the registry serializes those of one model. A scan waits for its loads before the next one.
 */
public final class RepositoryPoller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RepositoryPoller.class);
  private static final int MAX_DEPTH = 4;

  private final ModelRegistry registry;
  private final ModelRepository repository;
  private final Duration interval;
  private final ExecutorService loaders;
  private final Object scanLock = new Object();
  private Map<String, String> known = Map.of();
  private @Nullable ScheduledExecutorService timer;

  /**
   * Creates a poller; call {@link #baseline} before the registry's initial {@code loadAll}, then
   * {@link #start}.
   *
   * @param registry the registry to load into
   * @param repository the repository whose layout is scanned
   * @param interval time between the end of one scan and the start of the next, positive
   * @param loaderThreads how many models load at once, at least 1
   */
  public RepositoryPoller(
      ModelRegistry registry, ModelRepository repository, Duration interval, int loaderThreads) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("poll interval must be positive: " + interval);
    }
    if (loaderThreads < 1) {
      throw new IllegalArgumentException("loaderThreads < 1: " + loaderThreads);
    }
    this.registry = registry;
    this.repository = repository;
    this.interval = interval;
    AtomicInteger n = new AtomicInteger();
    this.loaders =
        Executors.newFixedThreadPool(
            loaderThreads,
            r ->
                Thread.ofPlatform()
                    .name("model-poll-load-" + n.getAndIncrement())
                    .daemon(true)
                    .unstarted(r));
  }

  /**
   * Records the repository as it is now, as what is loaded: take it just before the initial load,
   * so that a change made while that load runs is seen by the first scan.
   */
  public void baseline() throws IOException {
    synchronized (scanLock) {
      known = fingerprints();
    }
  }

  /** Starts polling every interval on a daemon thread. */
  public synchronized void start() {
    if (timer != null) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("model-poll").daemon(true).unstarted(r));
    long ms = interval.toMillis();
    timer.scheduleWithFixedDelay(
        () -> {
          try {
            scan();
          } catch (IOException e) {
            log.warn("polling the model repository failed: {}", e.getMessage());
          } catch (RuntimeException e) {
            log.error("polling the model repository failed unexpectedly", e);
          }
        },
        ms,
        ms,
        TimeUnit.MILLISECONDS);
    log.info("polling the model repository every {} s", interval.toSeconds());
  }

  /** What one scan did. */
  public record Changes(List<String> loaded, List<String> reloaded, List<String> unloaded) {}

  /**
   * One poll step: compares the repository with the last scan, loads, reloads and unloads what
   * changed, and returns when all of that finished (failures are logged and shown in the index).
   *
   * @throws IOException if the repository root cannot be listed (nothing is changed then)
   */
  public Changes scan() throws IOException {
    synchronized (scanLock) {
      Map<String, String> now = fingerprints();
      List<String> added = new ArrayList<>();
      List<String> changed = new ArrayList<>();
      List<String> removed = new ArrayList<>();
      for (Map.Entry<String, String> e : now.entrySet()) {
        String before = known.get(e.getKey());
        if (before == null) {
          added.add(e.getKey());
        } else if (!before.equals(e.getValue())) {
          changed.add(e.getKey());
        }
      }
      for (String name : known.keySet()) {
        if (!now.containsKey(name)) {
          removed.add(name);
        }
      }
      List<Future<?>> jobs = new ArrayList<>();
      for (String name : added) {
        jobs.add(loaders.submit(() -> load(name, "added")));
      }
      for (String name : changed) {
        jobs.add(loaders.submit(() -> load(name, "changed")));
      }
      for (String name : removed) {
        jobs.add(loaders.submit(() -> unload(name)));
      }
      for (Future<?> f : jobs) {
        try {
          f.get();
        } catch (ExecutionException e) {
          log.error("a poll load failed unexpectedly", e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while applying repository changes", e);
        }
      }
      known = now;
      return new Changes(added, changed, removed);
    }
  }

  private void load(String name, String why) {
    log.info("model '{}' {} in the repository: loading", name, why);
    try {
      registry.load(name);
    } catch (InferenceException e) {
      // The registry has logged it and the index shows the reason.
      log.debug("poll load of '{}' failed: {}", name, e.getMessage());
    }
  }

  private void unload(String name) {
    log.info("model '{}' removed from the repository: unloading", name);
    try {
      registry.unload(name);
    } catch (InferenceException e) {
      log.debug("poll unload of '{}': {}", name, e.getMessage());
    }
  }

  /**
   * Fingerprint of every model folder of the layout, by name; a version policy given outside the
   * config counts as part of the folder.
   */
  private Map<String, String> fingerprints() throws IOException {
    Map<String, String> out = new HashMap<>();
    RepositoryPaths paths = repository.paths();
    for (String name : paths.modelNames()) {
      if (!paths.hasFolder(name)) {
        continue;
      }
      try {
        String policy = repository.policyOverride(name).map(Object::toString).orElse("");
        out.put(name, fingerprint(paths.modelDir(name), policy));
      } catch (RepositoryException e) {
        out.put(name, "unresolvable: " + e.getMessage()); // loading it reports why
      }
    }
    return out;
  }

  private static String fingerprint(Path modelDir, String policy) {
    TreeMap<String, String> entries = new TreeMap<>();
    entries.put("!policy", policy);
    try {
      collect(modelDir, modelDir, 0, entries);
    } catch (IOException e) {
      // A folder being written: its fingerprint is "unreadable" until it settles.
      entries.put("!", "unreadable");
    }
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      entries.forEach((k, v) -> {
        md.update(k.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(v.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
      });
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void collect(Path base, Path dir, int depth, Map<String, String> out)
      throws IOException {
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
      for (Path p : stream) {
        String rel = base.relativize(p).toString();
        BasicFileAttributes a =
            Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isDirectory()) {
          out.put(rel + "/", "dir");
          if (depth + 1 < MAX_DEPTH) {
            collect(base, p, depth + 1, out);
          }
        } else if (depth == 0
            && p.getFileName().toString().equals("config.pbtxt")
            && a.isRegularFile()
            && a.size() < (1 << 20)) {
          out.put(rel, "sha256:" + sha256(Files.readAllBytes(p)));
        } else {
          out.put(
              rel,
              a.size()
                  + ":"
                  + a.lastModifiedTime().to(TimeUnit.NANOSECONDS)
                  + ":"
                  + a.fileKey()
                  + ":"
                  + (a.isSymbolicLink() ? "link" : "file"));
        }
      }
    }
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Stops polling (a scan in progress finishes its loads). */
  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
    loaders.shutdown();
  }
}
