package io.caracal.core.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.core.fixtures.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryPathsTest {
  @TempDir Path tmp;
  Path repo;
  Path outside;
  RepositoryPaths paths;

  @BeforeEach
  void setUp() throws Exception {
    repo = Files.createDirectories(tmp.resolve("repo"));
    outside = Files.createDirectories(tmp.resolve("outside"));
    Fixtures.write(repo.resolve("good/1/model.fake"), "x");
    Fixtures.write(outside.resolve("evil/1/model.fake"), "secret");
    Fixtures.write(outside.resolve("secret.txt"), "secret");
    paths = RepositoryPaths.create(repo);
  }

  @Test
  void resolves_insideTheRepository() throws Exception {
    Path file = paths.modelFile("good", 1, "model.fake");
    assertThat(file).isEqualTo(repo.toRealPath().resolve("good/1/model.fake"));
    assertThat(paths.relative(file)).isEqualTo("good/1/model.fake");
  }

  @Test
  void refuses_invalidNamesAndSegments() {
    assertThatThrownBy(() -> paths.modelDir("..")).isInstanceOf(RepositoryException.class);
    assertThatThrownBy(() -> paths.modelDir("../outside")).isInstanceOf(RepositoryException.class);
    assertThatThrownBy(() -> paths.modelFile("good", 1, "../../outside/secret.txt"))
        .hasMessageContaining("not a plain file name");
    assertThatThrownBy(() -> paths.modelFile("good", 1, ".."))
        .isInstanceOf(RepositoryException.class);
    assertThatThrownBy(() -> paths.inModel("good", "/etc/passwd"))
        .isInstanceOf(RepositoryException.class);
    assertThatThrownBy(() -> paths.versionDir("good", 0)).isInstanceOf(RepositoryException.class);
  }

  @Test
  void refuses_missingFiles() {
    assertThatThrownBy(() -> paths.modelFile("good", 2, "model.fake"))
        .hasMessage("good/2 does not exist");
  }

  @Test
  void refuses_symlinkedModelDirLeadingOut() throws Exception {
    Files.createSymbolicLink(repo.resolve("evil"), outside.resolve("evil"));
    assertThatThrownBy(() -> paths.modelDir("evil"))
        .hasMessage("evil is a symbolic link that leads out of the model repository");
    assertThatThrownBy(() -> paths.modelFile("evil", 1, "model.fake"))
        .hasMessageContaining("leads out");
  }

  @Test
  void refuses_symlinkedVersionDirAndFileLeadingOut() throws Exception {
    Files.createDirectories(repo.resolve("m"));
    Files.createSymbolicLink(repo.resolve("m/1"), outside.resolve("evil/1"));
    assertThatThrownBy(() -> paths.versionDir("m", 1))
        .hasMessage("m/1 is a symbolic link that leads out of the model repository");
    Files.createDirectories(repo.resolve("n/1"));
    Files.createSymbolicLink(repo.resolve("n/1/model.fake"), outside.resolve("secret.txt"));
    assertThatThrownBy(() -> paths.modelFile("n", 1, "model.fake"))
        .hasMessageContaining("n/1/model.fake is a symbolic link that leads out");
    Files.createSymbolicLink(repo.resolve("n/labels.txt"), Path.of("/etc/passwd"));
    assertThatThrownBy(() -> paths.inModel("n", "labels.txt")).hasMessageContaining("leads out");
  }

  @Test
  void modelFolder_isConfinedAtEveryDepth() throws Exception {
    // a TensorFlow SavedModel is a folder: links inside it may point within the repository only
    Fixtures.write(repo.resolve("tf/1/model.savedmodel/saved_model.pb"), "pb");
    Fixtures.write(repo.resolve("tf/1/model.savedmodel/variables/variables.index"), "i");
    Files.createSymbolicLink(
        repo.resolve("tf/1/model.savedmodel/variables/shared"), repo.resolve("good/1"));
    assertThat(paths.modelFile("tf", 1, "model.savedmodel"))
        .isEqualTo(repo.toRealPath().resolve("tf/1/model.savedmodel"));
    Files.createSymbolicLink(
        repo.resolve("tf/1/model.savedmodel/variables/variables.data-00000-of-00001"),
        outside.resolve("secret.txt"));
    assertThatThrownBy(() -> paths.modelFile("tf", 1, "model.savedmodel"))
        .hasMessage(
            "tf/1/model.savedmodel/variables/variables.data-00000-of-00001 is a symbolic link that"
                + " leads out of the model repository");
  }

  @Test
  void refuses_linkThatLeavesAndComesBack() throws Exception {
    // outside/loop/1 -> repo/good/1 : the model folder itself lies outside
    Files.createDirectories(outside.resolve("loop"));
    Files.createSymbolicLink(outside.resolve("loop/1"), repo.resolve("good/1"));
    Files.createSymbolicLink(repo.resolve("loop"), outside.resolve("loop"));
    assertThatThrownBy(() -> paths.modelFile("loop", 1, "model.fake"))
        .hasMessageContaining("loop is a symbolic link that leads out");
  }

  @Test
  void allows_symlinksThatStayInside() throws Exception {
    Files.createSymbolicLink(repo.resolve("alias"), repo.resolve("good"));
    assertThat(paths.modelFile("alias", 1, "model.fake"))
        .isEqualTo(repo.toRealPath().resolve("good/1/model.fake"));
  }

  @Test
  void refuses_danglingSymlink() throws Exception {
    Files.createSymbolicLink(repo.resolve("dangling"), tmp.resolve("nothing"));
    assertThatThrownBy(() -> paths.modelDir("dangling")).hasMessageContaining("cannot be resolved");
  }

  @Test
  void messages_neverHoldAbsolutePaths() throws Exception {
    Files.createSymbolicLink(repo.resolve("evil"), outside.resolve("evil"));
    assertThatThrownBy(() -> paths.modelDir("evil")).message().doesNotContain(tmp.toString());
  }

  @Test
  void listOfFolders_confinesEachModelToItsOwnFolder() throws Exception {
    Fixtures.write(tmp.resolve("elsewhere/served/3/model.fake"), "x");
    // the listed folder itself may be reached through a link (a mounted volume)
    Files.createSymbolicLink(tmp.resolve("link"), tmp.resolve("elsewhere/served"));
    RepositoryPaths listed =
        RepositoryPaths.of(
            java.util.Map.of("m", tmp.resolve("link"), "gone", tmp.resolve("nothing")));
    assertThat(listed.modelNames()).containsExactly("gone", "m");
    assertThat(listed.hasFolder("m")).isTrue();
    assertThat(listed.hasFolder("gone")).isFalse();
    assertThat(listed.hasFolder("good")).isFalse(); // not listed
    Path file = listed.modelFile("m", 3, "model.fake");
    assertThat(file).isEqualTo(tmp.toRealPath().resolve("elsewhere/served/3/model.fake"));
    assertThat(listed.relative(file)).isEqualTo("m/3/model.fake");
    assertThatThrownBy(() -> listed.modelDir("gone")).hasMessage("gone does not exist");
    assertThatThrownBy(() -> listed.modelDir("good")).hasMessage("good does not exist");
    // inside a listed folder, a link that leads out of it is refused
    Files.createSymbolicLink(
        tmp.resolve("elsewhere/served/4"), outside.resolve("evil/1").toAbsolutePath());
    assertThatThrownBy(() -> listed.versionDir("m", 4))
        .hasMessage("m/4 is a symbolic link that leads out of the model repository");
    assertThatThrownBy(() -> RepositoryPaths.of(java.util.Map.of("a/b", tmp)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
