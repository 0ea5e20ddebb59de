package io.caracal.core.auth;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The models a principal may infer on: glob patterns ({@code *} any run of characters, {@code ?}
 * one), matched against the whole model name; no pattern means every model.
 *
 * @param globs the patterns as written
 */
public record ModelPatterns(List<String> globs, List<Pattern> compiled) {

  /** Every model. */
  public static final ModelPatterns ALL = new ModelPatterns(List.of(), List.of());

  public ModelPatterns {
    globs = List.copyOf(globs);
    compiled = List.copyOf(compiled);
  }

  /** Returns the patterns {@code globs}; an empty list means every model. */
  public static ModelPatterns of(List<String> globs) {
    if (globs.isEmpty()) {
      return ALL;
    }
    return new ModelPatterns(globs, globs.stream().map(ModelPatterns::compile).toList());
  }

  /** Returns whether the patterns admit {@code model}. */
  public boolean matches(String model) {
    if (compiled.isEmpty()) {
      return true;
    }
    for (Pattern p : compiled) {
      if (p.matcher(model).matches()) {
        return true;
      }
    }
    return false;
  }

  /** Returns whether every model is admitted. */
  public boolean isAll() {
    return compiled.isEmpty();
  }

  private static Pattern compile(String glob) {
    if (glob.isBlank()) {
      throw new IllegalArgumentException("an empty model pattern");
    }
    StringBuilder re = new StringBuilder();
    int literal = 0;
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' || c == '?') {
        if (literal < i) {
          re.append(Pattern.quote(glob.substring(literal, i)));
        }
        re.append(c == '*' ? ".*" : ".");
        literal = i + 1;
      }
    }
    if (literal < glob.length()) {
      re.append(Pattern.quote(glob.substring(literal)));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
