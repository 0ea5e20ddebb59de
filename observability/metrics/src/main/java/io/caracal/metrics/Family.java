package io.caracal.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * One metric family being filled at scrape time: its name, help, type and label names, then one
 * value per label set. Counters are named without {@code _total}, which every writer appends;
 * {@link Type#UNTYPED} families keep their name exactly (Triton's {@code nv_*} counters).
 */
final class Family {
  /** How the family is exposed. */
  enum Type {
    /** {@code untyped} (text), {@code unknown} (OpenMetrics), {@code UNTYPED} (protobuf). */
    UNTYPED,
    GAUGE,
    COUNTER
  }

  private final Type type;
  private final String name;
  private final String help;
  private final String[] labelNames;
  private final List<Labels> labels = new ArrayList<>();
  private final List<Double> values = new ArrayList<>();

  private Family(Type type, String name, String help, String... labelNames) {
    this.type = type;
    this.name = name;
    this.help = help;
    this.labelNames = labelNames.clone();
  }

  static Family untyped(String name, String help, String... labelNames) {
    return new Family(Type.UNTYPED, name, help, labelNames);
  }

  static Family gauge(String name, String help, String... labelNames) {
    return new Family(Type.GAUGE, name, help, labelNames);
  }

  static Family counter(String name, String help, String... labelNames) {
    return new Family(Type.COUNTER, name, help, labelNames);
  }

  /** Adds a value for the label values given in the order of the label names. */
  Family add(double value, String... labelValues) {
    if (labelValues.length != labelNames.length) {
      throw new IllegalArgumentException(
          name + ": " + labelNames.length + " label values expected, got " + labelValues.length);
    }
    labels.add(Labels.of(labelNames, labelValues));
    values.add(value);
    return this;
  }

  boolean isEmpty() {
    return values.isEmpty();
  }

  /** Returns the family's snapshot. */
  MetricSnapshot snapshot() {
    MetricMetadata metadata = new MetricMetadata(name, help);
    return switch (type) {
      case UNTYPED ->
          new UnknownSnapshot(
              metadata,
              points(i -> new UnknownDataPointSnapshot(values.get(i), labels.get(i), null)));
      case GAUGE ->
          new GaugeSnapshot(
              metadata,
              points(i -> new GaugeDataPointSnapshot(values.get(i), labels.get(i), null)));
      case COUNTER ->
          new CounterSnapshot(
              metadata,
              points(i -> new CounterDataPointSnapshot(values.get(i), labels.get(i), null, 0)));
    };
  }

  private <P> List<P> points(IntFunction<P> point) {
    List<P> out = new ArrayList<>(values.size());
    for (int i = 0; i < values.size(); i++) {
      out.add(point.apply(i));
    }
    return out;
  }
}
