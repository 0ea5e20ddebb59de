package io.caracal.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * Where a {@code caracal serve} option that is not on the command line takes its value: the
 * environment variable derived from its flag ({@code --http-port}: {@code CARACAL_HTTP_PORT}), else
 * the configuration file's key spelled as the flag ({@code http-port=8000}), else picocli keeps the
 * option's default. So the precedence is command line, then environment, then file, then default.
 *
 * <p>The configuration file is {@code --config FILE}, else {@code CARACAL_CONFIG}. It is read when
 * picocli asks for the first default of a parse, which is after the flags (so {@code --config} is
 * known), and an unknown key in it is a usage error naming file and key. An unknown {@code
 * CARACAL_*} variable is not an error: Kubernetes sets {@code CARACAL_PORT}, {@code
 * CARACAL_SERVICE_HOST}, ... in pods that share a namespace with a Service named {@code caracal};
 * {@link #unknownVariables} lists them for a warning.
 */
final class SettingSources implements IDefaultValueProvider {
  /** The flag naming the configuration file; it is not a key of the file itself. */
  static final String CONFIG = "--config";

  private static final String PREFIX = "CARACAL_";

  /**
   * {@code CARACAL_*} variables that are not options: read by logback, {@code bin/caracal} and the
   * tests.
   */
  private static final Set<String> OTHER_VARIABLES =
      Set.of(
          "CARACAL_LOG_LEVEL",
          "CARACAL_ACCESS_LOG_LEVEL",
          "CARACAL_JAVA_OPTS",
          "CARACAL_NATIVE_CACHE",
          "CARACAL_CDS",
          "CARACAL_CDS_DIR",
          "CARACAL_SHARED");

  private final Map<String, String> environment;
  private @Nullable ConfigFile file; // the file read last
  private final Map<String, String> origins = new HashMap<>(); // flag -> where its value came from

  SettingSources(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  @Override
  public @Nullable String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option)
        || !isSetting(option)
        || helpRequested(option.command())) {
      return null; // help and version work whatever the environment and the file hold
    }
    Map<String, String> fromFile =
        configFile(option.command()); // read, and checked, at the first lookup
    String fromEnvironment = environment.get(environmentVariable(option));
    if (fromEnvironment != null) {
      origins.put(option.longestName(), "environment variable " + environmentVariable(option));
      return fromEnvironment;
    }
    String fromFileValue = option.longestName().equals(CONFIG) ? null : fromFile.get(key(option));
    if (fromFileValue != null) {
      origins.put(option.longestName(), "configuration file " + configPath(option.command()));
    }
    return fromFileValue;
  }

  /**
   * Returns where this parse took the option's value from when it was not on the command line, e.g.
   * {@code environment variable CARACAL_HTTP_PORT}, for error messages.
   */
  Optional<String> origin(OptionSpec option) {
    return Optional.ofNullable(origins.get(option.longestName()));
  }

  /**
   * Returns the {@code CARACAL_*} variables of the environment that name no option, sorted, each
   * with the variable it is likely a typo of.
   */
  List<String> unknownVariables(CommandSpec serve) {
    Set<String> known =
        settings(serve).map(SettingSources::environmentVariable).collect(Collectors.toSet());
    List<String> suffixes =
        settings(serve).map(o -> environmentVariable(o).substring(PREFIX.length())).toList();
    return environment.keySet().stream()
        .filter(v -> v.startsWith(PREFIX) && !known.contains(v) && !OTHER_VARIABLES.contains(v))
        .sorted()
        .map(v ->
            v
                + Suggestions.hint(
                    Suggestions.typo(v.substring(PREFIX.length()), suffixes)
                        .map(s -> PREFIX + s)
                        .stream()
                        .toList()))
        .toList();
  }

  private static boolean helpRequested(CommandSpec serve) {
    return serve.commandLine().isUsageHelpRequested()
        || serve.commandLine().isVersionHelpRequested();
  }

  /** Returns the options of {@code serve} that are settings: all but help and version. */
  static Stream<OptionSpec> settings(CommandSpec serve) {
    return serve.options().stream().filter(SettingSources::isSetting);
  }

  /**
   * Returns whether the option is a setting, that is neither {@code --help} nor {@code --version}.
   */
  static boolean isSetting(OptionSpec option) {
    return !option.usageHelp() && !option.versionHelp();
  }

  /** Returns the option's key in the configuration file, e.g. {@code http-port}. */
  static String key(OptionSpec option) {
    return option.longestName().substring(2);
  }

  /** Returns the option's environment variable, e.g. {@code CARACAL_HTTP_PORT}. */
  static String environmentVariable(OptionSpec option) {
    return PREFIX + key(option).replace('-', '_').toUpperCase(Locale.ROOT);
  }

  private Map<String, String> configFile(CommandSpec serve) {
    Path path = configPath(serve);
    if (path == null) {
      return Map.of();
    }
    ConfigFile read = file;
    if (read == null || !read.path().equals(path)) {
      read = ConfigFile.read(path, serve);
      file = read;
    }
    return read.values();
  }

  private @Nullable Path configPath(CommandSpec serve) {
    OptionSpec config = serve.findOption(CONFIG);
    Path flag = config.getValue();
    if (flag != null) {
      return flag;
    }
    String variable = environment.get(environmentVariable(config));
    return variable == null || variable.isBlank() ? null : Path.of(variable.strip());
  }

  /** A configuration file's entries, every key checked against the options. */
  private record ConfigFile(Path path, Map<String, String> values) {
    static ConfigFile read(Path path, CommandSpec serve) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException
          | IllegalArgumentException e) { // IllegalArgumentException: a malformed \\uXXXX escape
        String why = e instanceof NoSuchFileException ? "no such file" : e.getMessage();
        throw new ParameterException(
            serve.commandLine(), "cannot read configuration file " + path + ": " + why);
      }
      List<String> keys =
          settings(serve)
              .filter(o -> !o.longestName().equals(CONFIG))
              .map(SettingSources::key)
              .toList();
      List<String> unknown =
          p.stringPropertyNames().stream()
              .filter(k -> !keys.contains(k))
              .sorted()
              .map(k -> "'" + k + "'" + Suggestions.hint(Suggestions.similar(k, keys)))
              .toList();
      if (!unknown.isEmpty()) {
        throw new ParameterException(
            serve.commandLine(),
            "configuration file "
                + path
                + " has unknown "
                + (unknown.size() == 1 ? "key " : "keys ")
                + String.join(", ", unknown));
      }
      return new ConfigFile(
          path,
          p.stringPropertyNames().stream()
              .collect(Collectors.toUnmodifiableMap(k -> k, p::getProperty)));
    }
  }
}
