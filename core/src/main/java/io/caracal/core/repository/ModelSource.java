package io.caracal.core.repository;

import io.caracal.api.backend.BackendFactory;
import io.caracal.core.repository.ModelSpec.VersionPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a repository scan found for one model folder: either what to load, or why nothing can be
 * loaded. Immutable.
 */
public sealed interface ModelSource {

  /** Returns the folder name (for {@link Invalid}, possibly not a valid model name). */
  String name();

  /** The folder cannot be served; {@code reason} is fit for the model's status. */
  record Invalid(String name, String reason) implements ModelSource {
    public Invalid {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * A model to load.
   *
   * @param name the model name (valid)
   * @param config the parsed {@code config.pbtxt}; empty when the folder has none
   * @param configSource the config file relative to the repository ({@code simple/config.pbtxt}),
   *     or the model name when there is no config; used in messages
   * @param factory the backend that loads it
   * @param versionPolicy the version policy
   * @param instanceCount instances per version
   * @param versions the versions the policy selects, newest last
   */
  record Found(
      String name,
      Optional<io.caracal.proto.inference.ModelConfig> config,
      String configSource,
      BackendFactory factory,
      VersionPolicy versionPolicy,
      int instanceCount,
      List<VersionSource> versions)
      implements ModelSource {
    public Found {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(configSource, "configSource");
      Objects.requireNonNull(factory, "factory");
      Objects.requireNonNull(versionPolicy, "versionPolicy");
      versions = List.copyOf(versions);
    }
  }

  /** One selected version. */
  sealed interface VersionSource {
    /** Returns the version number (at least 1). */
    long version();

    /** The version's model file was found (a real path inside the repository). */
    record Loadable(long version, Path file) implements VersionSource {
      public Loadable {
        Objects.requireNonNull(file, "file");
      }
    }

    /** The version cannot be loaded. */
    record Broken(long version, String reason) implements VersionSource {
      public Broken {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }
}
