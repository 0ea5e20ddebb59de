package io.caracal.core.repository;

import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.ModelBytes;
import io.caracal.core.encryption.ModelBinding;
import io.caracal.core.encryption.ModelDecryptor;
import io.caracal.core.encryption.ModelKeys;
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
 * the one whose default file name is present in the newest version. A model file may be stored
 * encrypted ({@code model.onnx.enc}, {@link io.caracal.core.encryption}): it is found when the
 * plain file is absent and decrypted in memory at load ({@link #inMemory}). Nothing is loaded here.
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

  /** The suffix of a model file encrypted at rest ({@code model.onnx.enc}). */
  public static final String ENCRYPTED_SUFFIX = ".enc";

  private final List<BackendFactory> factories;
  private final ConfigParser parser = new ConfigParser();
  private final ModelDecryptor decryptor;
  private volatile Layout layout;

  /** A layout and the version policies that win over the configs', by model. */
  private record Layout(RepositoryPaths paths, Map<String, VersionPolicy> policies) {}

  /** Creates a repository over {@code paths} served by these backends, with no model keys. */
  public ModelRepository(RepositoryPaths paths, List<BackendFactory> factories) {
    this(paths, Map.of(), factories, ModelKeys.none());
  }

  /**
   * Creates a repository over {@code paths} served by these backends; encrypted model files are
   * decrypted with {@code keys}.
   */
  public ModelRepository(RepositoryPaths paths, List<BackendFactory> factories, ModelKeys keys) {
    this(paths, Map.of(), factories, keys);
  }

  /**
   * Creates a repository over {@code paths} served by these backends, where {@code policies} name
   * the version policy of some models instead of their configs; encrypted model files are decrypted
   * with {@code keys}.
   */
  public ModelRepository(
      RepositoryPaths paths,
      Map<String, VersionPolicy> policies,
      List<BackendFactory> factories,
      ModelKeys keys) {
    this.layout = new Layout(paths, Map.copyOf(policies));
    this.factories = List.copyOf(factories);
    this.decryptor = new ModelDecryptor(keys);
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

  /**
   * Returns the repository at {@code root}, whose encrypted model files are decrypted with {@code
   * keys}.
   *
   * @throws IOException if the root is not a readable directory
   */
  public static ModelRepository create(Path root, List<BackendFactory> factories, ModelKeys keys)
      throws IOException {
    return new ModelRepository(RepositoryPaths.create(root), factories, keys);
  }

  /**
   * Returns the repository at {@code root}; when {@code modelName} is not empty and {@code root} is
   * itself a model's folder (it holds {@code config.pbtxt}, a numeric version folder or a file with
   * a backend's model extension, as KServe's {@code /mnt/models} does for one model), that folder
   * is served as the one model {@code modelName}.
   *
   * @throws IOException if the root is not a readable directory
   */
  public static ModelRepository create(
      Path root, String modelName, List<BackendFactory> factories, ModelKeys keys)
      throws IOException {
    if (modelName.isEmpty()) {
      return create(root, factories, keys);
    }
    if (!isModelFolder(root, factories)) {
      log.info(
          "{} holds no config.pbtxt, version folder or model file: serving it as a repository of"
              + " models (--model-name {} applies to a single model's folder)",
          root,
          modelName);
      return create(root, factories, keys);
    }
    RepositoryPaths paths = RepositoryPaths.singleModel(root, modelName);
    log.info(
        "{} is one model's folder{}: serving it as model '{}'",
        root,
        paths.flat() ? " (its model file is version 1)" : "",
        modelName);
    return new ModelRepository(paths, factories, keys);
  }

  /** Returns whether the folder is one model's folder rather than a repository of models. */
  static boolean isModelFolder(Path folder, List<BackendFactory> factories) throws IOException {
    if (Files.isRegularFile(folder.resolve(CONFIG_FILE))
        || RepositoryPaths.hasVersionFolder(folder)) {
      return true;
    }
    List<String> extensions =
        factories.stream().map(f -> extension(f.defaultModelFileName())).toList();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(folder)) {
      for (Path p : dir) {
        String file = p.getFileName().toString();
        if (Files.isRegularFile(p)
            && (extensions.contains(extension(file))
                || (file.endsWith(ENCRYPTED_SUFFIX)
                    && extensions.contains(
                        extension(
                            file.substring(0, file.length() - ENCRYPTED_SUFFIX.length())))))) {
          return true;
        }
      }
    }
    return false;
  }

  private static String extension(String fileName) {
    int dot = fileName.lastIndexOf('.');
    return dot < 0 ? "" : fileName.substring(dot);
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
        if (paths.singleModel().isPresent()
            && !config.get().getName().isEmpty()
            && !config.get().getName().equals(name)) {
          // one model's folder is served under --model-name, whatever name its config gives
          log.info(
              "model {}: {} names it '{}'; serving it as '{}'",
              name,
              CONFIG_FILE,
              ModelNames.printable(config.get().getName()),
              name);
          config = Optional.of(config.get().toBuilder().setName(name).build());
        }
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
              ? defaultFileName(paths, name, factory)
              : cfg.getDefaultModelFilename();
      List<VersionSource> selected = new ArrayList<>();
      for (long v : select(policy, present)) {
        if (!present.contains(v)) {
          selected.add(new VersionSource.Broken(v, name + "/" + v + " does not exist"));
          continue;
        }
        try {
          selected.add(new VersionSource.Loadable(v, modelFile(paths, name, v, fileName)));
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
   * Returns a version's model file: {@code fileName}, or else its encrypted form {@code
   * fileName.enc}; both at once are refused (a plain copy beside the encrypted one defeats it).
   */
  private static Path modelFile(RepositoryPaths paths, String name, long version, String fileName)
      throws RepositoryException {
    if (fileName.endsWith(ENCRYPTED_SUFFIX)) {
      return paths.modelFile(name, version, fileName);
    }
    String encrypted = fileName + ENCRYPTED_SUFFIX;
    boolean hasEncrypted;
    try {
      hasEncrypted =
          java.nio.file.Files.exists(
              paths.versionDir(name, version).resolve(encrypted),
              java.nio.file.LinkOption.NOFOLLOW_LINKS);
    } catch (RepositoryException e) {
      hasEncrypted = false;
    }
    if (!hasEncrypted) {
      return paths.modelFile(name, version, fileName);
    }
    Path found = paths.modelFile(name, version, encrypted);
    try {
      paths.modelFile(name, version, fileName);
    } catch (RepositoryException e) {
      return found; // only the encrypted file: the normal case
    }
    String dir = name + "/" + version + "/";
    throw new RepositoryException(
        dir
            + ModelNames.printable(fileName)
            + " and "
            + dir
            + ModelNames.printable(encrypted)
            + " both exist; remove the plain file");
  }

  /** Returns whether a model file is encrypted at rest ({@code .enc}). */
  public static boolean isEncrypted(Path modelFile) {
    Path name = modelFile.getFileName();
    return name != null && name.toString().endsWith(ENCRYPTED_SUFFIX);
  }

  /**
   * Returns, for an encrypted model file of {@code model}'s {@code version}, the supplier of its
   * plaintext, decrypted in memory on each call; empty for a plain file.
   */
  public Optional<ModelBytes> inMemory(String model, long version, Path modelFile) {
    if (!isEncrypted(modelFile)) {
      return Optional.empty();
    }
    String encrypted = String.valueOf(modelFile.getFileName());
    String plain = encrypted.substring(0, encrypted.length() - ENCRYPTED_SUFFIX.length());
    ModelBinding place = new ModelBinding(model, version, plain.isEmpty() ? encrypted : plain);
    String shown = model + "/" + version + "/" + ModelNames.printable(encrypted);
    return Optional.of(() -> decryptor.decrypt(modelFile, place, shown));
  }

  /**
   * Checks the version folder's {@code SHA256SUMS} against its files, if it has one ({@link
   * Sha256Sums}).
   *
   * @throws RepositoryException naming the file that does not match
   */
  public void verifyChecksums(String model, long version, Path modelFile)
      throws RepositoryException {
    RepositoryPaths paths = paths();
    Sha256Sums.verify(
        paths.versionDir(model, version),
        model + "/" + version,
        String.valueOf(modelFile.getFileName()),
        paths);
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

  /**
   * Returns the backend's default model file name, or, in a flat single-model folder that lacks it,
   * the folder's only file with the same extension (KServe users upload {@code mnist.onnx}).
   */
  private static String defaultFileName(RepositoryPaths paths, String name, BackendFactory factory)
      throws RepositoryException, IOException {
    String standard = factory.defaultModelFileName();
    if (!paths.flat()
        || paths.existsInModel(name, standard)
        || paths.existsInModel(name, standard + ENCRYPTED_SUFFIX)) {
      return standard;
    }
    List<String> candidates = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(paths.modelDir(name))) {
      for (Path p : dir) {
        String file = p.getFileName().toString();
        if (Files.isRegularFile(p) && extension(file).equals(extension(standard))) {
          candidates.add(file);
        }
      }
    }
    return candidates.size() == 1 ? candidates.get(0) : standard;
  }

  private static List<Long> versions(RepositoryPaths paths, String name)
      throws RepositoryException, IOException {
    if (paths.flat()) {
      paths.modelDir(name);
      return List.of(1L);
    }
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
      throws RepositoryException, IOException {
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
          source
              + ": "
              + what
              + " is not supported"
              + OptionalBackends.absent(platform, backend).map(r -> ": " + r).orElse("")
              + " (supported: "
              + supported()
              + ")");
    }
    String fileName = cfg.getDefaultModelFilename();
    for (BackendFactory f : factories) {
      String candidate = fileName.isEmpty() ? defaultFileName(paths, name, f) : fileName;
      try {
        modelFile(paths, name, newest, candidate);
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
