package io.caracal.metrics;

import static io.caracal.metrics.ExpositionFormat.OPENMETRICS;
import static io.caracal.metrics.ExpositionFormat.PROMETHEUS_TEXT;
import static io.caracal.metrics.ExpositionFormat.PROTOBUF;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AcceptHeaderTest {
  @Test
  void prometheus3Default_prefersOpenMetrics() {
    assertThat(
            AcceptHeader.negotiate(
                "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"))
        .isEqualTo(OPENMETRICS);
  }

  @Test
  void nativeHistogramScrape_prefersProtobuf() {
    assertThat(
            AcceptHeader.negotiate(
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"))
        .isEqualTo(PROTOBUF);
  }

  @Test
  void qValues_win_notTheMereMentionOfProtobuf() {
    assertThat(
            AcceptHeader.negotiate(
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.1,text/plain;version=0.0.4;q=0.9"))
        .isEqualTo(PROMETHEUS_TEXT);
    assertThat(
            AcceptHeader.negotiate(
                "application/openmetrics-text; version=1.0.0; q=0.9, text/plain; q=0.9"))
        .as("first listed on a tie")
        .isEqualTo(OPENMETRICS);
  }

  @Test
  void unsupportedVersionsAndZeroWeights_areSkipped() {
    assertThat(AcceptHeader.negotiate("application/openmetrics-text;version=2.0.0"))
        .isEqualTo(PROMETHEUS_TEXT);
    assertThat(AcceptHeader.negotiate("application/openmetrics-text;q=0,text/plain"))
        .isEqualTo(PROMETHEUS_TEXT);
    assertThat(AcceptHeader.negotiate("application/vnd.google.protobuf;proto=other.Thing"))
        .isEqualTo(PROMETHEUS_TEXT);
    assertThat(
            AcceptHeader.negotiate(
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text"))
        .isEqualTo(PROMETHEUS_TEXT);
  }

  @Test
  void fallback_isText004() {
    assertThat(AcceptHeader.negotiate(null)).isEqualTo(PROMETHEUS_TEXT);
    assertThat(AcceptHeader.negotiate("")).isEqualTo(PROMETHEUS_TEXT);
    assertThat(AcceptHeader.negotiate("*/*")).isEqualTo(PROMETHEUS_TEXT);
    assertThat(AcceptHeader.negotiate("garbage;;;,,=q=")).isEqualTo(PROMETHEUS_TEXT);
    assertThat(AcceptHeader.negotiate("application/json")).isEqualTo(PROMETHEUS_TEXT);
    assertThat(AcceptHeader.negotiate("application/openmetrics-text;q=abc"))
        .isEqualTo(PROMETHEUS_TEXT);
  }

  @Test
  void gzip_whenListedWithWeight() {
    assertThat(AcceptHeader.allowsGzip("gzip")).isTrue();
    assertThat(AcceptHeader.allowsGzip("deflate, gzip;q=0.5")).isTrue();
    assertThat(AcceptHeader.allowsGzip("*")).isTrue();
    assertThat(AcceptHeader.allowsGzip("gzip;q=0")).isFalse();
    assertThat(AcceptHeader.allowsGzip("identity")).isFalse();
    assertThat(AcceptHeader.allowsGzip(null)).isFalse();
  }
}
