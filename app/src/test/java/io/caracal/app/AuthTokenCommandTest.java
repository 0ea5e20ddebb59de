package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.core.auth.Role;
import io.caracal.security.TokenFileAuthenticator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthTokenCommandTest {
  @TempDir Path dir;

  @Test
  void theTokenItPrintsAuthenticatesAgainstTheLineItPrints() throws Exception {
    Cli run = Cli.run("auth-token", "ci-bot", "infer,read", "--models", "dense*", "--rate", "5");
    assertThat(run.exit()).isZero();
    String[] lines = run.out().strip().split("\n");
    assertThat(lines).hasSize(2);
    String token = lines[0];
    assertThat(token).matches("[A-Za-z0-9_-]{43}");
    assertThat(lines[1])
        .startsWith("ci-bot sha256:")
        .endsWith(" infer,read models=dense* rate=5")
        .doesNotContain(token);
    Path file = dir.resolve("tokens");
    Files.writeString(file, lines[1] + "\n");
    var p = TokenFileAuthenticator.load(file).authenticate(token);
    assertThat(p.name()).isEqualTo("ci-bot");
    assertThat(p.roles()).containsExactlyInAnyOrder(Role.INFER, Role.READ);
    assertThat(p.ratePerSecond()).isEqualTo(5);
    Cli second = Cli.run("auth-token", "ci-bot", "infer");
    assertThat(second.out().strip().split("\n")[0]).isNotEqualTo(token);
  }

  @Test
  void anUnknownRoleIsAUsageErrorAndPrintsNoToken() {
    Cli run = Cli.run("auth-token", "ci-bot", "infer,root");
    assertThat(run.exit()).isNotZero();
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("unknown role 'root'");
  }
}
