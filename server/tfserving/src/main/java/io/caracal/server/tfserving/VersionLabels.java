package io.caracal.server.tfserving;

import java.util.Map;
import java.util.OptionalLong;

/**
 * A model's version labels ({@code stable → 42}), as TF Serving's {@code version_labels}. A request
 * that names a label is answered by the labelled version; a label the model has not got is TF's
 * {@code INVALID_ARGUMENT Unrecognized servable version label: <l>}. Implementations are
 * thread-safe; {@link #NONE} knows no label (no {@code --model-config-file} labels yet).
 */
@FunctionalInterface
public interface VersionLabels {
  /** Knows no label. */
  VersionLabels NONE = (model, label) -> OptionalLong.empty();

  /** Returns the version {@code label} points at for {@code model}, or empty when none. */
  OptionalLong version(String model, String label);

  /** Returns fixed labels: model → (label → version). */
  static VersionLabels of(Map<String, Map<String, Long>> labels) {
    Map<String, Map<String, Long>> copy = Map.copyOf(labels);
    return (model, label) -> {
      Long v = copy.getOrDefault(model, Map.of()).get(label);
      return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    };
  }
}
