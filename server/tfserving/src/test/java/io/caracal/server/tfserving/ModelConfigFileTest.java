package io.caracal.server.tfserving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.core.repository.ModelSpec.VersionPolicy;
import io.caracal.core.repository.RepositoryPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigFileTest {
  @TempDir Path repo;

  private String config(String body) {
    return "model_config_list {\n" + body + "\n}\n";
  }

  private String entry(String name, String platform, String extra) {
    return "config { name: '"
        + name
        + "' base_path: \""
        + repo.resolve(name)
        + "\" model_platform: '"
        + platform
        + "' "
        + extra
        + " }";
  }

  @Test
  void labels_areRead_unknownFieldsTolerated() throws IOException {
    Files.createDirectories(repo.resolve("half_plus_two"));
    ModelConfigFile f =
        ModelConfigFile.parse(
            config(
                entry(
                    "half_plus_two",
                    "tensorflow",
                    "version_labels { key: 'stable' value: 123 } version_labels { key: 'canary'"
                        + " value: 124 } logging_config { sampling_config { sampling_rate: 0.5 } }")));
    f.checkInside(repo);
    assertThat(f.models())
        .singleElement()
        .satisfies(e -> {
          assertThat(e.labels()).isEqualTo(Map.of("stable", 123L, "canary", 124L));
          assertThat(e.policy()).isNull();
        });
    assertThat(f.versionLabels().version("half_plus_two", "canary"))
        .isEqualTo(OptionalLong.of(124));
    assertThat(f.versionLabels().version("half_plus_two", "x")).isEmpty();
    // the half_plus_two fake has 123 ready and 124 failed
    assertThatThrownBy(() -> f.checkAvailable(new HalfPlusTwoService()))
        .hasMessage(
            "Request to assign label to version 124 of model half_plus_two, which is not currently"
                + " available for inference");
  }

  @Test
  void rules_withTfMessages() throws IOException {
    Files.createDirectories(repo.resolve("m"));
    assertThatThrownBy(
            () -> ModelConfigFile.parse(config(entry("m", "onnx", "") + entry("m", "onnx", ""))))
        .hasMessage("Illegal to list model m multiple times in config list");
    assertThatThrownBy(() -> ModelConfigFile.parse(config(entry("m", "", ""))))
        .hasMessage(
            "Illegal setting neither ModelServerConfig::model_type (deprecated) nor"
                + " ModelServerConfig::model_platform, model name is m");
    assertThatThrownBy(() -> ModelConfigFile.parse(config(entry("m", "pytorch", ""))))
        .hasMessage("PlatformConfigMap has no entry for platform pytorch");
    assertThatThrownBy(
            () -> ModelConfigFile.parse(config(entry("other", "onnx", ""))).checkInside(repo))
        .hasMessageContaining("is not that model's folder in the model repository");
    assertThatThrownBy(() ->
            ModelConfigFile.parse(config(entry("m", "onnx", "model_version_policy { all {} }")))
                .checkInside(repo))
        .hasMessageContaining("model_version_policy of model m is not supported");
    assertThatThrownBy(() -> ModelConfigFile.parse("model_config_list { config { nme: 1 }"))
        .hasMessageStartingWith("cannot parse the model config file");
    assertThatThrownBy(() ->
            ModelConfigFile.parse(
                config(
                    entry("m", "onnx", "")
                        + "config { name: 'r' base_path: 'relative/r' model_platform: 'onnx' }")))
        .hasMessage("Expected model r to have an absolute path or URI; got base_path()=relative/r");
    assertThatThrownBy(() ->
            ModelConfigFile.parse(
                config(entry("m", "onnx", "model_version_policy { specific { } }"))))
        .hasMessage("model_version_policy of model m names no specific version");
    assertThatThrownBy(() ->
            ModelConfigFile.parse(
                config("config { name: 'a/b' base_path: '/x' model_platform: 'onnx' }")))
        .hasMessageStartingWith("model name 'a/b': ");
  }

  @Test
  void asARepository_policiesAndFolders() throws IOException {
    ModelConfigFile f =
        ModelConfigFile.parse(
            config(
                entry("a", "onnx", "model_version_policy { latest { num_versions: 0 } }")
                    + entry("b", "onnxruntime_onnx", "model_version_policy { all { } }")
                    + entry(
                        "c",
                        "tensorflow",
                        "model_version_policy { specific { versions: 3" + " versions: 1 } }")
                    + entry("d", "onnx", "")));
    assertThat(f.policies())
        .containsExactly(
            Map.entry("a", new VersionPolicy.Latest(1)), // TF reads 0 as 1
            Map.entry("b", new VersionPolicy.All()),
            Map.entry("c", new VersionPolicy.Specific(java.util.List.of(3L, 1L))));
    Files.createDirectories(repo.resolve("a"));
    RepositoryPaths layout = f.layout();
    assertThat(layout.modelNames()).containsExactly("a", "b", "c", "d");
    assertThat(layout.hasFolder("a")).isTrue();
    assertThat(layout.hasFolder("b")).isFalse(); // listed, folder not there (yet)
    assertThat(layout.hasFolder("zz")).isFalse();
  }
}
