package io.caracal.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Triton's {@code --metrics-config key=value} settings, parsed strictly.
 *
 * <ul>
 *   <li>{@code counter_latencies} (default true): the {@code nv_*} latency counters ({@code
 *       nv_inference_*_duration_us}, {@code nv_cache_*_duration_per_model}). False omits only
 *       those; Triton also zeroes the request counts then (srv#8125), Caracal does not.
 *   <li>{@code histogram_latencies} (default false): adds the {@code
 *       nv_inference_*_duration_histogram_us} families proposed in core#474 and Triton's {@code
 *       nv_inference_first_response_histogram_ms}.
 *   <li>{@code summary_latencies} (default false): adds Triton's {@code nv_inference_*_summary_us}
 *       and {@code nv_cache_*_summary_per_model} summaries.
 *   <li>{@code summary_quantiles} (default {@code
 *       0.5:0.05,0.9:0.01,0.95:0.001,0.99:0.001,0.999:0.001}): the summaries' quantiles and allowed
 *       errors, {@code q:err} pairs.
 * </ul>
 *
 * <p>An unknown key, a value that is not {@code true}/{@code false}, or a malformed quantile is an
 * {@link IllegalArgumentException} naming the key (Triton logs and skips bad quantile pairs).
 *
 * @param counterLatencies whether the latency counters are exported
 * @param histogramLatencies whether Triton's proposed µs histograms are exported
 * @param summaryLatencies whether Triton's summaries are exported
 * @param summaryQuantiles the summaries' quantiles
 */
public record MetricsConfig(
    boolean counterLatencies,
    boolean histogramLatencies,
    boolean summaryLatencies,
    List<Quantile> summaryQuantiles) {

  /** A quantile of a summary and the error allowed in its rank. */
  public record Quantile(double quantile, double error) {
    public Quantile {
      if (!(quantile >= 0 && quantile <= 1) || !(error >= 0 && error <= 1)) {
        throw new IllegalArgumentException(
            "quantile and error must be in 0..1, got " + quantile + ":" + error);
      }
    }
  }

  /** Triton's defaults. */
  public static final MetricsConfig DEFAULTS =
      new MetricsConfig(
          true,
          false,
          false,
          List.of(
              new Quantile(0.5, 0.05),
              new Quantile(0.9, 0.01),
              new Quantile(0.95, 0.001),
              new Quantile(0.99, 0.001),
              new Quantile(0.999, 0.001)));

  /** The keys {@link #parse} knows. */
  public static final List<String> KEYS =
      List.of("counter_latencies", "histogram_latencies", "summary_latencies", "summary_quantiles");

  public MetricsConfig {
    summaryQuantiles = List.copyOf(summaryQuantiles);
  }

  /**
   * Parses {@code key=value} settings over the defaults; a later setting of a key wins.
   *
   * @throws IllegalArgumentException naming the setting when a key is unknown or a value invalid
   */
  public static MetricsConfig parse(List<String> settings) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String s : settings) {
      Objects.requireNonNull(s, "setting");
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "metrics-config: expected key=value, got '" + s + "' (keys: " + KEYS + ")");
      }
      String key = s.substring(0, eq).trim();
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "metrics-config: unknown key '" + key + "' (keys: " + String.join(", ", KEYS) + ")");
      }
      values.put(key, s.substring(eq + 1).trim());
    }
    return new MetricsConfig(
        flag(values, "counter_latencies", DEFAULTS.counterLatencies),
        flag(values, "histogram_latencies", DEFAULTS.histogramLatencies),
        flag(values, "summary_latencies", DEFAULTS.summaryLatencies),
        values.containsKey("summary_quantiles")
            ? quantiles(values.get("summary_quantiles"))
            : DEFAULTS.summaryQuantiles);
  }

  private static boolean flag(Map<String, String> values, String key, boolean fallback) {
    String v = values.get(key);
    if (v == null) {
      return fallback;
    }
    return switch (v.toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "metrics-config: " + key + " must be true or false, got '" + v + "'");
    };
  }

  private static List<Quantile> quantiles(String v) {
    List<Quantile> out = new ArrayList<>();
    for (String pair : v.split(",")) {
      String[] qe = pair.trim().split(":");
      try {
        if (qe.length != 2) {
          throw new IllegalArgumentException("not q:err");
        }
        out.add(new Quantile(Double.parseDouble(qe[0]), Double.parseDouble(qe[1])));
      } catch (IllegalArgumentException e) { // NumberFormatException included
        throw new IllegalArgumentException(
            "metrics-config: summary_quantiles must be q:err pairs separated by commas (e.g."
                + " 0.5:0.05,0.99:0.001), got '"
                + v
                + "'",
            e);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("metrics-config: summary_quantiles is empty");
    }
    return out;
  }
}
