package io.caracal.app;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reports a usage error: one line naming the command and what is wrong, with the closest known
 * option or command for an unknown one, then where to find help; no stack trace, no usage dump. The
 * exit code is picocli's for invalid input, 2.
 *
 * <pre>
 * caracal serve: unknown option '--htp-port' (did you mean --http-port?)
 * Run 'caracal serve --help' for every option.
 * </pre>
 */
final class UsageErrors implements IParameterExceptionHandler {
  @Override
  public int handleParseException(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    CommandSpec spec = cmd.getCommandSpec();
    PrintWriter err = cmd.getErr();
    err.println(spec.qualifiedName() + ": " + message(ex));
    err.println(
        "Run '"
            + spec.qualifiedName()
            + " --help' for "
            + (spec.subcommands().isEmpty() ? "every option." : "usage."));
    err.flush();
    return spec.exitCodeOnInvalidInput();
  }

  /** Returns what the user did wrong, in one line. */
  static String message(ParameterException ex) {
    if (ex instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
      return unmatched(unmatched);
    }
    if (ex.getCause() instanceof TypeConversionException wrongKind
        && ex.getArgSpec() instanceof OptionSpec option) {
      // "http-port must be a whole number, got 'x' (from environment variable CARACAL_HTTP_PORT)"
      return SettingSources.key(option)
          + " "
          + wrongKind.getMessage()
          + origin(ex.getCommandLine(), option);
    }
    return String.valueOf(ex.getMessage());
  }

  /**
   * Returns {@code " (from <where>)"} when the option's value did not come from the command line,
   * else "".
   */
  static String origin(CommandLine cmd, OptionSpec option) {
    return cmd.getDefaultValueProvider() instanceof SettingSources sources
        ? sources.origin(option).map(o -> " (from " + o + ")").orElse("")
        : "";
  }

  private static String unmatched(UnmatchedArgumentException ex) {
    String arg = ex.getUnmatched().get(0);
    CommandSpec spec = ex.getCommandLine().getCommandSpec();
    if (ex.isUnknownOption()) {
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      List<String> known =
          spec.options().stream()
              .filter(o -> !o.hidden())
              .map(o -> undashed(o.longestName()))
              .toList();
      List<String> similar =
          Suggestions.similar(undashed(name), known).stream().map(k -> "--" + k).toList();
      return "unknown option '" + name + "'" + Suggestions.hint(similar);
    }
    if (!spec.subcommands().isEmpty()) {
      List<String> known = List.copyOf(spec.subcommands().keySet());
      return "unknown command '" + arg + "'" + Suggestions.hint(Suggestions.similar(arg, known));
    }
    return "unexpected argument '" + arg + "'";
  }

  private static String undashed(String name) {
    return name.replaceFirst("^-+", "");
  }
}
