package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code caracal} command line as a user runs it, in its own process from the built app:
 * settings from the environment and a configuration file, Kubernetes' service variables ignored,
 * version, completion and usage errors.
 */
class CommandLineIT {
  @TempDir Path dir;

  @Test
  void serve_takesSettingsFromEnvironmentAndFile_andOnlyWarnsAboutKubernetesVariables()
      throws Exception {
    Path repo = Files.createDirectories(dir.resolve("models"));
    Path config = dir.resolve("caracal.properties");
    Files.writeString(
        config,
        "model-repository="
            + repo
            + "\ngrpc-port=0\nmetrics-port=0\nserver-name=from-file\nhttp-port=1\n");
    Map<String, String> env =
        Map.of(
            "CARACAL_CONFIG", config.toString(),
            "CARACAL_HTTP_PORT", "0", // wins over the file
            "CARACAL_SERVER_NAME", "from-env",
            "CARACAL_PORT",
                "tcp://10.0.0.7:8000", // what Kubernetes sets for a Service named caracal
            "CARACAL_SERVICE_HOST", "10.0.0.7",
            "CARACAL_LOG_LEVEL", "info",
            "CARACAL_ACCESS_LOG_LEVEL", "INFO"); // the ITs turn it off (it/pom.xml)
    try (ServerProcess server =
        ServerProcess.start(
            env, "serve", "--server-name", "from-flag", "--drain-delay-secs", "0")) {
      int port = server.awaitStarted();
      HttpResponse<String> metadata =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(metadata.body()).contains("\"name\":\"from-flag\"");
      assertThat(server.terminate()).as(server.output()).isZero();
      assertThat(server.output())
          .contains(
              "ignoring environment variables that name no caracal setting: CARACAL_PORT, CARACAL_SERVICE_HOST");
      // the access log through logback.xml's appender: the call's line, alone on its line
      assertThat(server.output().lines().filter(l -> l.startsWith("{\"ts\":")))
          .as(server.output())
          .anySatisfy(l ->
              assertThat(l)
                  .contains("\"event\":\"access\"", "\"http.route\":\"/v2\"")
                  .endsWith("}"));
    }
  }

  @Test
  void version_isTheJarsVersion() throws Exception {
    try (ServerProcess run = ServerProcess.start(Map.of(), "--version")) {
      assertThat(run.waitFor()).isZero();
      assertThat(run.output()).matches("caracal \\d+\\.\\d+\\.\\d+\\S*");
    }
  }

  @Test
  void generateCompletion_printsTheScript() throws Exception {
    try (ServerProcess run = ServerProcess.start(Map.of(), "generate-completion")) {
      assertThat(run.waitFor()).isZero();
      assertThat(run.output()).contains("complete -F _complete_caracal", "'--model-repository'");
    }
  }

  @Test
  void usageError_exits2WithoutAStackTrace() throws Exception {
    try (ServerProcess run =
        ServerProcess.start(
            Map.of("CARACAL_MODEL_REPOSITORY", dir.toString()), "serve", "--htp-port", "1")) {
      assertThat(run.waitFor()).isEqualTo(2);
      assertThat(run.output())
          .isEqualTo(
              """
              caracal serve: unknown option '--htp-port' (did you mean --http-port?)
              Run 'caracal serve --help' for every option.\
              """);
    }
  }
}
