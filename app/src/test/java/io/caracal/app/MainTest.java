package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return Main.run(
        List.of(args),
        Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void noArguments_printsUsageAndExits2() {
    assertThat(run()).isEqualTo(2);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("caracal serve --model-repository DIR");
  }

  @Test
  void serveHelp_listsOptions() {
    assertThat(run("serve", "--help")).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--http-port PORT");
  }

  @Test
  void unknownCommand_exits2() {
    assertThat(run("launch")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'launch'");
  }

  @Test
  void usageError_exits2WithMessage() {
    assertThat(run("serve", "--model-repository", "/m", "--bogus", "1")).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown flag --bogus");
  }
}
