package io.caracal.core.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelNamesTest {

  @Test
  void theRuleAsALoop_agreesWithTheRegex_onSeededRandomNames() {
    java.util.regex.Pattern rule = java.util.regex.Pattern.compile(ModelNames.RULE);
    String alphabet = "aZ09_.-/\\%\u0000\u00e9\u202e \t\n";
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
    for (int i = 0; i < 20_000; i++) {
      int len = rnd.nextInt(8) == 0 ? 120 + rnd.nextInt(20) : rnd.nextInt(6);
      StringBuilder sb = new StringBuilder();
      for (int j = 0; j < len; j++) {
        sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
      }
      String name = sb.toString();
      boolean expected = rule.matcher(name).matches() && !name.equals(".") && !name.equals("..");
      assertThat(ModelNames.matchesRule(name)).as(name).isEqualTo(expected);
      assertThat(ModelNames.isValid(name)).as(name).isEqualTo(expected);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"simple", "a", "Model-1.2_x", "0abc", "a..b"})
  void accepts_validNames(String name) {
    assertThat(ModelNames.isValid(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        ".",
        "..",
        "../x",
        "a/b",
        "a\\b",
        "%2e%2e",
        "..%2F",
        "-x",
        "_x",
        ".hidden",
        "a b",
        "caf\u00e9",
        "\uff0e\uff0e\uff0f",
        "a\u202eb",
        "\ud83d\ude00"
      })
  void refuses_invalidNames(String name) {
    assertThat(ModelNames.problem(name)).isPresent();
  }

  @Test
  void problem_namesTheReason() {
    assertThat(ModelNames.problem("..")).contains("model name '..' is not allowed");
    assertThat(ModelNames.problem("a/b").orElseThrow()).contains("path separator");
    assertThat(ModelNames.problem("%2e%2e").orElseThrow()).contains("'%'");
    assertThat(ModelNames.problem("x".repeat(129)).orElseThrow()).contains("longer than 128");
    assertThat(ModelNames.isValid("x".repeat(128))).isTrue();
  }

  @Test
  void problem_neverEchoesControlCharactersRaw() {
    String msg = ModelNames.problem("a\0b").orElseThrow();
    assertThat(msg).contains("NUL").contains("a\\u0000b").doesNotContain("\0");
    String ctl = ModelNames.problem("a\u001bb\nc").orElseThrow();
    assertThat(ctl).contains("control character").doesNotContain("\u001b").doesNotContain("\n");
    assertThat(ModelNames.problem("a\u202eb").orElseThrow())
        .doesNotContain("\u202e")
        .contains("\\u202e");
  }

  @Test
  void requireValid_throws() {
    assertThatThrownBy(() -> ModelNames.requireValid(".."))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
