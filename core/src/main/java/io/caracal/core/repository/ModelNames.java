package io.caracal.core.repository;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * The one validator for model names, used by every entry point (repository scan, inference,
 * metadata, readiness) before a name is resolved against anything. A valid name matches {@code
 * {@link #RULE} and is not {@code .} or {@code ..}; percent-encoding is
 * never decoded here, so {@code %2e%2e} is simply invalid. Messages never echo control or
 * non-ASCII characters raw: they are shown as {@code \\uXXXX}. Stateless and thread-safe.
 */
public final class ModelNames {
  /** The longest valid name. */
  public static final int MAX_LENGTH = 128;

  /** The rule a name must match (besides not being {@code .} or {@code ..}), as a regex. */
  public static final String RULE = "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}";

  private static final Pattern VALID = Pattern.compile(RULE);

  private ModelNames() {}

  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,18}");

  /**
   * Returns the version a string names: a positive decimal without sign or leading zeros that fits
   * a long (a version folder's name, or a version a client asks for); empty for anything else.
   */
  public static OptionalLong versionNumber(String s) {
    if (!VERSION.matcher(s).matches()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(s));
    } catch (NumberFormatException e) {
      return OptionalLong.empty(); // 19 digits beyond Long.MAX_VALUE
    }
  }

  /** Returns whether {@code name} is a valid model name. */
  public static boolean isValid(String name) {
    return problem(name).isEmpty();
  }

  /** Returns why {@code name} is not a valid model name, or empty when it is valid. */
  public static Optional<String> problem(String name) {
    if (matchesRule(name)) {
      return Optional.empty(); // the common case, checked on every request: no regex, no message
    }
    if (name.isEmpty()) {
      return Optional.of("model name is empty");
    }
    String shown = printable(name);
    if (name.length() > MAX_LENGTH) {
      return Optional.of("model name '" + shown + "' is longer than " + MAX_LENGTH + " characters");
    }
    if (name.indexOf('\0') >= 0) {
      return Optional.of("model name '" + shown + "' contains a NUL character");
    }
    if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
      return Optional.of("model name '" + shown + "' contains a path separator");
    }
    if (name.indexOf('%') >= 0) {
      return Optional.of("model name '" + shown + "' contains '%'");
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        return Optional.of("model name '" + shown + "' contains a control character");
      }
    }
    if (name.equals(".") || name.equals("..")) {
      return Optional.of("model name '" + name + "' is not allowed");
    }
    if (!VALID.matcher(name).matches()) {
      return Optional.of(
          "model name '"
              + shown
              + "' must start with a letter or digit and contain only letters, digits, '_', '.' and '-'");
    }
    return Optional.empty();
  }

  /**
   * Whether {@code name} matches {@link #RULE}: the regex as a loop, for the path every request
   * takes (the regex and the message's escaped name cost 1.3 % of the server's CPU time in a
   * profile, issue 10). {@code .} and {@code ..} do not match (they start with a dot).
   */
  static boolean matchesRule(String name) {
    int n = name.length();
    if (n == 0 || n > MAX_LENGTH || !isAsciiLetterOrDigit(name.charAt(0))) {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = name.charAt(i);
      if (!isAsciiLetterOrDigit(c) && c != '_' && c != '.' && c != '-') {
        return false;
      }
    }
    return true;
  }

  private static boolean isAsciiLetterOrDigit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  /**
   * Returns {@code name} when valid.
   *
   * @throws IllegalArgumentException naming the problem
   */
  public static String requireValid(String name) {
    Optional<String> problem = problem(name);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
    return name;
  }

  /**
   * Returns {@code s} safe to put in a message: printable ASCII kept, everything else as {@code
   * \\uXXXX}, cut after 64 characters.
   */
  public static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    int limit = Math.min(s.length(), 64);
    for (int i = 0; i < limit; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        sb.append(c);
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    if (s.length() > limit) {
      sb.append("...");
    }
    return sb.toString();
  }
}
