package io.caracal.core.repository;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The one path resolver for a model repository: turns {@code <model>/<version>/<file>} into a real
 * path that is guaranteed to lie inside the repository root.
 *
 * <p>Every step is checked before anything is opened: names must pass {@link ModelNames} (models)
 * or be one plain path segment (versions, files); the resolved path must exist; and its {@link
 * Path#toRealPath real path} must start with the root's real path ({@link Path#startsWith(Path)},
 * never a string prefix). Symbolic links are allowed only when their target stays inside the
 * repository (so links between model folders work); a model folder, version folder or file whose
 * link leads out is refused. Each level is checked on its own, so a link that leaves and comes back
 * is refused too. The returned paths are real paths, so later opens do not follow the links again;
 * a link swapped between check and open remains a risk, which is why the repository should be
 * mounted read-only.
 *
 * <p>Two layouts: Triton's ({@link #create}), where every sub-folder of one root is a model and
 * everything must stay inside that root; and a list of model folders ({@link #of}), each named by
 * its entry (TF Serving's {@code model_config_list} with its {@code base_path}s, or one model
 * folder served under a given name), where everything of a model must stay inside its own folder.
 * Immutable and thread-safe.
 */
public final class RepositoryPaths {
  private final @Nullable Path root; // Triton's layout; null for a list of folders
  private final Map<String, Path> folders; // model -> real folder, for a list of folders
  private final @Nullable String singleModel; // one model's folder served under a name
  private final boolean flat; // ... which holds its model file directly (version 1)

  private RepositoryPaths(
      @Nullable Path root, Map<String, Path> folders, @Nullable String singleModel, boolean flat) {
    this.root = root;
    this.folders = folders;
    this.singleModel = singleModel;
    this.flat = flat;
  }

  /**
   * Returns the resolver for the repository at {@code root}.
   *
   * @throws IOException if the root does not exist or is not a directory
   */
  public static RepositoryPaths create(Path root) throws IOException {
    Path real = root.toRealPath();
    if (!Files.isDirectory(real)) {
      throw new IOException("model repository is not a directory: " + root);
    }
    return new RepositoryPaths(real, Map.of(), null, false);
  }

  /**
   * Returns the resolver for one model's folder served as the model {@code name} (as KServe mounts
   * a single model at {@code /mnt/models}): the folder holds {@code config.pbtxt} and numeric
   * version folders, or (flat) the model file directly, which is then version 1.
   *
   * @throws IOException if the folder does not exist or is not a directory
   * @throws IllegalArgumentException if {@code name} is not a valid model name
   */
  public static RepositoryPaths singleModel(Path folder, String name) throws IOException {
    ModelNames.problem(name)
        .ifPresent(p -> {
          throw new IllegalArgumentException("model-name: " + p);
        });
    Path real = folder.toRealPath();
    if (!Files.isDirectory(real)) {
      throw new IOException("model repository is not a directory: " + folder);
    }
    return new RepositoryPaths(null, Map.of(name, real), name, !hasVersionFolder(real));
  }

  /** Returns whether the folder has a sub-folder named as a version number (1, 2, ...). */
  static boolean hasVersionFolder(Path folder) throws IOException {
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(folder)) {
      for (Path p : dir) {
        if (Files.isDirectory(p)
            && ModelNames.versionNumber(p.getFileName().toString()).isPresent()) {
          return true;
        }
      }
    }
    return false;
  }

  /** Returns the one model's name when the layout is a single model's folder. */
  public java.util.Optional<String> singleModel() {
    return java.util.Optional.ofNullable(singleModel);
  }

  /** Returns whether the layout is a single model's folder holding its model file directly. */
  public boolean flat() {
    return flat;
  }

  /**
   * Returns the resolver for a list of model folders, by model name. A folder that does not exist
   * (yet) is kept: its model is reported as not found until it appears.
   *
   * @throws IllegalArgumentException if a name fails {@link ModelNames}
   */
  public static RepositoryPaths of(Map<String, Path> folders) {
    Map<String, Path> real = new TreeMap<>();
    folders.forEach((name, dir) -> {
      ModelNames.problem(name)
          .ifPresent(p -> {
            throw new IllegalArgumentException(p);
          });
      Path p = dir.toAbsolutePath().normalize();
      try {
        p = p.toRealPath();
      } catch (IOException e) {
        // not there (yet): resolved again on each use
      }
      real.put(name, p);
    });
    return new RepositoryPaths(null, java.util.Collections.unmodifiableMap(real), null, false);
  }

  /**
   * Returns the names of the models the layout holds, sorted: the non-hidden sub-folders of the
   * root, or the names of the list.
   *
   * @throws IOException if the root cannot be listed
   */
  public List<String> modelNames() throws IOException {
    if (root == null) {
      return List.copyOf(folders.keySet());
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(root)) {
      for (Path p : dir) {
        String name = p.getFileName().toString();
        if (!name.startsWith(".") && Files.isDirectory(p)) {
          names.add(name);
        }
      }
    }
    names.sort(Comparator.naturalOrder());
    return names;
  }

  /** Returns whether the layout has a folder for this model name (without checking more). */
  public boolean hasFolder(String model) {
    if (root == null) {
      Path p = folders.get(model);
      return p != null && Files.isDirectory(p);
    }
    return ModelNames.problem(model).isEmpty() && Files.isDirectory(root.resolve(model));
  }

  /** Returns what this layout is, for logs: the root, or the number of listed folders. */
  public String describe() {
    return root != null ? root.toString() : folders.size() + " model folders";
  }

  /** Returns the model's folder. */
  public Path modelDir(String model) throws RepositoryException {
    var problem = ModelNames.problem(model);
    if (problem.isPresent()) {
      throw new RepositoryException(problem.get());
    }
    if (root == null) {
      Path dir = folders.get(model);
      if (dir == null) {
        throw new RepositoryException(model + " does not exist");
      }
      try {
        return dir.toRealPath(); // the operator named this folder: links to it are fine
      } catch (IOException e) {
        throw new RepositoryException(model + " does not exist");
      }
    }
    return confine(root.resolve(model), model, root);
  }

  /** Returns a file (or folder) directly inside the model's folder, e.g. {@code config.pbtxt}. */
  public Path inModel(String model, String fileName) throws RepositoryException {
    Path dir = modelDir(model);
    String shown = model + "/" + ModelNames.printable(fileName);
    checkSegment(fileName, shown);
    return confine(dir.resolve(fileName), shown, within(dir));
  }

  /** Returns whether the model folder holds an entry with this name (without following it). */
  public boolean existsInModel(String model, String fileName) throws RepositoryException {
    checkSegment(fileName, model + "/" + ModelNames.printable(fileName));
    return Files.exists(modelDir(model).resolve(fileName), LinkOption.NOFOLLOW_LINKS);
  }

  /** Returns the folder of one version. */
  public Path versionDir(String model, long version) throws RepositoryException {
    if (version < 1) {
      throw new RepositoryException(model + ": version " + version + " is not valid");
    }
    Path dir = modelDir(model);
    if (flat) { // the model's folder holds its file directly: that is version 1
      if (version != 1) {
        throw new RepositoryException(model + "/" + version + " does not exist");
      }
      return dir;
    }
    return confine(dir.resolve(Long.toString(version)), model + "/" + version, within(dir));
  }

  /** Returns the model file of one version, e.g. {@code simple/1/model.onnx}. */
  public Path modelFile(String model, long version, String fileName) throws RepositoryException {
    Path dir = versionDir(model, version);
    String shown = model + "/" + version + "/" + ModelNames.printable(fileName);
    checkSegment(fileName, shown);
    Path real = confine(dir.resolve(fileName), shown, within(dir));
    if (Files.isDirectory(real)) {
      confineTree(real, shown, within(dir));
    }
    return real;
  }

  /** The most entries a model folder (a TensorFlow SavedModel) may hold. */
  static final int MAX_FOLDER_ENTRIES = 100_000;

  /**
   * Checks a model that is a folder (a TensorFlow SavedModel: {@code saved_model.pb}, {@code
   * variables/}, {@code assets/}): every symbolic link inside it, at any depth, must lead to a
   * target inside {@code within}, as the model file itself must; links are not followed while
   * walking, so the walk stays inside the folder.
   */
  private static void confineTree(Path dir, String shown, Path within) throws RepositoryException {
    try (java.util.stream.Stream<Path> entries = Files.walk(dir)) {
      java.util.Iterator<Path> it = entries.iterator();
      int n = 0;
      while (it.hasNext()) {
        Path p = it.next();
        if (++n > MAX_FOLDER_ENTRIES) {
          throw new RepositoryException(
              shown + " holds more than " + MAX_FOLDER_ENTRIES + " files and folders");
        }
        if (Files.isSymbolicLink(p)) {
          confine(p, shown + "/" + ModelNames.printable(dir.relativize(p).toString()), within);
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new RepositoryException(shown + " cannot be read");
    }
  }

  /**
   * Returns a file directly inside a version folder that {@link #versionDir} returned, e.g. one
   * listed in {@code SHA256SUMS}; {@code shown} names it in messages.
   */
  Path inVersion(Path versionDir, String fileName, String shown) throws RepositoryException {
    checkSegment(fileName, shown);
    Path modelDir = java.util.Objects.requireNonNullElse(versionDir.getParent(), versionDir);
    return confine(versionDir.resolve(fileName), shown, within(modelDir));
  }

  /** Returns {@code path} relative to the root, for messages. */
  public String relative(Path path) {
    Path p = path.toAbsolutePath().normalize();
    if (root != null && p.startsWith(root)) {
      return root.relativize(p).toString();
    }
    for (Map.Entry<String, Path> e : folders.entrySet()) {
      if (p.startsWith(e.getValue())) {
        return e.getKey() + "/" + e.getValue().relativize(p);
      }
    }
    Path name = p.getFileName();
    return name == null ? "" : name.toString();
  }

  /** The folder everything of {@code model} must stay in: the root, or the model's own folder. */
  private Path within(Path modelDir) {
    return root != null ? root : modelDir;
  }

  private static Path confine(Path candidate, String shown, Path within)
      throws RepositoryException {
    if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
      throw new RepositoryException(shown + " does not exist");
    }
    Path real;
    try {
      real = candidate.toRealPath();
    } catch (IOException e) {
      throw new RepositoryException(shown + " cannot be resolved (a dangling symbolic link?)");
    }
    if (!real.startsWith(within)) {
      throw new RepositoryException(
          shown + " is a symbolic link that leads out of the model repository");
    }
    return real;
  }

  private static void checkSegment(String segment, String shown) throws RepositoryException {
    if (segment.isEmpty()
        || segment.equals(".")
        || segment.equals("..")
        || segment.length() > 255
        || segment.indexOf('/') >= 0
        || segment.indexOf('\\') >= 0
        || segment.indexOf('\0') >= 0
        || segment.chars().anyMatch(Character::isISOControl)) {
      throw new RepositoryException(shown + " is not a plain file name inside the model folder");
    }
  }
}
