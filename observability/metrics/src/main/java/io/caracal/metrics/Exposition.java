package io.caracal.metrics;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/**
 * Renders a scrape of the registry in one format, optionally gzipped, with client_java's writers.
 * Thread-safe.
 */
final class Exposition {
  /** A rendered scrape: the body and its headers. */
  record Body(byte[] bytes, String contentType, boolean gzipped) {}

  private final PrometheusRegistry registry;
  private final PrometheusTextFormatWriter text = PrometheusTextFormatWriter.create();
  private final OpenMetricsTextFormatWriter openMetrics =
      OpenMetricsTextFormatWriter.builder().setCreatedTimestampsEnabled(false).build();
  private final PrometheusProtobufWriter protobuf = new PrometheusProtobufWriter();

  Exposition(PrometheusRegistry registry) {
    this.registry = registry;
  }

  private ExpositionFormatWriter writer(ExpositionFormat format) {
    return switch (format) {
      case PROMETHEUS_TEXT -> text;
      case OPENMETRICS -> openMetrics;
      case PROTOBUF -> protobuf;
    };
  }

  /** Scrapes the registry and renders it in {@code format}, gzipped if {@code gzip}. */
  Body render(ExpositionFormat format, boolean gzip) {
    MetricSnapshots snapshots = registry.scrape();
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      if (gzip) {
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
          writer(format).write(z, snapshots, EscapingScheme.UNDERSCORE_ESCAPING);
        }
      } else {
        writer(format).write(out, snapshots, EscapingScheme.UNDERSCORE_ESCAPING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return new Body(out.toByteArray(), format.contentType(), gzip);
  }

  /**
   * Renders a scrape as readable text for {@code ?debug=}: the text formats as they are, protobuf
   * as its text representation.
   */
  Body debug(ExpositionFormat format) {
    String s = writer(format).toDebugString(registry.scrape(), EscapingScheme.UNDERSCORE_ESCAPING);
    return new Body(s.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8", false);
  }
}
