package io.caracal.core.repository;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.caracal.core.ModelRef;
import io.caracal.core.fixtures.FakeBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes name and path resolution over a repository with links that stay inside it and links that
 * leave it. The property: every path {@link RepositoryPaths} returns lies inside the repository's
 * real root, or the name is refused with a {@link RepositoryException}; {@link ModelNames} and
 * {@link ModelRef} never throw anything but their own refusal, and a scan of a fuzzed name never
 * throws.
 */
class RepositoryPathsFuzzTest {
  static Path base;
  static Path root;
  static RepositoryPaths paths;
  static ModelRepository repository;

  @BeforeAll
  static void createRepository() throws IOException {
    base = Files.createTempDirectory("caracal-fuzz-repo");
    root = Files.createDirectories(base.resolve("repo")).toRealPath();
    Path outside = Files.createDirectories(base.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "not a model");
    Files.createDirectories(root.resolve("m/1"));
    Files.createDirectories(root.resolve("m/2"));
    Files.writeString(root.resolve("m/1/model.onnx"), "x");
    Files.writeString(root.resolve("m/2/model.onnx"), "x");
    Files.writeString(root.resolve("m/config.pbtxt"), "max_batch_size: 1");
    Files.createSymbolicLink(root.resolve("m/1/out.onnx"), outside.resolve("secret"));
    Files.createSymbolicLink(root.resolve("m/1/in.onnx"), Path.of("../2/model.onnx"));
    Files.createSymbolicLink(root.resolve("m/3"), outside);
    Files.createSymbolicLink(root.resolve("escape"), outside);
    Files.createSymbolicLink(root.resolve("alias"), root.resolve("m"));
    paths = RepositoryPaths.create(root);
    repository = new ModelRepository(paths, List.of(new FakeBackend()));
  }

  @AfterAll
  static void deleteRepository() throws IOException {
    try (Stream<Path> files = Files.walk(base)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @FuzzTest(maxDuration = "5m")
  void resolve(FuzzedDataProvider data) {
    String model = data.consumeString(40);
    String file = data.consumeString(40);
    long version = data.consumeLong();
    String versionText = data.consumeRemainingAsString();
    ModelNames.problem(model);
    ModelNames.printable(model);
    ModelNames.versionNumber(versionText);
    try {
      ModelRef.parse(model, versionText);
    } catch (io.caracal.api.InferenceException refused) {
      // InvalidInput or ModelNotFound, answered as 400/404
    }
    inside(() -> paths.modelDir(model));
    inside(() -> paths.inModel(model, file));
    inside(() -> paths.versionDir(model, version));
    inside(() -> paths.modelFile(model, version, file));
    try {
      paths.existsInModel(model, file);
    } catch (RepositoryException refused) {
      // not a plain name
    }
    repository.find(model); // Invalid or Found, never a throw
  }

  interface Resolution {
    Path resolve() throws RepositoryException;
  }

  static void inside(Resolution r) {
    Path p;
    try {
      p = r.resolve();
    } catch (RepositoryException refused) {
      return;
    }
    if (!p.startsWith(root)) {
      throw new AssertionError("resolved outside the repository: " + p);
    }
    try {
      if (!p.toRealPath().startsWith(root)) {
        throw new AssertionError("resolves (through a link) outside the repository: " + p);
      }
    } catch (IOException e) {
      throw new AssertionError("returned a path that does not resolve: " + p, e);
    }
  }
}
