package io.caracal.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Locates the read-only shared data folder (real models under {@code models/}, docs under {@code
 * docs/}). It is the environment variable {@code CARACAL_SHARED} when set, else {@code <project
 * root>/../shared}, where the project root is the nearest ancestor of the working directory that
 * holds {@code mvnw}. A folder counts only when it holds {@code models/}, so an unrelated or empty
 * {@code shared} folder makes the tests skip instead of fail.
 *
 * <p>Tests that need it skip when it is absent:
 *
 * <pre>{@code
 * Assumptions.assumeTrue(SharedData.root().isPresent(), SharedData.skipMessage());
 * Path mnist = SharedData.requireModel("mnist-8");
 * }</pre>
 */
public final class SharedData {
  /** The environment variable that overrides the shared folder's location. */
  public static final String ENV = "CARACAL_SHARED";

  private SharedData() {}

  /** Returns the shared folder if it exists. */
  public static Optional<Path> root() {
    return locate(System.getenv(ENV), Path.of("").toAbsolutePath());
  }

  /**
   * Returns the shared folder; throws {@link IllegalStateException} with {@link #skipMessage()} if
   * absent.
   */
  public static Path requireShared() {
    return root().orElseThrow(() -> new IllegalStateException(skipMessage()));
  }

  /**
   * Returns {@code models/<name>} in the shared folder, or empty when the folder or model is
   * absent.
   */
  public static Optional<Path> model(String name) {
    return root().map(r -> r.resolve("models").resolve(name)).filter(Files::isDirectory);
  }

  /**
   * Returns {@code models/<name>} in the shared folder; throws {@link IllegalStateException} if
   * absent.
   */
  public static Path requireModel(String name) {
    return model(name)
        .orElseThrow(() ->
            new IllegalStateException("shared model " + name + " is absent; " + skipMessage()));
  }

  /** Returns the message a test skips with when the shared folder is absent. */
  public static String skipMessage() {
    return "needs the shared data folder (../shared next to the project, or $" + ENV + ")";
  }

  /** The lookup itself, separated from the process environment for tests. */
  static Optional<Path> locate(@org.jspecify.annotations.Nullable String env, Path workingDir) {
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      return isShared(p) ? Optional.of(p.toAbsolutePath().normalize()) : Optional.empty();
    }
    for (Path dir = workingDir; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mvnw"))) {
        Path shared = dir.resolveSibling("shared");
        return dir.getParent() != null && isShared(shared)
            ? Optional.of(shared.normalize())
            : Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static boolean isShared(Path dir) {
    return Files.isDirectory(dir.resolve("models"));
  }
}
