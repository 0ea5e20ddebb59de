package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.caracal.deploy.ChartRenderer;
import io.caracal.deploy.Manifests;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Every Caracal container of {@code deploy/} (KServe runtimes with each InferenceService's appended
 * args, the Seldon ServerConfig, the chart under each values file) starts: its args and {@code
 * CARACAL_*} environment pass the real {@code caracal serve} command line (a usage error would be a
 * pod in CrashLoopBackOff). In this package for {@link Main#run}; the server itself is not started.
 */
class ManifestArgsTest {

  @Test
  void kserveRuntimes_withEachInferenceServicesArgs_parse() {
    List<JsonNode> docs = Manifests.read(Manifests.KSERVE);
    List<JsonNode> isvcs = Manifests.ofKind(docs, "InferenceService");
    for (JsonNode runtime : docs) {
      if (!runtime.path("kind").asText().endsWith("ServingRuntime")) {
        continue;
      }
      JsonNode container = runtime.at("/spec/containers/0");
      for (JsonNode isvc : isvcs) {
        String name = isvc.at("/metadata/name").asText();
        // KServe appends the InferenceService's args and fills in {{.Name}} (ReplacePlaceholders)
        List<String> args = new ArrayList<>();
        Manifests.args(container).forEach(a -> args.add(a.replace("{{.Name}}", name)));
        args.addAll(Manifests.args(isvc.at("/spec/predictor/model")));
        ServerSettings s = parse(args, env(container));
        assertThat(s.host()).isEqualTo("0.0.0.0");
        assertThat(s.httpPort()).isEqualTo(8080);
        assertThat(s.modelName()).isEqualTo(name);
        assertThat(s.modelRepository()).isEqualTo(Path.of("/mnt/models"));
      }
    }
  }

  @Test
  void seldonServerConfig_parses() {
    JsonNode config = Manifests.ofKind(Manifests.read(Manifests.SELDON), "ServerConfig").get(0);
    JsonNode caracal = container(config.at("/spec/podSpec"));
    ServerSettings s = parse(Manifests.args(caracal), env(caracal));
    assertThat(s.modelRepository()).isEqualTo(Path.of("/mnt/agent/models"));
    assertThat(s.strictReadiness()).isFalse();
    assertThat(s.drainDelaySecs()).isZero();
  }

  @Test
  void chart_parsesUnderEveryValuesFile() {
    List<String> rendered = new ArrayList<>();
    rendered.add(ChartRenderer.render(null));
    ChartRenderer.ciValues().forEach(v -> rendered.add(ChartRenderer.render(v)));
    for (String yaml : rendered) {
      JsonNode deployment = Manifests.ofKind(Manifests.parse(yaml), "Deployment").get(0);
      JsonNode caracal = container(deployment.at("/spec/template/spec"));
      ServerSettings s = parse(Manifests.args(caracal), env(caracal));
      assertThat(s.modelRepository()).isEqualTo(Path.of("/models"));
      assertThat(s.host()).isEqualTo("0.0.0.0");
    }
  }

  /** Runs {@code caracal <args>} with a server that only records the settings. */
  private static ServerSettings parse(List<String> args, Map<String, String> env) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    AtomicReference<ServerSettings> served = new AtomicReference<>();
    int exit =
        Main.run(
            args,
            env,
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            s -> {
              served.set(s);
              return 0;
            });
    assertThat(exit).as(args + ": " + err.toString(StandardCharsets.UTF_8)).isZero();
    return served.get();
  }

  private static JsonNode container(JsonNode podSpec) {
    return Manifests.container(podSpec, "caracal");
  }

  private static Map<String, String> env(JsonNode container) {
    Map<String, String> out = new java.util.HashMap<>();
    container.path("env").forEach(e -> out.put(e.path("name").asText(), e.path("value").asText()));
    return out;
  }
}
