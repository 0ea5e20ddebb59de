package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MainTest {
  @Test
  void noArguments_printsUsageAndExits2() {
    Cli run = Cli.run();
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.out())
        .contains("caracal serve --model-repository DIR")
        .contains("generate-completion");
  }

  @Test
  void help_listsCommandsAndExitCodes() {
    for (String help : new String[] {"--help", "-h", "help"}) {
      Cli run = Cli.run(help);
      assertThat(run.exit()).as(help).isZero();
      assertThat(run.out()).as(help).contains("serve", "generate-completion", "Exit codes:");
    }
  }

  @Test
  void serveHelp_listsOptions() {
    for (String[] args : new String[][] {{"serve", "--help"}, {"serve", "-h"}, {"help", "serve"}}) {
      Cli run = Cli.run(args);
      assertThat(run.exit()).isZero();
      assertThat(run.out()).contains("--http-port=PORT", "Default: 8000; env: CARACAL_HTTP_PORT");
    }
  }

  @Test
  void serveHelp_winsOverOtherErrors() {
    assertThat(Cli.run("serve", "--bogus", "--help").exit()).isZero();
    Map<String, String> broken =
        Map.of("CARACAL_CONFIG", "/no/such/file", "CARACAL_HTTP_PORT", "eighty");
    assertThat(Cli.run(broken, "serve", "--help").exit()).isZero();
    assertThat(Cli.run(broken, "serve", "--version").exit()).isZero();
  }

  @Test
  void version_printsTheVersion() {
    for (String[] args : new String[][] {{"--version"}, {"-V"}, {"serve", "--version"}}) {
      Cli run = Cli.run(args);
      assertThat(run.exit()).isZero();
      assertThat(run.out()).isEqualTo("caracal " + Version.current() + System.lineSeparator());
    }
  }

  @Test
  void generateCompletion_printsABashScriptForEveryCommandAndOption() {
    Cli run = Cli.run("generate-completion");
    assertThat(run.exit()).isZero();
    assertThat(run.out())
        .startsWith("#!/usr/bin/env bash")
        .contains("complete -F _complete_caracal", "function _picocli_caracal_serve()")
        .contains("'--http-port'", "'--model-repository'", "'--config'")
        .contains("(\"none\" \"poll\" \"explicit\") # --model-control-mode values");
  }

  @Test
  void unknownCommand_exits2AndSuggestsTheClosest() {
    Cli launch = Cli.run("launch");
    assertThat(launch.exit()).isEqualTo(2);
    assertThat(launch.err()).contains("unknown command 'launch'").doesNotContain("did you mean");
    assertThat(Cli.run("server").err())
        .startsWith("caracal: unknown command 'server' (did you mean serve?)");
  }

  @Test
  void usageError_exits2WithOneLineAndNoStackTrace() {
    // picocli's wording: "unknown option", where the hand-written parser said "unknown flag"
    Cli run = Cli.run("serve", "--model-repository", "/m", "--bogus", "1");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err())
        .isEqualTo(
            """
            caracal serve: unknown option '--bogus'
            Run 'caracal serve --help' for every option.
            """
                .replace("\n", System.lineSeparator()));
    assertThat(run.served()).isNull();
  }

  @Test
  void serve_handsTheSettingsToTheServerAndExitsWithItsCode() {
    int exit =
        Main.run(
            java.util.List.of("serve", "--model-repository", "/m"),
            Map.of(),
            System.out,
            System.err,
            settings -> settings.modelRepository().toString().equals("/m") ? 1 : 0);
    assertThat(exit).isEqualTo(1);
  }
}
