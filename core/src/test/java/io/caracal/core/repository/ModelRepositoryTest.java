package io.caracal.core.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.core.fixtures.FakeBackend;
import io.caracal.core.fixtures.Fixtures;
import io.caracal.core.repository.ModelSource.VersionSource;
import io.caracal.core.repository.ModelSpec.VersionPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {
  @TempDir Path repo;
  final FakeBackend backend = new FakeBackend();

  ModelRepository repository() throws Exception {
    return ModelRepository.create(repo, List.of(backend));
  }

  @Test
  void select_appliesPolicies() {
    List<Long> present = List.of(1L, 2L, 5L);
    assertThat(ModelRepository.select(new VersionPolicy.Latest(1), present)).containsExactly(5L);
    assertThat(ModelRepository.select(new VersionPolicy.Latest(2), present))
        .containsExactly(2L, 5L);
    assertThat(ModelRepository.select(new VersionPolicy.Latest(9), present))
        .containsExactly(1L, 2L, 5L);
    assertThat(ModelRepository.select(new VersionPolicy.All(), present))
        .containsExactly(1L, 2L, 5L);
    assertThat(ModelRepository.select(new VersionPolicy.Specific(List.of(5L, 1L, 7L)), present))
        .containsExactly(1L, 5L, 7L);
  }

  @Test
  void scan_findsVersionsAndIgnoresJunk() throws Exception {
    Fixtures.write(repo.resolve("m/1/model.fake"), "x");
    Fixtures.write(repo.resolve("m/2/model.fake"), "x");
    Fixtures.write(repo.resolve("m/10/model.fake"), "x");
    Files.createDirectories(repo.resolve("m/0"));
    Files.createDirectories(repo.resolve("m/01"));
    Files.createDirectories(repo.resolve("m/latest"));
    Fixtures.write(repo.resolve("README.md"), "x");
    Files.createDirectories(repo.resolve(".git"));
    List<ModelSource> found = repository().scan();
    assertThat(found).hasSize(1);
    ModelSource.Found m = (ModelSource.Found) found.get(0);
    assertThat(m.versions()).extracting(VersionSource::version).containsExactly(10L);
    assertThat(m.configSource()).isEqualTo("m");
  }

  @Test
  void scan_reportsEachProblemPerModel() throws Exception {
    Fixtures.write(
        repo.resolve("good/config.pbtxt"),
        "version_policy { specific { versions: [1, 4] } } instance_group [ { count: 3 } ]");
    Fixtures.write(repo.resolve("good/1/model.fake"), "x");
    Fixtures.write(repo.resolve("badcfg/config.pbtxt"), "bogus_field: 1");
    Fixtures.write(repo.resolve("badcfg/1/model.fake"), "x");
    Fixtures.write(repo.resolve("noversions/config.pbtxt"), "");
    Fixtures.write(repo.resolve("gpu/config.pbtxt"), "instance_group [ { kind: KIND_GPU } ]");
    Fixtures.write(repo.resolve("gpu/1/model.fake"), "x");
    Fixtures.write(repo.resolve("trt/config.pbtxt"), "platform: \"tensorrt_plan\"");
    Fixtures.write(repo.resolve("trt/1/model.plan"), "x");
    Fixtures.write(repo.resolve("tf/config.pbtxt"), "platform: \"tensorflow_savedmodel\"");
    Fixtures.write(repo.resolve("tf/1/model.savedmodel/saved_model.pb"), "x");
    Fixtures.write(repo.resolve("nofile/1/other.bin"), "x");
    Files.createDirectories(repo.resolve("bad name"));
    List<ModelSource> found = repository().scan();
    assertThat(found)
        .extracting(ModelSource::name)
        .containsExactly("bad name", "badcfg", "good", "gpu", "nofile", "noversions", "tf", "trt");
    assertThat(reason(found, "tf"))
        .isEqualTo(
            "tf/config.pbtxt: platform 'tensorflow_savedmodel' is not supported: the TensorFlow"
                + " backend is not installed in this server; build it with ./mvnw -Pall-backends"
                + " -DskipTests package (it lands in app/target/lib), or put"
                + " caracal-backend-tensorflow and its dependency jars into a folder of"
                + " --backend-directory (supported: fake_platform/fake)");
    assertThat(reason(found, "bad name")).contains("must start with a letter or digit");
    assertThat(reason(found, "badcfg"))
        .startsWith("badcfg/config.pbtxt:1:")
        .contains("bogus_field");
    assertThat(reason(found, "noversions")).isEqualTo("noversions: no version folders found");
    assertThat(reason(found, "gpu")).contains("KIND_GPU");
    assertThat(reason(found, "trt"))
        .isEqualTo(
            "trt/config.pbtxt: platform 'tensorrt_plan' is not supported: Caracal has no tensorrt_plan"
                + " backend (supported: fake_platform/fake)");
    ModelSource.Found good =
        (ModelSource.Found)
            found.stream().filter(s -> s.name().equals("good")).findFirst().orElseThrow();
    assertThat(good.instanceCount()).isEqualTo(3);
    assertThat(good.versions()).hasSize(2);
    assertThat(good.versions().get(0)).isInstanceOf(VersionSource.Loadable.class);
    assertThat(good.versions().get(1))
        .isEqualTo(new VersionSource.Broken(4, "good/4 does not exist"));
    ModelSource.Found nofile =
        (ModelSource.Found)
            found.stream().filter(s -> s.name().equals("nofile")).findFirst().orElseThrow();
    assertThat(nofile.versions().get(0))
        .isEqualTo(new VersionSource.Broken(1, "nofile/1/model.fake does not exist"));
  }

  @Test
  void scan_refusesSymlinkedModelOutsideTheRepository(@TempDir Path outside) throws Exception {
    Fixtures.write(outside.resolve("1/model.fake"), "x");
    Files.createSymbolicLink(repo.resolve("escape"), outside);
    List<ModelSource> found = repository().scan();
    assertThat(reason(found, "escape"))
        .isEqualTo("escape is a symbolic link that leads out of the model repository");
  }

  @Test
  void readLabels_isConfinedToTheModelFolder(@TempDir Path outside) throws Exception {
    Fixtures.write(repo.resolve("m/labels.txt"), "cat\ndog\n\n");
    Fixtures.write(outside.resolve("secret"), "root:x");
    Files.createSymbolicLink(repo.resolve("m/evil.txt"), outside.resolve("secret"));
    assertThat(repository().readLabels("m", "labels.txt")).containsExactly("cat", "dog");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> repository().readLabels("m", "evil.txt"))
        .hasMessageContaining("leads out");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> repository().readLabels("m", "../m/labels.txt"))
        .isInstanceOf(RepositoryException.class);
  }

  private static String reason(List<ModelSource> found, String name) {
    return found.stream()
        .filter(s -> s.name().equals(name))
        .map(s -> ((ModelSource.Invalid) s).reason())
        .findFirst()
        .orElseThrow();
  }

  @Test
  void scan_findsTheEncryptedModelFile_andRefusesAPlainCopyBesideIt() throws Exception {
    Fixtures.write(repo.resolve("enc/1/model.fake.enc"), "x");
    Fixtures.write(repo.resolve("both/1/model.fake.enc"), "x");
    Fixtures.write(repo.resolve("both/1/model.fake"), "x");
    ModelRepository repository = repository();
    List<ModelSource> found = repository.scan();
    ModelSource.Found enc = (ModelSource.Found) found.get(1);
    VersionSource.Loadable v1 = (VersionSource.Loadable) enc.versions().get(0);
    assertThat(v1.file().getFileName().toString()).isEqualTo("model.fake.enc");
    assertThat(repository.inMemory("enc", 1, v1.file())).isPresent();
    ModelSource.Found both = (ModelSource.Found) found.get(0);
    assertThat(((VersionSource.Broken) both.versions().get(0)).reason())
        .isEqualTo("both/1/model.fake and both/1/model.fake.enc both exist; remove the plain file");
  }

  @Test
  void inMemory_isEmptyForAPlainFile() throws Exception {
    Fixtures.write(repo.resolve("m/1/model.fake"), "x");
    ModelRepository repository = repository();
    Path file = repository.paths().modelFile("m", 1, "model.fake");
    assertThat(repository.inMemory("m", 1, file)).isEmpty();
  }
}
