package io.caracal.app;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Known names close to a mistyped one, for the "did you mean" part of an error: the nearest name
 * when it is a likely typo (edit distance at most a quarter of the length, at least 1), else the
 * names that contain what was typed ({@code port} suggests {@code http-port} and {@code
 * grpc-port}).
 */
final class Suggestions {
  private static final int MAX_CONTAINING = 3;

  private Suggestions() {}

  /**
   * Returns the suggestions for {@code typed}: a typo's correction, else up to 3 names containing
   * it.
   */
  static List<String> similar(String typed, Collection<String> known) {
    Optional<String> typo = typo(typed, known);
    if (typo.isPresent()) {
      return List.of(typo.get());
    }
    String lower = typed.toLowerCase(Locale.ROOT);
    return lower.length() < 3
        ? List.of()
        : known.stream()
            .filter(k -> k.toLowerCase(Locale.ROOT).contains(lower))
            .limit(MAX_CONTAINING)
            .toList();
  }

  /** Returns the known name {@code typed} is most likely a typo of, if any. */
  static Optional<String> typo(String typed, Collection<String> known) {
    int allowed = Math.max(1, typed.length() / 4);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(typed.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d <= allowed && d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Returns {@code " (did you mean a or b?)"}, or an empty string when there is nothing to suggest.
   */
  static String hint(List<String> suggestions) {
    return suggestions.isEmpty()
        ? ""
        : " (did you mean " + OptionValues.alternatives(suggestions) + "?)";
  }

  /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
