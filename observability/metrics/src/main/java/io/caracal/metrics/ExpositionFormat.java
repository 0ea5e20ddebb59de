package io.caracal.metrics;

import java.util.Locale;
import java.util.Optional;

/** The exposition formats the endpoint speaks (Prometheus's content negotiation, digest §2.4). */
enum ExpositionFormat {
  /** Prometheus text 0.0.4: classic types, no exemplars; the fallback of last resort. */
  PROMETHEUS_TEXT("text/plain; version=0.0.4; charset=utf-8", "text"),
  /** OpenMetrics text 1.0.0: units, exemplars, {@code _created}, ends with {@code # EOF}. */
  OPENMETRICS("application/openmetrics-text; version=1.0.0; charset=utf-8", "openmetrics"),
  /** Prometheus protobuf, length-delimited {@code MetricFamily} messages: native histograms. */
  PROTOBUF(
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
      "prometheus-protobuf");

  private final String contentType;
  private final String debugName;

  ExpositionFormat(String contentType, String debugName) {
    this.contentType = contentType;
    this.debugName = debugName;
  }

  /** The exact Content-Type of a response in this format. */
  String contentType() {
    return contentType;
  }

  /** The value of {@code ?debug=} that shows this format as text (client_java's names). */
  String debugName() {
    return debugName;
  }

  /** Returns the format {@code ?debug=name} asks for. */
  static Optional<ExpositionFormat> ofDebugName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (ExpositionFormat f : values()) {
      if (f.debugName.equals(n)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
