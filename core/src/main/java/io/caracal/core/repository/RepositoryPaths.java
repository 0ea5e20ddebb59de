package io.caracal.core.repository;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
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
 * <p>A resolver made by {@link #singleModel} treats the root as the folder of one model (as KServe
 * mounts a single model at {@code /mnt/models}): only that name resolves, to the root itself, and
 * when the folder has no numeric version folder ({@code model.onnx} lies directly in it) the root
 * is also version 1. Immutable and thread-safe.
 */
public final class RepositoryPaths {
  private final Path root;
  private final @Nullable String singleModel;
  private final boolean flat;

  private RepositoryPaths(Path root, @Nullable String singleModel, boolean flat) {
    this.root = root;
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
    return new RepositoryPaths(real, null, false);
  }

  /**
   * Returns the resolver for one model's folder served as the model {@code name}: the folder holds
   * {@code config.pbtxt} and numeric version folders, or (flat) the model file directly, which is
   * then version 1.
   *
   * @throws IOException if the folder does not exist or is not a directory
   * @throws IllegalArgumentException if {@code name} is not a valid model name
   */
  public static RepositoryPaths singleModel(Path folder, String name) throws IOException {
    ModelNames.problem(name)
        .ifPresent(p -> {
          throw new IllegalArgumentException("model-name: " + p);
        });
    Path real = create(folder).root();
    return new RepositoryPaths(real, name, !hasVersionFolder(real));
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

  /** Returns the one model's name when the root is a single model's folder. */
  public Optional<String> singleModel() {
    return Optional.ofNullable(singleModel);
  }

  /** Returns whether the root is a single model's folder holding its model file directly. */
  public boolean flat() {
    return flat;
  }

  /** Returns whether the repository has a folder for this (valid) model name. */
  public boolean hasModelFolder(String model) {
    return singleModel != null ? singleModel.equals(model) : Files.isDirectory(root.resolve(model));
  }

  /** Returns the repository root (a real path). */
  public Path root() {
    return root;
  }

  /** Returns the model's folder. */
  public Path modelDir(String model) throws RepositoryException {
    var problem = ModelNames.problem(model);
    if (problem.isPresent()) {
      throw new RepositoryException(problem.get());
    }
    if (singleModel != null) {
      if (!singleModel.equals(model)) {
        throw new RepositoryException(model + " does not exist");
      }
      return root;
    }
    return confine(root.resolve(model), model);
  }

  /** Returns a file (or folder) directly inside the model's folder, e.g. {@code config.pbtxt}. */
  public Path inModel(String model, String fileName) throws RepositoryException {
    Path dir = modelDir(model);
    String shown = model + "/" + ModelNames.printable(fileName);
    checkSegment(fileName, shown);
    return confine(dir.resolve(fileName), shown);
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
    if (flat) {
      if (version != 1) {
        throw new RepositoryException(model + "/" + version + " does not exist");
      }
      return modelDir(model);
    }
    return confine(modelDir(model).resolve(Long.toString(version)), model + "/" + version);
  }

  /** Returns the model file of one version, e.g. {@code simple/1/model.onnx}. */
  public Path modelFile(String model, long version, String fileName) throws RepositoryException {
    Path dir = versionDir(model, version);
    String shown = model + "/" + version + "/" + ModelNames.printable(fileName);
    checkSegment(fileName, shown);
    return confine(dir.resolve(fileName), shown);
  }

  /** Returns {@code path} relative to the root, for messages. */
  public String relative(Path path) {
    Path p = path.toAbsolutePath().normalize();
    return p.startsWith(root) ? root.relativize(p).toString() : p.getFileName().toString();
  }

  private Path confine(Path candidate, String shown) throws RepositoryException {
    if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
      throw new RepositoryException(shown + " does not exist");
    }
    Path real;
    try {
      real = candidate.toRealPath();
    } catch (IOException e) {
      throw new RepositoryException(shown + " cannot be resolved (a dangling symbolic link?)");
    }
    if (!real.startsWith(root)) {
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
