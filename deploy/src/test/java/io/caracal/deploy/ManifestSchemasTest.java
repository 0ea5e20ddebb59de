package io.caracal.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.caracal.testing.SharedData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every manifest of {@code deploy/} and the chart rendered with each of its CI values files pass
 * the strict schemas of {@code ../shared/k8s-schemas} (skipped when {@code ../shared} is absent),
 * and the chart passes {@code helm lint --strict}.
 */
class ManifestSchemasTest {
  private static SchemaValidator validator() {
    return SchemaValidator.find()
        .orElseThrow(() -> {
          Assumptions.abort("the schemas: " + SharedData.skipMessage());
          return new AssertionError();
        });
  }

  @Test
  void kserveAndSeldonManifests_passTheStrictSchemas() throws Exception {
    int documents =
        Manifests.read(Manifests.KSERVE).size() + Manifests.read(Manifests.SELDON).size();
    SchemaValidator.Result result =
        validator().validate(List.of(Manifests.KSERVE, Manifests.SELDON));
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(result.output()).endsWith("validate: " + documents + " passed, 0 failed\n");
  }

  @Test
  void chart_passesHelmLintStrict() {
    LintResult lint = new Helm(Manifests.CHART).lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    assertThat(lint.getMessages())
        .as("no warning or error")
        .noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }

  static Stream<Arguments> chartConfigurations() {
    List<Arguments> out = new ArrayList<>();
    out.add(Arguments.of("defaults", null));
    ChartRenderer.ciValues().forEach(v -> out.add(Arguments.of(v.getFileName().toString(), v)));
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("chartConfigurations")
  void renderedChart_passesTheStrictSchemas(String name, @Nullable Path values) throws Exception {
    String rendered = ChartRenderer.render(values);
    List<JsonNode> docs = Manifests.parse(rendered);
    SchemaValidator.Result result = validator().validate(rendered);
    assertThat(result.exit()).as(result.output()).isZero();
    assertThat(result.output()).endsWith("validate: " + docs.size() + " passed, 0 failed\n");
  }

  @Test
  void aPlantedMistake_isCaught() throws Exception {
    // the validator is not vacuous: a misspelt field in the rendered Deployment fails it
    String rendered = ChartRenderer.render(null).replace("readinessProbe:", "readynessProbe:");
    SchemaValidator.Result result = validator().validate(rendered);
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.output()).contains("'readynessProbe' was unexpected");
  }
}
