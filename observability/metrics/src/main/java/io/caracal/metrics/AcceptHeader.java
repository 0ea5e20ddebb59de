package io.caracal.metrics;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Content negotiation for a scrape: picks the format with the highest q-value among those the
 * {@code Accept} header lists that the endpoint speaks, the first listed on a tie; falls back to
 * Prometheus text 0.0.4 when nothing matches, the header is missing or malformed (Prometheus's
 * content negotiation: "fall back to 0.0.4"). Also reads {@code Accept-Encoding} for gzip.
 *
 * <p>client_java's own {@code ExpositionFormats.findWriter} prefers protobuf whenever it is listed
 * at all, whatever its weight; this class honours the weights.
 */
final class AcceptHeader {
  private AcceptHeader() {}

  /** Returns the format to answer a scrape whose {@code Accept} header is {@code accept}. */
  static ExpositionFormat negotiate(@Nullable String accept) {
    if (accept == null || accept.isBlank()) {
      return ExpositionFormat.PROMETHEUS_TEXT;
    }
    ExpositionFormat best = null;
    double bestQ = 0;
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      double q = 1;
      String version = null;
      String proto = null;
      String encoding = null;
      for (int i = 1; i < parts.length; i++) {
        int eq = parts[i].indexOf('=');
        if (eq < 0) {
          continue;
        }
        String name = parts[i].substring(0, eq).trim().toLowerCase(Locale.ROOT);
        String value = unquote(parts[i].substring(eq + 1).trim());
        switch (name) {
          case "q" -> q = weight(value);
          case "version" -> version = value;
          case "proto" -> proto = value;
          case "encoding" -> encoding = value;
          default -> {}
        }
      }
      ExpositionFormat f = match(type, version, proto, encoding);
      if (f != null && q > bestQ) {
        best = f;
        bestQ = q;
      }
    }
    return best == null ? ExpositionFormat.PROMETHEUS_TEXT : best;
  }

  private static @Nullable ExpositionFormat match(
      String type, @Nullable String version, @Nullable String proto, @Nullable String encoding) {
    return switch (type) {
      case "application/vnd.google.protobuf" ->
          "io.prometheus.client.MetricFamily".equals(proto)
                  && (encoding == null || encoding.equalsIgnoreCase("delimited"))
              ? ExpositionFormat.PROTOBUF
              : null;
      case "application/openmetrics-text" ->
          version == null || version.equals("1.0.0") || version.equals("0.0.1")
              ? ExpositionFormat.OPENMETRICS
              : null;
      case "text/plain" ->
          version == null || version.equals("0.0.4") ? ExpositionFormat.PROMETHEUS_TEXT : null;
      case "*/*", "text/*" -> ExpositionFormat.PROMETHEUS_TEXT;
      default -> null;
    };
  }

  /** Returns whether {@code acceptEncoding} allows gzip (listed, or {@code *}, with q > 0). */
  static boolean allowsGzip(@Nullable String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String coding : acceptEncoding.split(",")) {
      String[] parts = coding.split(";");
      String name = parts[0].trim().toLowerCase(Locale.ROOT);
      if (!name.equals("gzip") && !name.equals("*")) {
        continue;
      }
      double q = 1;
      for (int i = 1; i < parts.length; i++) {
        String p = parts[i].trim();
        if (p.toLowerCase(Locale.ROOT).startsWith("q=")) {
          q = weight(p.substring(2).trim());
        }
      }
      if (q > 0) {
        return true;
      }
    }
    return false;
  }

  /** A q-value; malformed ones weigh 0 (the range is ignored). */
  private static double weight(String value) {
    try {
      double q = Double.parseDouble(value);
      return q >= 0 && q <= 1 ? q : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String unquote(String v) {
    return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")
        ? v.substring(1, v.length() - 1)
        : v;
  }
}
