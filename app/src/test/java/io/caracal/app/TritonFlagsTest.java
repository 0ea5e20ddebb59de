package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Triton's flags on {@code caracal serve}: command lines of KServe's and Seldon's Triton runtimes
 * start, mapped flags set the Caracal option unless it is given, the others are ignored with a
 * warning that says why.
 */
class TritonFlagsTest {
  private static final Map<String, String> NO_ENV = Map.of();

  @Test
  void kserveTritonRuntimeCommandLine_starts() {
    // kserve/kserve config/runtimes/kserve-tritonserver.yaml, after "tritonserver"
    ServerSettings s =
        Cli.settings(
            NO_ENV,
            "--model-store=/mnt/models",
            "--grpc-port=9000",
            "--http-port=8080",
            "--allow-grpc=true",
            "--allow-http=true",
            "--strict-model-config=false",
            "--log-verbose=1",
            "--http-thread-count=8");
    assertThat(s.modelRepository()).isEqualTo(Path.of("/mnt/models"));
    assertThat(s.httpPort()).isEqualTo(8080);
    assertThat(s.grpcPort()).isEqualTo(9000);
  }

  @Test
  void seldonTritonCommandLine_starts() {
    ServerSettings s =
        Cli.settings(
            NO_ENV,
            "--model-repository=/mnt/agent/models",
            "--http-port=9000",
            "--grpc-port=9500",
            "--log-verbose=1",
            "--model-control-mode=explicit");
    assertThat(s.modelRepository()).isEqualTo(Path.of("/mnt/agent/models"));
  }

  @Test
  void mappedFlags_setTheirOption_unlessThatIsGivenAnywhere() {
    ServerSettings mapped =
        Cli.settings(
            NO_ENV,
            "--model-store=/store",
            "--id=triton",
            "--model-load-thread-count=3",
            "--http-address=0.0.0.0");
    assertThat(mapped.modelRepository()).isEqualTo(Path.of("/store"));
    assertThat(mapped.serverName()).isEqualTo("triton");
    assertThat(mapped.loadThreads()).isEqualTo(3);
    assertThat(mapped.host()).isEqualTo("0.0.0.0");

    ServerSettings flagWins =
        Cli.settings(NO_ENV, "--model-store=/store", "--model-repository=/repo", "--id=triton");
    assertThat(flagWins.modelRepository()).isEqualTo(Path.of("/repo"));
    ServerSettings environmentWins =
        Cli.settings(
            Map.of("CARACAL_MODEL_REPOSITORY", "/env", "CARACAL_SERVER_NAME", "caracal-env"),
            "--model-store=/store",
            "--id=triton");
    assertThat(environmentWins.modelRepository()).isEqualTo(Path.of("/env"));
    assertThat(environmentWins.serverName()).isEqualTo("caracal-env");
    ServerSettings fromEnvironment = Cli.settings(Map.of("CARACAL_MODEL_STORE", "/store-env"));
    assertThat(fromEnvironment.modelRepository()).isEqualTo(Path.of("/store-env"));
  }

  @Test
  void badMappedValue_isAUsageErrorNamingTheFlag() {
    assertThat(Cli.usageError(NO_ENV, "--model-repository=/m", "--model-load-thread-count=many"))
        .isEqualTo(
            "caracal serve: model-load-thread-count: 'many' is not valid for --load-threads");
    assertThat(
            Cli.usageError(Map.of("CARACAL_MODEL_LOAD_THREAD_COUNT", "x"), "--model-repository=/m"))
        .endsWith("(from environment variable CARACAL_MODEL_LOAD_THREAD_COUNT)");
  }

  @Test
  void ignoredFlags_andOverriddenMappings_areEachOneWarning() {
    List<String> warnings =
        warnings(
            "--model-repository=/repo",
            "--model-store=/store",
            "--strict-model-config=false",
            "--log-verbose=1",
            "--log-verbose=2",
            "--allow-http=true");
    assertThat(warnings)
        .containsExactly(
            "ignoring Triton's --model-store=/store: --model-repository is given",
            "ignoring Triton's --allow-http=true: HTTP is always served",
            "ignoring Triton's --strict-model-config=false: configs are always auto-completed"
                + " from the model file and checked against it",
            "ignoring Triton's --log-verbose=2: set CARACAL_LOG_LEVEL=debug, or use the logging"
                + " API (POST /v2/logging)");
    assertThat(warnings("--model-repository=/repo")).isEmpty();
  }

  @Test
  void everyTritonFlag_isAcceptedWithAValue() {
    List<String> args = new java.util.ArrayList<>(List.of("--model-repository=/m"));
    TritonFlags.FLAGS.stream()
        .filter(f -> f.mapping() == null)
        .forEach(f -> args.add(f.name() + "=1"));
    assertThat(warnings(args.toArray(String[]::new))).hasSize(args.size() - 1);
  }

  private static List<String> warnings(String... args) {
    CommandLine serve = ServeCommand.commandLine(NO_ENV, s -> 0).setOverwrittenOptionsAllowed(true);
    serve.parseArgs(args);
    ServeCommand command = serve.getCommand();
    return TritonFlags.apply(serve.getCommandSpec(), command.settings, command.sources);
  }
}
