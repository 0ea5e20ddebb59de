package io.caracal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.core.cache.CachingInferenceService;
import io.caracal.core.observe.CallRecord.Protocol;
import io.caracal.testing.metrics.ExpositionParser;
import io.caracal.testing.metrics.ExpositionParser.Family;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard in {@code docs/grafana/caracal.json}: every PromQL expression names only
 * series the server exports, and it has the model variable and a query in every panel.
 */
class DashboardTest {
  static final Path DASHBOARD = Path.of("..", "..", "docs", "grafana", "caracal.json");
  static final Pattern SERIES = Pattern.compile("\\b((?:caracal|nv|jvm|process)_[a-zA-Z0-9_]+)");

  /** Every series and family name a busy server exports (text 0.0.4 names, families too). */
  static Set<String> exported() {
    FakeView view = new FakeView().serve("m", 1, true);
    view.cache = Optional.of(new CachingInferenceService.Usage(1, 2, 3, 4));
    PrometheusMetrics metrics = new PrometheusMetrics(view, MetricsConfig.DEFAULTS, true);
    metrics.listener().finished(Calls.ok(Protocol.HTTP, "m", 1));
    metrics.listener().finished(Calls.failed("m", 1, "QueueFull"));
    metrics.listener().finished(Calls.hit("m", 1));
    String text =
        new String(
            new Exposition(metrics.registry())
                .render(ExpositionFormat.PROMETHEUS_TEXT, false)
                .bytes(),
            StandardCharsets.UTF_8);
    Map<String, Family> families = ExpositionParser.parsePrometheusText(text);
    Set<String> names = new HashSet<>(families.keySet());
    families.values().forEach(f -> f.samples().forEach(s -> names.add(s.name())));
    // a native histogram is queried by its family name; text 0.0.4 names counters with _total
    families.keySet().forEach(n -> names.add(n.replaceAll("_total$", "")));
    return names;
  }

  @Test
  void everyExpression_namesOnlyExportedSeries() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
    List<String> expressions = new ArrayList<>();
    collect(dashboard, expressions);
    assertThat(expressions).hasSizeGreaterThan(15);
    Set<String> used = new TreeSet<>();
    for (String e : expressions) {
      Matcher m = SERIES.matcher(e);
      while (m.find()) {
        used.add(m.group(1));
      }
    }
    assertThat(used)
        .contains(
            "caracal_request_duration_seconds_bucket",
            "caracal_queue_duration_seconds_bucket",
            "caracal_compute_duration_seconds_bucket",
            "caracal_batch_size_bucket",
            "caracal_batches_total",
            "caracal_response_cache_requests_total");
    assertThat(exported()).containsAll(used);
  }

  @Test
  void dashboard_hasTheModelVariable_andAQueryPerPanel() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
    List<String> variables = new ArrayList<>();
    dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
    assertThat(variables).contains("model");
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(panel.path("targets").size()).as(panel.path("title").asText()).isPositive();
      panel
          .path("targets")
          .forEach(t ->
              assertThat(t.path("expr").asText()).as(panel.path("title").asText()).isNotBlank());
    }
  }

  /** Collects every "expr" and "query"/"definition" string under {@code node}. */
  static void collect(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(e -> {
            if ((e.getKey().equals("expr") || e.getKey().equals("definition"))
                && e.getValue().isTextual()) {
              out.add(e.getValue().asText());
            } else {
              collect(e.getValue(), out);
            }
          });
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, out));
    }
  }
}
