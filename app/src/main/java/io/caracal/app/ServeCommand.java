package io.caracal.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code caracal serve}: merges the command line, the environment and the configuration file into
 * {@link ServerSettings} and hands them to the server. The options are the fields of {@link
 * ServerSettings.Builder} (a mixin) plus {@code --config}.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    usageHelpWidth = 100,
    customSynopsis = "caracal serve --model-repository DIR [OPTIONS]",
    description = {"Serves a Triton-layout model repository over KServe V2 REST and gRPC.", ""},
    optionListHeading = "Options:%n",
    footerHeading = "%nEnvironment and configuration file:%n",
    footer = {
      "Every option is also an environment variable, --http-port is CARACAL_HTTP_PORT,",
      "and a key of the properties file given with --config FILE: http-port=8000.",
      "The command line wins over the environment, which wins over the file, which",
      "wins over the default. An unknown key in the file is an error; an unknown",
      "CARACAL_* variable only a warning (Kubernetes sets CARACAL_PORT,",
      "CARACAL_SERVICE_HOST, ... in pods next to a Service named caracal)."
    })
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  @Option(
      names = SettingSources.CONFIG,
      paramLabel = "FILE",
      description =
          "read settings from this properties file, keys spelled as the options (http-port=8000)")
  @Nullable Path config;

  @Mixin final ServerSettings.Builder settings = new ServerSettings.Builder();

  @Spec @Nullable CommandSpec spec; // set by picocli

  private final SettingSources sources;
  private final ToIntFunction<ServerSettings> server;

  private ServeCommand(SettingSources sources, ToIntFunction<ServerSettings> server) {
    this.sources = sources;
    this.server = server;
  }

  /**
   * Returns the {@code serve} command line: options not given take their value from {@code
   * environment}, then the configuration file, then their default; valid settings go to {@code
   * server}, which returns the exit code.
   */
  static CommandLine commandLine(
      Map<String, String> environment, ToIntFunction<ServerSettings> server) {
    SettingSources sources = new SettingSources(environment);
    CommandLine serve = new CommandLine(new ServeCommand(sources, server));
    serve.setDefaultValueProvider(sources);
    serve.setHelpFactory(new SettingsHelp());
    OptionValues.register(serve);
    return serve;
  }

  /** Validates the merged settings and runs the server; returns its exit code. */
  @Override
  public Integer call() {
    CommandSpec command = Objects.requireNonNull(spec, "spec");
    ServerSettings validated;
    try {
      validated = settings.build();
    } catch (IllegalArgumentException e) {
      String message = String.valueOf(e.getMessage());
      throw new ParameterException(command.commandLine(), message + origin(command, message), e);
    }
    List<String> unknown = sources.unknownVariables(command);
    if (!unknown.isEmpty()) {
      log.warn(
          "ignoring environment variables that name no caracal setting: {}",
          String.join(", ", unknown));
    }
    return server.applyAsInt(validated);
  }

  /**
   * Returns where the setting a validation message starts with came from, when not the command
   * line.
   */
  private static String origin(CommandSpec command, String message) {
    return SettingSources.settings(command)
        .filter(o ->
            message.startsWith(SettingSources.key(o) + " ")
                || message.startsWith(SettingSources.key(o) + ":"))
        .findFirst()
        .map(o -> UsageErrors.origin(command.commandLine(), o))
        .orElse("");
  }
}
