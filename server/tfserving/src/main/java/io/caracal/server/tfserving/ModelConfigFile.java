package io.caracal.server.tfserving;

import com.google.protobuf.TextFormat;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.core.InferenceService;
import io.caracal.proto.tfserving.ModelConfig;
import io.caracal.proto.tfserving.ModelServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TF Serving's {@code --model_config_file} (a text-format {@code ModelServerConfig} with a {@code
 * model_config_list}) as far as Caracal applies it: each entry must name a model of the repository
 * ({@code base_path} is that model's folder, absolute or relative to the working directory), with
 * platform {@code tensorflow}, {@code onnx} or {@code onnxruntime_onnx}; its {@code version_labels}
 * are what TF Serving requests that name a label resolve to. A {@code model_version_policy} is
 * refused (Caracal takes the version policy from the model's {@code config.pbtxt}), and the list
 * does not choose which models load (the repository and the model control mode do). Immutable.
 *
 * @param labels model → (label → version)
 */
public record ModelConfigFile(Map<String, Map<String, Long>> labels) {
  private static final Set<String> PLATFORMS = Set.of("tensorflow", "onnx", "onnxruntime_onnx");

  public ModelConfigFile {
    labels = Map.copyOf(labels);
  }

  /**
   * Reads and checks a config file, with TF Serving's messages where it has them.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException when it does not parse or breaks a rule
   */
  public static ModelConfigFile read(Path file, Path repository) throws IOException {
    return parse(Files.readString(file), repository);
  }

  /** Parses and checks a config's text; see {@link #read}. */
  static ModelConfigFile parse(String text, Path repository) throws IOException {
    ModelServerConfig.Builder b = ModelServerConfig.newBuilder();
    try {
      TextFormat.Parser.newBuilder().setAllowUnknownFields(true).build().merge(text, b);
    } catch (TextFormat.ParseException e) {
      throw new IllegalArgumentException(
          "cannot parse the model config file: " + e.getMessage(), e);
    }
    ModelServerConfig c = b.build();
    if (c.getConfigCase() != ModelServerConfig.ConfigCase.MODEL_CONFIG_LIST) {
      throw new IllegalArgumentException(
          "the model config file must hold a model_config_list (custom_model_config is not"
              + " supported)");
    }
    Path root = repository.toRealPath();
    Set<String> seen = new HashSet<>();
    Map<String, Map<String, Long>> labels = new HashMap<>();
    for (ModelConfig m : c.getModelConfigList().getConfigList()) {
      String name = m.getName();
      if (!seen.add(name)) {
        throw new IllegalArgumentException(
            "Illegal to list model " + name + " multiple times in config list");
      }
      if (m.getModelPlatform().isEmpty()) {
        throw new IllegalArgumentException(
            "Illegal setting neither ModelServerConfig::model_type (deprecated) nor"
                + " ModelServerConfig::model_platform, model name is "
                + name);
      }
      if (!PLATFORMS.contains(m.getModelPlatform())) {
        throw new IllegalArgumentException(
            "PlatformConfigMap has no entry for platform " + m.getModelPlatform());
      }
      Path dir = Path.of(m.getBasePath());
      if (m.getBasePath().isEmpty()
          || !Files.isDirectory(dir)
          || !dir.toRealPath().equals(root.resolve(name))) {
        throw new IllegalArgumentException(
            "base_path '"
                + m.getBasePath()
                + "' of model "
                + name
                + " is not that model's folder in the model repository");
      }
      if (m.hasModelVersionPolicy()) {
        throw new IllegalArgumentException(
            "model_version_policy of model "
                + name
                + " is not supported: set version_policy in the model's config.pbtxt");
      }
      if (m.getVersionLabelsCount() > 0) {
        labels.put(name, Map.copyOf(m.getVersionLabelsMap()));
      }
    }
    return new ModelConfigFile(labels);
  }

  /**
   * Checks that every label points at a version that is ready, as TF Serving checks it when a
   * config is (re)loaded.
   *
   * @throws IllegalStateException TF's {@code Request to assign label to version <v> of model <m>,
   *     which is not currently available for inference}
   */
  public void checkAvailable(InferenceService service) {
    List<ModelStatus> index = service.index();
    for (Map.Entry<String, Map<String, Long>> m : labels.entrySet()) {
      for (long v : m.getValue().values()) {
        boolean ready =
            index.stream()
                .anyMatch(s ->
                    s.name().equals(m.getKey())
                        && s.version() == v
                        && s.state() == ModelState.READY);
        if (!ready) {
          throw new IllegalStateException(
              "Request to assign label to version "
                  + v
                  + " of model "
                  + m.getKey()
                  + ", which is not currently available for inference");
        }
      }
    }
  }

  /** Returns the labels as the TF transports resolve them. */
  public VersionLabels versionLabels() {
    return VersionLabels.of(labels);
  }
}
