package io.caracal.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * Triton's flags that Caracal has no setting of its own for, accepted on {@code caracal serve} so
 * that command lines copied from Triton (KServe's {@code kserve-tritonserver} runtime, Seldon's
 * {@code triton} server, InferenceService {@code args}) start instead of failing with a usage
 * error. A few are mapped onto a Caracal setting when that setting was not given itself ({@code
 * --model-store}, {@code --id}, {@code --model-load-thread-count}, {@code --http-address}); the
 * others are ignored with one warning each, saying why. Like every option, each is also a {@code
 * CARACAL_*} variable and a key of the configuration file (README, Configuration). The options are
 * added to the command from one table, {@link #FLAGS}.
 */
final class TritonFlags {
  /** One Triton flag: its name, value label, and what Caracal does with it. */
  record Flag(String name, String paramLabel, String meaning, @Nullable Mapping mapping) {}

  /** A flag that sets a Caracal option when that option was given nowhere else. */
  record Mapping(String option, BiConsumer<ServerSettings.Builder, String> apply) {}

  static final List<Flag> FLAGS =
      List.of(
          mapped(
              "--model-store",
              "DIR",
              "Triton's older name of --model-repository",
              "--model-repository",
              (b, v) -> b.modelRepository(Path.of(v))),
          mapped(
              "--id",
              "NAME",
              "Triton's server id: sets --server-name",
              "--server-name",
              ServerSettings.Builder::serverName),
          mapped(
              "--model-load-thread-count",
              "N",
              "Triton's spelling of --load-threads",
              "--load-threads",
              (b, v) -> b.loadThreads(Integer.parseInt(v))),
          mapped(
              "--http-address",
              "ADDR",
              "Triton's HTTP bind address: sets --host (one address for every listener)",
              "--host",
              ServerSettings.Builder::host),
          ignored("--grpc-address", "ADDR", "every listener binds --host"),
          ignored("--metrics-address", "ADDR", "every listener binds --host"),
          ignored("--allow-http", "BOOL", "HTTP is always served"),
          ignored("--allow-grpc", "BOOL", "gRPC is always served"),
          ignored(
              "--strict-model-config",
              "BOOL",
              "configs are always auto-completed from the model file and checked against it"),
          ignored(
              "--disable-auto-complete-config",
              "BOOL",
              "configs are always auto-completed from the model file and checked against it"),
          ignored(
              "--log-verbose",
              "LEVEL",
              "set CARACAL_LOG_LEVEL=debug, or use the logging API (POST /v2/logging)"),
          ignored("--log-info", "BOOL", "set CARACAL_LOG_LEVEL, or use the logging API"),
          ignored("--log-warning", "BOOL", "set CARACAL_LOG_LEVEL, or use the logging API"),
          ignored("--log-error", "BOOL", "set CARACAL_LOG_LEVEL, or use the logging API"),
          ignored("--log-format", "FORMAT", "the log format is logback's (standard output)"),
          ignored("--log-file", "FILE", "logs go to standard output"),
          ignored("--exit-on-error", "BOOL", "a model that fails to load never stops the server"),
          ignored(
              "--http-thread-count",
              "N",
              "HTTP runs on Netty's event loops (one per core) and hands inference to the scheduler"),
          ignored(
              "--grpc-infer-allocation-pool-size", "N", "gRPC messages are not pooled this way"),
          ignored("--reuse-http-port", "BOOL", "the port is bound once"),
          ignored("--reuse-grpc-port", "BOOL", "the port is bound once"),
          ignored("--allow-sagemaker", "BOOL", "the SageMaker API is not served"),
          ignored("--allow-vertex-ai", "BOOL", "the Vertex AI API is not served"),
          ignored("--allow-gpu-metrics", "BOOL", "there are no GPU metrics (CPU only)"),
          ignored("--allow-cpu-metrics", "BOOL", "process metrics are always on /metrics"),
          ignored("--metrics-interval-ms", "MS", "metrics are read when scraped"),
          ignored("--repoagent-directory", "DIR", "repository agents are not supported"),
          ignored("--backend-config", "BACKEND,KEY=VALUE", "use a model's config parameters"),
          ignored("--buffer-manager-thread-count", "N", "no buffer manager threads"),
          ignored("--pinned-memory-pool-byte-size", "BYTES", "no pinned memory (CPU only)"),
          ignored("--cuda-memory-pool-byte-size", "GPU:BYTES", "no CUDA (CPU only)"),
          ignored("--min-supported-compute-capability", "CC", "no CUDA (CPU only)"),
          ignored("--rate-limit", "MODE", "use queue policies and --queue-capacity"),
          ignored("--model-load-retry-count", "N", "a failed load is retried by the next load"));

  private TritonFlags() {}

  private static Flag ignored(String name, String label, String why) {
    return new Flag(name, label, why, null);
  }

  private static Flag mapped(
      String name,
      String label,
      String meaning,
      String option,
      BiConsumer<ServerSettings.Builder, String> apply) {
    return new Flag(name, label, meaning, new Mapping(option, apply));
  }

  /** Adds every flag of {@link #FLAGS} to {@code serve}, after its own options. */
  static void register(CommandSpec serve) {
    for (Flag f : FLAGS) {
      serve.addOption(
          OptionSpec.builder(f.name())
              .paramLabel(f.paramLabel())
              .arity("1")
              .type(String.class)
              .description(
                  f.mapping() == null
                      ? "Triton's flag, accepted and ignored (logged): " + f.meaning()
                      : f.meaning() + ", unless that is given")
              .build());
    }
  }

  /**
   * Applies the mapped flags that were given to {@code settings} (unless the option they map to was
   * given itself, on the command line, in the environment or in the file), and returns one warning
   * per ignored flag that was given.
   *
   * @throws ParameterException naming the flag when a mapped value is not valid
   */
  static List<String> apply(
      CommandSpec serve, ServerSettings.Builder settings, SettingSources sources) {
    List<String> warnings = new ArrayList<>();
    for (Flag f : FLAGS) {
      OptionSpec option = serve.findOption(f.name());
      String value = option.getValue();
      if (value == null || value.isBlank()) {
        continue;
      }
      Mapping m = f.mapping();
      String shown = f.name() + "=" + value + UsageErrors.origin(serve.commandLine(), option);
      if (m == null) {
        warnings.add("ignoring Triton's " + shown + ": " + f.meaning());
      } else if (given(serve, m.option(), sources)) {
        warnings.add("ignoring Triton's " + shown + ": " + m.option() + " is given");
      } else {
        try {
          m.apply().accept(settings, value.strip());
        } catch (IllegalArgumentException e) {
          throw new ParameterException(
              serve.commandLine(),
              SettingSources.key(option)
                  + ": '"
                  + value
                  + "' is not valid for "
                  + m.option()
                  + UsageErrors.origin(serve.commandLine(), option),
              e);
        }
      }
    }
    return warnings;
  }

  private static boolean given(CommandSpec serve, String name, SettingSources sources) {
    OptionSpec option = Objects.requireNonNull(serve.findOption(name), name);
    return serve.commandLine().getParseResult().hasMatchedOption(option)
        || sources.origin(option).isPresent();
  }
}
