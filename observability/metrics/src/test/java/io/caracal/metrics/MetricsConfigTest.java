package io.caracal.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsConfigTest {
  @Test
  void defaults_areTritons() {
    assertThat(MetricsConfig.parse(List.of())).isEqualTo(MetricsConfig.DEFAULTS);
    assertThat(MetricsConfig.DEFAULTS.counterLatencies()).isTrue();
    assertThat(MetricsConfig.DEFAULTS.summaryQuantiles()).hasSize(5);
  }

  @Test
  void parse_readsEveryKey_lastWins() {
    MetricsConfig c =
        MetricsConfig.parse(
            List.of(
                "counter_latencies=false",
                "histogram_latencies=true",
                "summary_latencies=TRUE",
                "summary_quantiles=0.5:0.05,0.9:0.01",
                "histogram_latencies=false"));
    assertThat(c.counterLatencies()).isFalse();
    assertThat(c.histogramLatencies()).isFalse();
    assertThat(c.summaryLatencies()).isTrue();
    assertThat(c.summaryQuantiles())
        .containsExactly(
            new MetricsConfig.Quantile(0.5, 0.05), new MetricsConfig.Quantile(0.9, 0.01));
  }

  @Test
  void unknownKey_isAnErrorNamingIt() {
    assertThatThrownBy(() -> MetricsConfig.parse(List.of("histogram_latency=true")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown key 'histogram_latency'")
        .hasMessageContaining("histogram_latencies");
  }

  @Test
  void badValues_areErrors() {
    assertThatThrownBy(() -> MetricsConfig.parse(List.of("counter_latencies=yes")))
        .hasMessageContaining("counter_latencies must be true or false");
    assertThatThrownBy(() -> MetricsConfig.parse(List.of("summary_quantiles=0.5")))
        .hasMessageContaining("summary_quantiles");
    assertThatThrownBy(() -> MetricsConfig.parse(List.of("summary_quantiles=1.5:0.1")))
        .hasMessageContaining("summary_quantiles");
    assertThatThrownBy(() -> MetricsConfig.parse(List.of("counter_latencies")))
        .hasMessageContaining("key=value");
  }
}
