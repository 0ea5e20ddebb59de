package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
  private static final List<String> KEYS =
      List.of("host", "http-port", "grpc-port", "max-json-depth", "max-rank");

  @Test
  void typo_isTheNearestWithinAQuarterOfTheLength() {
    assertThat(Suggestions.typo("htp-port", KEYS)).contains("http-port");
    assertThat(Suggestions.typo("max-json-dpeth", KEYS))
        .as("adjacent swap")
        .contains("max-json-depth");
    assertThat(Suggestions.typo("HOST", KEYS)).as("any case").contains("host");
    assertThat(Suggestions.typo("port", KEYS)).as("two edits in four letters").isEmpty();
  }

  @Test
  void similar_fallsBackToNamesContainingWhatWasTyped() {
    assertThat(Suggestions.similar("port", KEYS)).containsExactly("http-port", "grpc-port");
    assertThat(Suggestions.similar("max", KEYS)).containsExactly("max-json-depth", "max-rank");
    assertThat(Suggestions.similar("mx", KEYS)).as("too short to search for").isEmpty();
    assertThat(Suggestions.similar("bogus", KEYS)).isEmpty();
  }

  @Test
  void hint_readsAsAQuestion() {
    assertThat(Suggestions.hint(List.of())).isEmpty();
    assertThat(Suggestions.hint(List.of("a"))).isEqualTo(" (did you mean a?)");
    assertThat(Suggestions.hint(List.of("a", "b", "c"))).isEqualTo(" (did you mean a, b or c?)");
  }

  @Test
  void distance_countsEditsAndSwaps() {
    assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
    assertThat(Suggestions.distance("abc", "abc")).isZero();
    assertThat(Suggestions.distance("abc", "acb")).isEqualTo(1);
    assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
  }
}
