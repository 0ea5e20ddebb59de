package io.caracal.testing.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exposition reader accepts the formats' examples and refuses each rule broken on its own. */
class ExpositionParserTest {
  static final String TEXT =
      """
      # HELP http_requests_total The total number of HTTP requests.
      # TYPE http_requests_total counter
      http_requests_total{method="post",code="200"} 1027 1395066363000
      http_requests_total{method="post",code="400"}    3
      # a comment
      # TYPE rpc_duration_seconds histogram
      rpc_duration_seconds_bucket{le="0.05"} 24054
      rpc_duration_seconds_bucket{le="0.1"} 33444
      rpc_duration_seconds_bucket{le="+Inf"} 144320
      rpc_duration_seconds_sum 53423
      rpc_duration_seconds_count 144320
      # TYPE nv_inference_count untyped
      nv_inference_count{model="a\\"b\\\\c\\nd",version="1"} 4
      """;

  static final String OPENMETRICS =
      """
      # TYPE acme_http_router_request_seconds histogram
      # UNIT acme_http_router_request_seconds seconds
      # HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
      acme_http_router_request_seconds_bucket{le="0.1"} 3 # {trace_id="KOO5S4vxi0o"} 0.067
      acme_http_router_request_seconds_bucket{le="+Inf"} 4
      acme_http_router_request_seconds_sum 2.5
      acme_http_router_request_seconds_count 4
      # TYPE nv_inference_count unknown
      nv_inference_count{model="m"} 4
      # EOF
      """;

  @Test
  void acceptsValidScrapes() {
    Map<String, ExpositionParser.Family> text = ExpositionParser.parsePrometheusText(TEXT);
    assertThat(text)
        .containsKeys("http_requests_total", "rpc_duration_seconds", "nv_inference_count");
    assertThat(ExpositionParser.value(text, "nv_inference_count", "model=a\"b\\c\nd,version=1"))
        .isEqualTo(4);
    Map<String, ExpositionParser.Family> om = ExpositionParser.parseOpenMetrics(OPENMETRICS);
    assertThat(om.get("acme_http_router_request_seconds").unit()).isEqualTo("seconds");
    assertThat(om.get("acme_http_router_request_seconds").samples().get(0).exemplar()).isNotNull();
  }

  @Test
  void refusesBrokenRules() {
    assertRefused(false, TEXT + "http_requests_total{code=\"9\"} 1\n", "interleaved");
    assertRefused(
        false,
        TEXT + "nv_inference_count{model=\"a\\\"b\\\\c\\nd\",version=\"1\"} 5\n",
        "duplicate");
    assertRefused(false, TEXT.replace("le=\"0.1\"} 33444", "le=\"0.1\"} 3"), "not increasing");
    assertRefused(
        false,
        TEXT.replace("rpc_duration_seconds_count 144320", "rpc_duration_seconds_count 1"),
        "_count");
    assertRefused(false, TEXT.replace("{le=\"+Inf\"} 144320\n", "{le=\"1\"} 144320\n"), "+Inf");
    assertRefused(
        false, TEXT.replace("} 4\n", "} 4 # {trace_id=\"x\"} 1\n"), "exemplars are not allowed");
    assertRefused(false, TEXT.replace("\\n", "\\t"), "bad escape");
    assertRefused(false, TEXT.replace("} 4\n", "} four\n"), "not a number");
    assertRefused(false, TEXT + "9bad 1\n", "bad metric name");
    assertRefused(false, TEXT.stripTrailing(), "newline");
    assertRefused(true, OPENMETRICS.replace("# EOF\n", ""), "EOF");
    assertRefused(true, OPENMETRICS + "x 1\n", "after # EOF");
    assertRefused(true, OPENMETRICS.replace("} 0.067", "} 0.5"), "outside bucket");
    assertRefused(
        true,
        OPENMETRICS.replace(
            "# UNIT acme_http_router_request_seconds seconds",
            "# UNIT acme_http_router_request_seconds bytes"),
        "suffix");
    assertRefused(
        true,
        OPENMETRICS.replace("trace_id=\"KOO5S4vxi0o\"", "trace_id=\"" + "a".repeat(130) + "\""),
        "128");
    assertRefused(
        true,
        OPENMETRICS.replace(
            "nv_inference_count{model=\"m\"} 4", "nv_inference_count{model=\"m\"} 4 # {a=\"b\"} 1"),
        "exemplar on");
    assertRefused(
        true,
        OPENMETRICS.replace(
            "# TYPE nv_inference_count unknown", "# TYPE nv_inference_count untyped"),
        "unknown type");
  }

  static void assertRefused(boolean openMetrics, String scrape, String why) {
    assertThatThrownBy(
            () -> {
              if (openMetrics) {
                ExpositionParser.parseOpenMetrics(scrape);
              } else {
                ExpositionParser.parsePrometheusText(scrape);
              }
            })
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why);
  }
}
