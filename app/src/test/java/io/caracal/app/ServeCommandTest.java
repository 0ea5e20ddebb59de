package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.core.lifecycle.ModelControlMode;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code caracal serve}: flags, environment, configuration file, defaults, help and errors. */
class ServeCommandTest {
  @TempDir Path dir;

  private static final Map<String, String> NO_ENV = Map.of();

  @Test
  void defaults_whenOnlyRepositoryGiven() {
    ServerSettings s = Cli.settings(NO_ENV, "--model-repository", "/models");
    assertThat(s.modelRepository()).isEqualTo(Path.of("/models"));
    assertThat(s.host()).isEqualTo("127.0.0.1");
    assertThat(s.httpPort()).isEqualTo(8000);
    assertThat(s.serverName()).isEqualTo("caracal");
    assertThat(s.maxRequestBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(s.maxJsonDepth()).isEqualTo(100);
    assertThat(s.queueCapacity()).isEqualTo(128);
    assertThat(s).isEqualTo(ServerSettings.builder(Path.of("/models")).build());
  }

  @Test
  void flagsWinOverEnvironmentWhichWinsOverFile() throws IOException {
    Path file = dir.resolve("caracal.properties");
    Files.writeString(
        file, "model-repository=/from-file\nhttp-port=1111\nserver-name=file\nqueue-capacity=7\n");
    Map<String, String> env =
        Map.of(
            "CARACAL_CONFIG",
            file.toString(),
            "CARACAL_HTTP_PORT",
            "2222",
            "CARACAL_SERVER_NAME",
            "env");
    ServerSettings s = Cli.settings(env, "--http-port=0");
    assertThat(s.modelRepository()).isEqualTo(Path.of("/from-file"));
    assertThat(s.httpPort()).isZero();
    assertThat(s.serverName()).isEqualTo("env");
    assertThat(s.queueCapacity()).isEqualTo(7);
  }

  @Test
  void precedence_commandLineThenEnvironmentThenFileThenDefault() throws IOException {
    Path file = dir.resolve("c.properties");
    Files.writeString(file, "model-repository=/m\nmax-rank=3\nmax-inputs=3\nmax-json-depth=3\n");
    Map<String, String> env =
        Map.of(
            "CARACAL_CONFIG",
            file.toString(),
            "CARACAL_MAX_INPUTS",
            "4",
            "CARACAL_MAX_JSON_DEPTH",
            "4");
    ServerSettings s = Cli.settings(env, "--max-json-depth", "5");
    assertThat(s.maxJsonDepth()).as("flag, environment and file").isEqualTo(5);
    assertThat(s.maxInputs()).as("environment and file").isEqualTo(4);
    assertThat(s.maxRank()).as("file").isEqualTo(3);
    assertThat(s.maxTensorElements()).as("default").isEqualTo(64L * 1024 * 1024);
  }

  @Test
  void everyOption_isAnEnvironmentVariableAndAFileKey_thatSetWhatTheFlagSets() throws IOException {
    Map<String, String> values = otherThanDefaults();
    List<String> flags = new ArrayList<>();
    Map<String, String> env = new LinkedHashMap<>();
    StringBuilder file = new StringBuilder();
    settingOptions()
        .forEach(o -> {
          String value = values.get(o.longestName());
          flags.add(o.longestName() + "=" + value);
          env.put(SettingSources.environmentVariable(o), value);
          file.append(SettingSources.key(o)).append('=').append(value).append('\n');
        });
    Path config = dir.resolve("all.properties");
    Files.writeString(config, file);

    ServerSettings fromFlags = Cli.settings(NO_ENV, flags.toArray(String[]::new));
    assertThat(Cli.settings(env)).isEqualTo(fromFlags);
    assertThat(Cli.settings(NO_ENV, "--config", config.toString())).isEqualTo(fromFlags);
    assertThat(Cli.settings(Map.of("CARACAL_CONFIG", config.toString()))).isEqualTo(fromFlags);
    ServerSettings defaults = ServerSettings.builder(Path.of("/default")).build();
    for (RecordComponent c : ServerSettings.class.getRecordComponents()) {
      assertThat(value(c, fromFlags))
          .as(c.getName() + " is set by an option")
          .isNotEqualTo(value(c, defaults));
    }
  }

  @Test
  void metricsConfig_splitsSettingsNotQuantiles_andRefusesUnknownKeys() {
    ServerSettings s =
        Cli.settings(
            Map.of(
                "CARACAL_METRICS_CONFIG",
                "summary_latencies=true,summary_quantiles=0.5:0.05,0.99:0.001"),
            "--model-repository",
            "/m");
    assertThat(s.metricsConfig())
        .containsExactly("summary_latencies=true", "summary_quantiles=0.5:0.05,0.99:0.001");
    assertThat(s.metrics().summaryQuantiles()).hasSize(2);
    assertThat(Cli.usageError(NO_ENV, withRepository("--metrics-config", "histogram_latency=true")))
        .contains("unknown key 'histogram_latency'");
    assertThat(Cli.settings(NO_ENV, "--model-repository", "/m").metricsPort()).isEqualTo(8002);
  }

  @Test
  void tls_pairsGoTogether_clientAuthDefaultsToRequireWithACa() {
    ServerSettings plain = Cli.settings(NO_ENV, "--model-repository", "/m");
    assertThat(plain.tls().main()).isEmpty();
    assertThat(plain.tls().metrics()).isEmpty();
    ServerSettings s =
        Cli.settings(
            Map.of("CARACAL_TLS_CLIENT_CA_FILE", "/ca.pem"),
            withRepository("--tls-cert-file", "/c.pem", "--tls-key-file", "/k.pem"));
    assertThat(s.tls().clientAuth()).isEqualTo(io.caracal.tls.ClientAuth.REQUIRE);
    assertThat(s.tls().main().orElseThrow().clientCaFile()).isEqualTo(Path.of("/ca.pem"));
    assertThat(s.tls().metrics().orElseThrow())
        .as("metrics: the main certificate, no client certificates")
        .isEqualTo(io.caracal.tls.TlsFiles.serverOnly(Path.of("/c.pem"), Path.of("/k.pem")));
    assertThat(s.toBuilder().build()).isEqualTo(s);
    assertThat(
            Cli.settings(
                    NO_ENV,
                    withRepository(
                        "--tls-cert-file",
                        "/c.pem",
                        "--tls-key-file",
                        "/k.pem",
                        "--metrics-tls",
                        "false"))
                .tls()
                .metrics())
        .isEmpty();
    assertThat(Cli.usageError(NO_ENV, withRepository("--tls-cert-file", "/c.pem")))
        .contains("tls-cert-file and tls-key-file go together");
    assertThat(Cli.usageError(NO_ENV, withRepository("--tls-client-ca-file", "/ca.pem")))
        .contains("tls-client-ca-file needs tls-cert-file and tls-key-file");
    assertThat(
            Cli.usageError(
                NO_ENV,
                withRepository(
                    "--tls-cert-file",
                    "/c.pem",
                    "--tls-key-file",
                    "/k.pem",
                    "--tls-client-auth",
                    "require")))
        .contains("tls-client-auth require needs tls-client-ca-file");
    assertThat(Cli.usageError(NO_ENV, withRepository("--tls-client-auth", "maybe")))
        .contains("tls-client-auth must be none, optional or require, got 'maybe'");
  }

  @Test
  void shutdownTimings_defaultsFlagsEnvironmentAndRange() {
    ServerSettings d = Cli.settings(NO_ENV, "--model-repository", "/m");
    assertThat(d.drainDelaySecs()).isEqualTo(5);
    assertThat(d.exitTimeoutSecs()).isEqualTo(30);
    ServerSettings s =
        Cli.settings(
            Map.of("CARACAL_EXIT_TIMEOUT_SECS", "12"),
            "--model-repository",
            "/m",
            "--drain-delay-secs",
            "0");
    assertThat(s.drainDelaySecs()).isZero();
    assertThat(s.exitTimeoutSecs()).isEqualTo(12);
    assertThat(s.toBuilder().build()).isEqualTo(s);
    assertThat(Cli.usageError(NO_ENV, withRepository("--drain-delay-secs", "-1")))
        .contains("drain-delay-secs must be 0..3600, got -1");
    assertThat(Cli.usageError(NO_ENV, withRepository("--exit-timeout-secs", "x")))
        .contains("exit-timeout-secs must be a whole number");
  }

  @Test
  void strictReadiness_defaultsTrue_takesTrueOrFalseOnly() {
    assertThat(Cli.settings(NO_ENV, "--model-repository", "/m").strictReadiness()).isTrue();
    ServerSettings s =
        Cli.settings(Map.of("CARACAL_STRICT_READINESS", "FALSE"), "--model-repository", "/m");
    assertThat(s.strictReadiness()).isFalse();
    assertThat(s.toBuilder().build()).isEqualTo(s);
    assertThat(Cli.usageError(NO_ENV, withRepository("--strict-readiness", "yes")))
        .contains("strict-readiness must be true or false, got 'yes'");
  }

  @Test
  void modelControlMode_anyCase_andLoadModelsRepeatableOrCommaSeparated() {
    ServerSettings s =
        Cli.settings(
            NO_ENV,
            "--model-repository",
            "/m",
            "--model-control-mode",
            "EXPLICIT",
            "--load-model",
            "a, b",
            "--load-model",
            "c,");
    assertThat(s.modelControlMode()).isEqualTo(ModelControlMode.EXPLICIT);
    assertThat(s.loadModels()).containsExactly("a", "b", "c");
    assertThat(
            Cli.settings(
                    Map.of("CARACAL_LOAD_MODEL", "x,y", "CARACAL_MODEL_CONTROL_MODE", "explicit"),
                    "--model-repository",
                    "/m")
                .loadModels())
        .containsExactly("x", "y");
    assertThat(Cli.usageError(NO_ENV, withRepository("--model-control-mode", "manual")))
        .isEqualTo(
            "caracal serve: model-control-mode must be none, poll or explicit, got 'manual'");
    assertThat(Cli.usageError(NO_ENV, withRepository("--load-model", "a")))
        .isEqualTo("caracal serve: load-model needs model-control-mode explicit");
  }

  @Test
  void traceConfig_repeatableInTritonsSpelling_andSemicolonSeparatedInTheEnvironment() {
    ServerSettings s =
        Cli.settings(
            NO_ENV,
            withRepository(
                "--trace-config",
                "level=TIMESTAMPS",
                "--trace-config",
                "opentelemetry,url=http://collector:4318/v1/traces"));
    assertThat(s.traceConfig())
        .containsExactly("level=TIMESTAMPS", "opentelemetry,url=http://collector:4318/v1/traces");
    assertThat(
            Cli.settings(
                    Map.of("CARACAL_TRACE_CONFIG", "rate=10;opentelemetry,resource=team=ml"),
                    "--model-repository",
                    "/m")
                .traceConfig())
        .containsExactly("rate=10", "opentelemetry,resource=team=ml");
    assertThat(Cli.usageError(NO_ENV, withRepository("--trace-config", "triton,file=/tmp/t.json")))
        .contains("needs mode=triton");
    assertThat(Cli.usageError(NO_ENV, withRepository("--trace-config", "level=TENSORS")))
        .contains("level TENSORS is not supported");
  }

  @Test
  void repeatedFlag_lastOneWins() {
    assertThat(
            Cli.settings(NO_ENV, withRepository("--http-port", "1", "--http-port", "2")).httpPort())
        .isEqualTo(2);
  }

  @Test
  void valuesAreStripped_andAtIsNotAFileOfArguments() {
    ServerSettings s =
        Cli.settings(
            Map.of("CARACAL_HTTP_PORT", " 9 "),
            "--model-repository",
            " /m ",
            "--server-name",
            "@name");
    assertThat(s.httpPort()).isEqualTo(9);
    assertThat(s.modelRepository()).isEqualTo(Path.of("/m"));
    assertThat(s.serverName()).isEqualTo("@name");
  }

  @Test
  void configFlagNamesTheFile() throws IOException {
    Path file = dir.resolve("c.properties");
    Files.writeString(file, "model-repository=/m\nhost=0.0.0.0\n");
    ServerSettings s = Cli.settings(NO_ENV, "--config", file.toString());
    assertThat(s.host()).isEqualTo("0.0.0.0");
  }

  @Test
  void unknownFlag_isRefusedByName_withTheClosestOption() {
    // picocli's wording: "unknown option", where the hand-written parser said "unknown flag"
    assertThat(Cli.usageError(NO_ENV, withRepository("--htp-port", "1")))
        .isEqualTo("caracal serve: unknown option '--htp-port' (did you mean --http-port?)");
    assertThat(Cli.usageError(NO_ENV, withRepository("--max-json-dpeth=3")))
        .isEqualTo(
            "caracal serve: unknown option '--max-json-dpeth' (did you mean --max-json-depth?)");
    assertThat(Cli.usageError(NO_ENV, "--port", "1"))
        .isEqualTo(
            "caracal serve: unknown option '--port' (did you mean --http-port, --grpc-port or"
                + " --tfs-rest-port?)");
    assertThat(Cli.usageError(NO_ENV, withRepository("extra")))
        .isEqualTo("caracal serve: unexpected argument 'extra'");
  }

  @Test
  void unknownFileKey_isRefusedWithFileAndKey() throws IOException {
    Path file = dir.resolve("bad.properties");
    Files.writeString(file, "model-repository=/m\nhttp_port=1\n");
    assertThat(Cli.usageError(NO_ENV, "--config", file.toString()))
        .contains("bad.properties")
        .contains("http_port")
        .endsWith("has unknown key 'http_port' (did you mean http-port?)");
    Files.writeString(file, "model-repository=/m\nconfig=other.properties\n");
    assertThat(Cli.usageError(NO_ENV, "--config", file.toString()))
        .endsWith(
            "has unknown key 'config' (did you mean model-config-file, model-config-file-poll-secs or metrics-config?)");
  }

  @Test
  void unreadableFile_isAUsageError() {
    assertThat(Cli.usageError(Map.of("CARACAL_CONFIG", dir.resolve("none.properties").toString())))
        .isEqualTo(
            "caracal serve: cannot read configuration file "
                + dir.resolve("none.properties")
                + ": no such file");
  }

  @Test
  void unknownEnvironmentVariable_isOnlyAWarning() {
    Map<String, String> kubernetes =
        Map.of(
            "CARACAL_PORT", "tcp://10.0.0.7:8000",
            "CARACAL_PORT_8000_TCP_ADDR", "10.0.0.7",
            "CARACAL_SERVICE_HOST", "10.0.0.7",
            "CARACAL_SERVICE_PORT", "8000",
            "CARACAL_HTTP_PROT", "9",
            "CARACAL_LOG_LEVEL", "debug",
            "CARACAL_MODEL_REPOSITORY", "/m");
    Cli run = Cli.run(kubernetes, "serve");
    assertThat(run.exit()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.served()).isNotNull();
    assertThat(new SettingSources(kubernetes).unknownVariables(serveSpec()))
        .containsExactly(
            "CARACAL_HTTP_PROT (did you mean CARACAL_HTTP_PORT?)",
            "CARACAL_PORT",
            "CARACAL_PORT_8000_TCP_ADDR",
            "CARACAL_SERVICE_HOST",
            "CARACAL_SERVICE_PORT");
  }

  @Test
  void badValues_nameTheKeyAndValue() {
    assertThat(Cli.usageError(NO_ENV, withRepository("--http-port", "eighty")))
        .isEqualTo("caracal serve: http-port must be a whole number, got 'eighty'");
    assertThat(Cli.usageError(NO_ENV, withRepository("--http-port", "70000")))
        .isEqualTo("caracal serve: http-port must be 0..65535, got 70000");
    // picocli's wording, where the hand-written parser said "flag --http-port needs a value"
    assertThat(Cli.usageError(NO_ENV, withRepository("--http-port")))
        .isEqualTo("caracal serve: Missing required parameter for option '--http-port' (PORT)");
  }

  @Test
  void badValues_fromEnvironmentOrFile_sayWhereTheyCameFrom() throws IOException {
    assertThat(Cli.usageError(Map.of("CARACAL_HTTP_PORT", "eighty"), "--model-repository", "/m"))
        .isEqualTo(
            "caracal serve: http-port must be a whole number, got 'eighty' (from environment variable CARACAL_HTTP_PORT)");
    Path file = dir.resolve("c.properties");
    Files.writeString(file, "http-port=70000\n");
    assertThat(Cli.usageError(NO_ENV, withRepository("--config", file.toString())))
        .isEqualTo(
            "caracal serve: http-port must be 0..65535, got 70000 (from configuration file "
                + file
                + ")");
  }

  @Test
  void missingRepository_saysHowToGiveIt() {
    assertThat(Cli.usageError(NO_ENV))
        .contains("--model-repository DIR")
        .contains("CARACAL_MODEL_REPOSITORY");
  }

  @Test
  void help_listsEveryOptionWithItsDefaultAndEnvironmentVariable() {
    String help = Cli.run(Map.of("CARACAL_HTTP_PORT", "9999"), "serve", "--help").out();
    settingOptions()
        .forEach(o -> {
          String sources =
              SettingsHelp.defaultText(o.initialValue()) == null
                  ? "env: " + SettingSources.environmentVariable(o)
                  : "Default: "
                      + SettingsHelp.defaultText(o.initialValue())
                      + "; env: "
                      + SettingSources.environmentVariable(o);
          assertThat(help).contains(o.longestName() + "=" + o.paramLabel());
          assertThat(help)
              .as(o.longestName())
              .containsPattern("(?m)^ {29}" + java.util.regex.Pattern.quote(sources) + "$");
        });
    assertThat(help)
        .as("the default, not the environment's value")
        .contains("Default: 8000; env: CARACAL_HTTP_PORT")
        .doesNotContain("9999")
        .contains("Default: none; env: CARACAL_MODEL_CONTROL_MODE")
        .contains("Default: 67108864; env: CARACAL_MAX_REQUEST_BYTES");
  }

  @Test
  void readmeConfigurationTable_listsEveryOptionWithItsEnvironmentVariable() throws IOException {
    Path readme = Path.of("..", "README.md");
    List<String> rows =
        Files.readAllLines(readme).stream().filter(l -> l.startsWith("| `--")).toList();
    settingOptions()
        .forEach(o ->
            assertThat(rows)
                .as(o.longestName() + " in " + readme.toAbsolutePath().normalize())
                .anyMatch(r ->
                    r.startsWith("| `" + o.longestName() + " ")
                        && r.contains("| `" + SettingSources.environmentVariable(o) + "` |")));
  }

  private static String[] withRepository(String... flags) {
    return java.util.stream.Stream.concat(
            java.util.stream.Stream.of("--model-repository", "/m"), java.util.Arrays.stream(flags))
        .toArray(String[]::new);
  }

  private static CommandSpec serveSpec() {
    return ServeCommand.commandLine(NO_ENV, s -> 0).getCommandSpec();
  }

  private static List<OptionSpec> settingOptions() {
    return SettingSources.settings(serveSpec())
        .filter(o -> !o.longestName().equals(SettingSources.CONFIG))
        .toList();
  }

  /** Returns, for each option, a valid value other than its default. */
  private static Map<String, String> otherThanDefaults() {
    Map<String, String> values =
        settingOptions().stream()
            .collect(
                Collectors.toMap(
                    OptionSpec::longestName,
                    o ->
                        switch (o.initialValue()) {
                          case Integer i -> Integer.toString(i + 1);
                          case Long l -> Long.toString(l + 1);
                          case Boolean b -> Boolean.toString(!b);
                          case String s -> s + "-x";
                          case null, default -> "";
                        }));
    values.put("--model-repository", "/other");
    values.put("--model-name", "single");
    values.put("--model-control-mode", "explicit");
    values.put("--load-model", "a,b");
    values.put("--trace-config", "rate=10");
    // one value holding two settings, one of them with commas of its own
    values.put("--metrics-config", "counter_latencies=false,summary_quantiles=0.5:0.05,0.9:0.01");
    values.put("--cache-size", "4096"); // the three cache spellings must agree
    values.put("--response-cache-byte-size", "4096");
    values.put("--cache-config", "local,max_entry_bytes=7");
    values.put("--model-keys", "k1=" + java.util.Base64.getEncoder().encodeToString(new byte[32]));
    // files are only read at start; the pairs must be complete and client auth needs a CA
    values.put("--tls-client-auth", "optional");
    values.put("--metrics-auth", "false");
    values.put("--auth-jwks-url", ""); // excludes --auth-jwks-file
    values.put("--http-restricted-api", "logging,trace:admin-key=secret");
    values.put("--grpc-restricted-protocol", "model-repository:admin-key=secret");
    return values;
  }

  private static @Nullable Object value(RecordComponent c, ServerSettings s) {
    try {
      return c.getAccessor().invoke(s);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
