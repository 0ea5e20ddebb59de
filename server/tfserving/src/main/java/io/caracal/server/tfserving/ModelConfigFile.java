package io.caracal.server.tfserving;

import com.google.protobuf.TextFormat;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.core.InferenceService;
import io.caracal.core.repository.ModelSpec.VersionPolicy;
import io.caracal.core.repository.RepositoryPaths;
import io.caracal.proto.tfserving.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import io.caracal.proto.tfserving.ModelConfig;
import io.caracal.proto.tfserving.ModelServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * TF Serving's {@code --model_config_file}: a text-format {@code ModelServerConfig} with a {@code
 * model_config_list}, checked with TF Serving's rules and messages ({@code server_core.cc}). Each
 * entry names a model, its folder ({@code base_path}: a Triton model folder, numeric version
 * folders with {@code model.onnx}, {@code config.pbtxt} optional), its platform ({@code
 * tensorflow}, {@code onnx} or {@code onnxruntime_onnx}), an optional {@code model_version_policy}
 * and its {@code version_labels}. A relative {@code base_path} is relative to the working
 * directory, as TF Serving's. Immutable.
 *
 * <p>Used two ways: as the repository itself ({@link #layout}, {@link #policies}), or beside a
 * Triton repository ({@link #checkInside}), where it only labels versions.
 *
 * @param models the entries, in the file's order
 */
public record ModelConfigFile(List<Entry> models) {
  private static final Set<String> PLATFORMS = Set.of("tensorflow", "onnx", "onnxruntime_onnx");

  /**
   * One {@code config} entry.
   *
   * @param name the served model name
   * @param basePath the model's folder, absolute and normalized
   * @param platform its {@code model_platform}
   * @param policy its {@code model_version_policy}, null when the entry has none
   * @param labels label → version
   */
  public record Entry(
      String name,
      Path basePath,
      String platform,
      @org.jspecify.annotations.Nullable VersionPolicy policy,
      Map<String, Long> labels) {
    public Entry {
      labels = Map.copyOf(labels);
    }
  }

  public ModelConfigFile {
    models = List.copyOf(models);
  }

  /**
   * Reads and checks a config file.
   *
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException when it does not parse or breaks a rule
   */
  public static ModelConfigFile read(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  /** Parses and checks a config's text; see {@link #read}. */
  static ModelConfigFile parse(String text) {
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
    return of(c);
  }

  /**
   * Checks a {@code ModelServerConfig} holding a {@code model_config_list} (from the file or from
   * {@code HandleReloadConfigRequest}).
   *
   * @throws IllegalArgumentException when it breaks one of TF Serving's rules
   */
  public static ModelConfigFile of(ModelServerConfig c) {
    Set<String> seen = new HashSet<>();
    List<Entry> entries = new ArrayList<>();
    List<String> raw = new ArrayList<>(); // the base paths as written
    int absolute = 0;
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
      io.caracal.core.repository.ModelNames.problem(name)
          .ifPresent(p -> {
            throw new IllegalArgumentException("model name '" + name + "': " + p);
          });
      if (m.getBasePath().isEmpty()) {
        throw new IllegalArgumentException("base_path of model " + name + " is empty");
      }
      Path base = Path.of(m.getBasePath());
      raw.add(m.getBasePath());
      if (base.isAbsolute()) {
        absolute++;
      }
      entries.add(
          new Entry(
              name,
              base.toAbsolutePath().normalize(),
              m.getModelPlatform(),
              m.hasModelVersionPolicy() ? policy(name, m.getModelVersionPolicy()) : null,
              m.getVersionLabelsMap()));
    }
    if (absolute != 0 && absolute != entries.size()) {
      // TF's server_core.cc: all absolute or all relative; it names the first entry that differs
      boolean firstAbsolute = Path.of(raw.get(0)).isAbsolute();
      for (int i = 0; i < raw.size(); i++) {
        if (Path.of(raw.get(i)).isAbsolute() != firstAbsolute) {
          throw new IllegalArgumentException(
              "Expected model "
                  + entries.get(i).name()
                  + (firstAbsolute
                      ? " to have an absolute path or URI; got base_path()="
                      : " to have a relative path; got base_path()=")
                  + raw.get(i));
        }
      }
    }
    return new ModelConfigFile(entries);
  }

  private static VersionPolicy policy(String model, ServableVersionPolicy p) {
    return switch (p.getPolicyChoiceCase()) {
      // TF Serving treats num_versions 0 as 1
      case LATEST -> new VersionPolicy.Latest(Math.max(1, p.getLatest().getNumVersions()));
      case ALL -> new VersionPolicy.All();
      case SPECIFIC -> {
        if (p.getSpecific().getVersionsCount() == 0) {
          throw new IllegalArgumentException(
              "model_version_policy of model " + model + " names no specific version");
        }
        for (long v : p.getSpecific().getVersionsList()) {
          if (v < 1) {
            throw new IllegalArgumentException(
                "model_version_policy of model " + model + ": version " + v + " is not valid");
          }
        }
        yield new VersionPolicy.Specific(p.getSpecific().getVersionsList());
      }
      case POLICYCHOICE_NOT_SET -> new VersionPolicy.Latest(1);
    };
  }

  /** Returns the layout this list describes as a repository: model → {@code base_path}. */
  public RepositoryPaths layout() {
    Map<String, Path> folders = new LinkedHashMap<>();
    models.forEach(e -> folders.put(e.name(), e.basePath()));
    return RepositoryPaths.of(folders);
  }

  /** Returns the {@code model_version_policy} of the entries that set one. */
  public Map<String, VersionPolicy> policies() {
    Map<String, VersionPolicy> out = new LinkedHashMap<>();
    models.forEach(e -> {
      if (e.policy() != null) {
        out.put(e.name(), e.policy());
      }
    });
    return out;
  }

  /**
   * Checks the list as labels beside a Triton repository: each entry must name a model of the
   * repository with {@code base_path} its folder there, and set no version policy (the model's
   * {@code config.pbtxt} does).
   *
   * @throws IOException when the repository cannot be resolved
   * @throws IllegalArgumentException when an entry breaks that rule
   */
  public void checkInside(Path repository) throws IOException {
    Path root = repository.toRealPath();
    for (Entry m : models) {
      if (!Files.isDirectory(m.basePath())
          || !m.basePath().toRealPath().equals(root.resolve(m.name()))) {
        throw new IllegalArgumentException(
            "base_path '"
                + m.basePath()
                + "' of model "
                + m.name()
                + " is not that model's folder in the model repository");
      }
      if (m.policy() != null) {
        throw new IllegalArgumentException(
            "model_version_policy of model "
                + m.name()
                + " is not supported beside --model-repository: set version_policy in the"
                + " model's config.pbtxt");
      }
    }
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
    for (Entry m : models) {
      for (long v : m.labels().values()) {
        boolean ready =
            index.stream()
                .anyMatch(s ->
                    s.name().equals(m.name()) && s.version() == v && s.state() == ModelState.READY);
        if (!ready) {
          throw new IllegalStateException(
              "Request to assign label to version "
                  + v
                  + " of model "
                  + m.name()
                  + ", which is not currently available for inference");
        }
      }
    }
  }

  /** Returns the labels as the TF transports resolve them. */
  public VersionLabels versionLabels() {
    Map<String, Map<String, Long>> labels = new LinkedHashMap<>();
    models.forEach(e -> {
      if (!e.labels().isEmpty()) {
        labels.put(e.name(), e.labels());
      }
    });
    return VersionLabels.of(labels);
  }
}
