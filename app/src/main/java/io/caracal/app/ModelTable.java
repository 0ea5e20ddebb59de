package io.caracal.app;

import io.caracal.api.ModelStatus;
import java.util.List;

/** Formats the model table logged at start: one row per model version with its state and reason. */
final class ModelTable {
  private static final int MAX_REASON = 160;

  private ModelTable() {}

  /** Returns the table as text lines, without a trailing newline. */
  static String format(List<ModelStatus> models) {
    if (models.isEmpty()) {
      return "no models found in the repository";
    }
    int nameWidth = "MODEL".length();
    for (ModelStatus m : models) {
      nameWidth = Math.max(nameWidth, m.name().length());
    }
    StringBuilder sb = new StringBuilder();
    String row = "%-" + nameWidth + "s  %-7s  %-11s  %s";
    sb.append(String.format(row, "MODEL", "VERSION", "STATE", "REASON").stripTrailing());
    for (ModelStatus m : models) {
      String version = m.version() > 0 ? Long.toString(m.version()) : "-";
      String reason =
          m.reason().length() > MAX_REASON ? m.reason().substring(0, MAX_REASON) + "…" : m.reason();
      sb.append('\n')
          .append(String.format(row, m.name(), version, m.state(), reason).stripTrailing());
    }
    return sb.toString();
  }
}
