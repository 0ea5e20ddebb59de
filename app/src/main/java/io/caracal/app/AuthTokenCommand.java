package io.caracal.app;

import io.caracal.core.auth.Role;
import io.caracal.security.TokenFile;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code caracal auth-token NAME ROLES}: makes a random token (32 bytes, base64url) and the tokens
 * file line that stores only its salted SHA-256; prints the token on the first line (give it to the
 * client) and the line on the second (append it to {@code --auth-file}).
 */
@Command(
    name = "auth-token",
    mixinStandardHelpOptions = true,
    description = {
      "Prints a new random bearer token, then the --auth-file line that stores its salted hash.",
      ""
    })
final class AuthTokenCommand implements Callable<Integer> {
  private final SecureRandom random;
  @Spec @Nullable CommandSpec spec; // set by picocli

  @Parameters(index = "0", paramLabel = "NAME", description = "the principal's name")
  String name = "";

  @Parameters(
      index = "1",
      paramLabel = "ROLES",
      description = "comma-separated roles: infer, read, admin")
  String roles = "";

  @Option(
      names = "--models",
      paramLabel = "GLOB[,GLOB...]",
      description = "limit the infer role to these model-name patterns")
  String models = "";

  @Option(
      names = "--rate",
      paramLabel = "N",
      description = "the principal's inference calls per second per model")
  String rate = "";

  AuthTokenCommand(SecureRandom random) {
    this.random = random;
  }

  @Override
  public Integer call() {
    CommandLine cmd = Objects.requireNonNull(spec, "spec").commandLine();
    for (String r : roles.split(",")) {
      Role.parse(r); // an unknown role is refused before anything is printed
    }
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    String line =
        TokenFile.line(name, token, salt, roles)
            + (models.isEmpty() ? "" : " models=" + models)
            + (rate.isEmpty() ? "" : " rate=" + rate);
    TokenFile.parse(line); // the line must read back: names, globs and rate are checked here
    cmd.getOut().println(token);
    cmd.getOut().println(line);
    cmd.getOut().flush();
    return 0;
  }

  /** The subcommand's command line. */
  static CommandLine commandLine(SecureRandom random) {
    return new CommandLine(new AuthTokenCommand(random));
  }
}
