package io.caracal.core.repository;

import io.caracal.api.backend.BackendFactory;
import io.caracal.core.repository.ModelSource.VersionSource;
import io.caracal.core.repository.ModelSpec.VersionPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the models in a Triton-style repository: {@code <root>/<model>/config.pbtxt} (optional) and
 * {@code <root>/<model>/<version>/<model file>}.
 *
 * <p>Each sub-folder of the root is a model. Folders whose names fail {@link ModelNames} are
 * reported as {@link ModelSource.Invalid} and never resolved further; hidden entries (starting with
 * {@code .}) and plain files are skipped. Inside a model, numeric sub-folders are versions; other
 * entries, versions with leading zeros and version 0 are ignored with a log line. The version
 * policy picks the versions, and each picked version's model file ({@code default_model_filename}
 * or the backend's default) is resolved through {@link RepositoryPaths}. The backend is the one
 * that {@link BackendFactory#supports supports} the config's platform/backend; with neither set,
 * the one whose default file name is present in the newest version. Nothing is loaded here.
 * Thread-safe: {@link #scan} only reads the disk.
 *
 * <p>The layout ({@link RepositoryPaths}) and per-model version policies that win over the configs'
 * (TF Serving's {@code model_version_policy}) may be replaced while serving ({@link #relayout}, for
 * a re-read model config list); each {@link #find} sees one of them whole.
 */
public final class ModelRepository {
  private static final Logger log = LoggerFactory.getLogger(ModelRepository.class);
  private static final String CONFIG_FILE = "config.pbtxt";
  private static final long MAX_LABEL_FILE_BYTES = 16L << 20;

  private final List<BackendFactory> factories;
  private final ConfigParser parser = new ConfigParser();
  private volatile Layout layout;

  /** A layout and the version policies that win over the configs', by model. */
  private record Layout(RepositoryPaths paths, Map<String, VersionPolicy> policies) {}

  /** Creates a repository over {@code paths} served by these backends. */
  public ModelRepository(RepositoryPaths paths, List<BackendFactory> factories) {
    this(paths, Map.of(), factories);
  }

  /**
   * Creates a repository over {@code paths} served by these backends, where {@code policies} name
   * the version policy of some models instead of their configs.
   */
  public ModelRepository(
      RepositoryPaths paths, Map<String, VersionPolicy> policies, List<BackendFactory> factories) {
    this.layout = new Layout(paths, Map.copyOf(policies));
    this.factories = List.copyOf(factories);
  }

  /**
   * Returns the repository at {@code root}.
   *
   * @throws IOException if the root is not a readable directory
   */
  public static ModelRepository create(Path root, List<BackendFactory> factories)
      throws IOException {
    return new ModelRepository(RepositoryPaths.create(root), factories);
  }

  /** Returns the path resolver in use. */
  public RepositoryPaths paths() {
    return layout.paths();
  }

  /** Returns the version policy that wins over the model's config, if one was given. */
  public Optional<VersionPolicy> policyOverride(String model) {
    return Optional.ofNullable(layout.policies().get(model));
  }

  /**
   * Replaces the layout and the version policies; later {@link #find}s use them. Loads nothing: the
   * caller loads, reloads and unloads what changed.
   */
  public void relayout(RepositoryPaths paths, Map<String, VersionPolicy> policies) {
    layout = new Layout(paths, Map.copyOf(policies));
  }

  /** Returns every model folder, sorted by name. */
  public List<ModelSource> scan() throws IOException {
    Layout l = layout;
    List<ModelSource> out = new ArrayList<>();
    for (String name : l.paths().modelNames()) {
      out.add(find(l, name));
    }
    return out;
  }

  /** Returns what the repository holds for one model name. */
  public ModelSource find(String name) {
    return find(layout, name);
  }

  private ModelSource find(Layout l, String name) {
    RepositoryPaths paths = l.paths();
    Optional<String> problem = ModelNames.problem(name);
    if (problem.isPresent()) {
      return new ModelSource.Invalid(name, problem.get());
    }
    try {
      paths.modelDir(name);
      Optional<io.caracal.proto.inference.ModelConfig> config = Optional.empty();
      String source = name;
      if (paths.existsInModel(name, CONFIG_FILE)) {
        source = name + "/" + CONFIG_FILE;
        config = Optional.of(parser.parseFile(paths.inModel(name, CONFIG_FILE), source));
      }
      io.caracal.proto.inference.ModelConfig cfg =
          config.orElse(io.caracal.proto.inference.ModelConfig.getDefaultInstance());
      AutoCompleter.checkSupported(cfg, source);
      VersionPolicy configured = AutoCompleter.versionPolicy(cfg, source);
      VersionPolicy policy = l.policies().getOrDefault(name, configured);
      List<Long> present = versions(paths, name);
      if (present.isEmpty()) {
        return new ModelSource.Invalid(name, name + ": no version folders found");
      }
      BackendFactory factory = factory(paths, name, cfg, source, present.get(present.size() - 1));
      int instances = AutoCompleter.instanceCount(cfg, source, factory.defaultInstanceCount());
      String fileName =
          cfg.getDefaultModelFilename().isEmpty()
              ? factory.defaultModelFileName()
              : cfg.getDefaultModelFilename();
      List<VersionSource> selected = new ArrayList<>();
      for (long v : select(policy, present)) {
        if (!present.contains(v)) {
          selected.add(new VersionSource.Broken(v, name + "/" + v + " does not exist"));
          continue;
        }
        try {
          selected.add(new VersionSource.Loadable(v, paths.modelFile(name, v, fileName)));
        } catch (RepositoryException e) {
          selected.add(new VersionSource.Broken(v, e.getMessage()));
        }
      }
      return new ModelSource.Found(name, config, source, factory, policy, instances, selected);
    } catch (RepositoryException e) {
      return new ModelSource.Invalid(name, e.getMessage());
    } catch (IOException e) {
      return new ModelSource.Invalid(name, name + ": cannot be read");
    }
  }

  /**
   * Returns the labels in a file of the model's folder, one per line (for {@code label_filename}).
   */
  public List<String> readLabels(String model, String fileName) throws RepositoryException {
    Path file = paths().inModel(model, fileName);
    String shown = model + "/" + ModelNames.printable(fileName);
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > MAX_LABEL_FILE_BYTES) {
        throw new RepositoryException(
            shown + " is not a regular file of at most " + MAX_LABEL_FILE_BYTES + " bytes");
      }
      List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
      while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
        lines.remove(lines.size() - 1);
      }
      return lines;
    } catch (IOException e) {
      throw new RepositoryException(shown + " cannot be read as UTF-8 text");
    }
  }

  /** Returns the versions a policy picks from the present ones (Specific may name absent ones). */
  static List<Long> select(VersionPolicy policy, List<Long> present) {
    return switch (policy) {
      case VersionPolicy.All a -> present;
      case VersionPolicy.Latest l ->
          present.subList(Math.max(0, present.size() - l.count()), present.size());
      case VersionPolicy.Specific s -> new ArrayList<>(new TreeSet<>(s.versions()));
    };
  }

  private static List<Long> versions(RepositoryPaths paths, String name)
      throws RepositoryException, IOException {
    TreeSet<Long> found = new TreeSet<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(paths.modelDir(name))) {
      for (Path p : dir) {
        String v = p.getFileName().toString();
        if (!Files.isDirectory(p)) {
          continue;
        }
        OptionalLong version = ModelNames.versionNumber(v);
        if (version.isPresent()) {
          found.add(version.getAsLong());
        } else {
          log.info(
              "model {}: ignoring folder '{}': not a version number (1, 2, ...)",
              name,
              ModelNames.printable(v));
        }
      }
    }
    return new ArrayList<>(found);
  }

  private BackendFactory factory(
      RepositoryPaths paths,
      String name,
      io.caracal.proto.inference.ModelConfig cfg,
      String source,
      long newest)
      throws RepositoryException {
    String platform = cfg.getPlatform();
    String backend = cfg.getBackend();
    if (!platform.isEmpty() || !backend.isEmpty()) {
      for (BackendFactory f : factories) {
        if (f.supports(platform, backend)) {
          return f;
        }
      }
      String what =
          !platform.isEmpty()
              ? "platform '" + ModelNames.printable(platform) + "'"
              : "backend '" + ModelNames.printable(backend) + "'";
      throw new RepositoryException(
          source + ": " + what + " is not supported (supported: " + supported() + ")");
    }
    String fileName = cfg.getDefaultModelFilename();
    for (BackendFactory f : factories) {
      String candidate = fileName.isEmpty() ? f.defaultModelFileName() : fileName;
      try {
        paths.modelFile(name, newest, candidate);
        if (fileName.isEmpty() || f.supports("", "")) {
          return f;
        }
      } catch (RepositoryException e) {
        // not this backend's file
      }
    }
    if (factories.size() == 1) {
      return factories.get(0);
    }
    throw new RepositoryException(
        source
            + ": cannot tell which backend serves this model; set 'platform' or 'backend' (supported: "
            + supported()
            + ")");
  }

  private String supported() {
    return factories.isEmpty()
        ? "none"
        : factories.stream()
            .map(f -> f.platform() + "/" + f.name())
            .collect(Collectors.joining(", "));
  }
}
