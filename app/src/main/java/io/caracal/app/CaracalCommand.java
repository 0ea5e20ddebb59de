package io.caracal.app;

import java.io.PrintWriter;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import picocli.AutoComplete.GenerateCompletion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code caracal} command: {@code serve}, {@code encrypt} (a model file for the repository),
 * {@code auth-token} (a bearer token and its tokens file line), {@code generate-completion} (a
 * bash/zsh completion script) and {@code help}. Without a command it prints its usage and exits 2.
 */
@Command(
    name = "caracal",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    customSynopsis = {
      "caracal serve --model-repository DIR [OPTIONS]",
      "       caracal encrypt --key-file FILE [--key-id ID] MODEL_FILE",
      "       caracal auth-token NAME ROLES [--models GLOBS] [--rate N]",
      "       caracal generate-completion",
      "       caracal [-hV] [COMMAND]"
    },
    description = {
      "",
      "Serves the ONNX models of a Triton-layout model repository over the KServe V2",
      "(Open Inference Protocol) REST and gRPC APIs. 'caracal serve --help' lists every option.",
      ""
    },
    commandListHeading = "%nCommands:%n",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:help, version, or a clean shutdown (SIGTERM, SIGINT)",
      "1:the server could not start",
      "2:usage error: unknown option, bad value"
    })
final class CaracalCommand implements Callable<Integer> {
  @Spec @Nullable CommandSpec spec; // set by picocli

  private CaracalCommand() {}

  /** Prints the usage: no command was given. */
  @Override
  public Integer call() {
    CommandLine cmd = Objects.requireNonNull(spec, "spec").commandLine();
    cmd.usage(cmd.getOut());
    return cmd.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** Returns the whole command line, writing to {@code out} and {@code err}. */
  static CommandLine commandLine(
      Map<String, String> environment,
      ToIntFunction<ServerSettings> server,
      PrintWriter out,
      PrintWriter err) {
    return new CommandLine(new CaracalCommand())
        .addSubcommand(ServeCommand.commandLine(environment, server))
        .addSubcommand(new CommandLine(new EncryptCommand(new java.security.SecureRandom())))
        .addSubcommand(AuthTokenCommand.commandLine(new java.security.SecureRandom()))
        .addSubcommand(new GenerateCompletion())
        .addSubcommand(new HelpCommand())
        .setOut(out)
        .setErr(err)
        .setExpandAtFiles(false) // an argument starting with @ is a value, not a file of arguments
        .setOverwrittenOptionsAllowed(true) // as before: the last --http-port wins
        .setParameterExceptionHandler(new UsageErrors());
  }
}
