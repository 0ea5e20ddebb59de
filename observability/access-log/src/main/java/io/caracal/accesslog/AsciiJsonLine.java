package io.caracal.accesslog;

import org.jspecify.annotations.Nullable;

/**
 * Appends flat JSON objects, one per line, to a {@link StringBuilder}, in ASCII only: what {@link
 * AccessLine} renders each call with. Member names are the caller's constants and are written as
 * they are; string values are escaped as JSON requires and every character outside printable ASCII
 * is written as {@code \}{@code uXXXX} (a control character, a line separator or a lone surrogate
 * from a client cannot break the line or its encoding). Not thread-safe: one per writer.
 *
 * <p>Written by hand rather than with a JSON generator because the access log renders every call of
 * a busy server on one thread: this costs a fraction of what a general generator does per line (see
 * docs/performance.md, "Access log").
 */
final class AsciiJsonLine {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder out;
  private boolean first;

  AsciiJsonLine(StringBuilder out) {
    this.out = out;
  }

  /** Starts an object. */
  void begin() {
    out.append('{');
    first = true;
  }

  /** Ends the object. */
  void end() {
    out.append('}');
  }

  /** Writes a string member. */
  void string(String name, String value) {
    name(name);
    quoted(value);
  }

  /** Writes a string member if {@code value} is not null. */
  void optional(String name, @Nullable String value) {
    if (value != null) {
      string(name, value);
    }
  }

  /** Writes a number member. */
  void number(String name, long value) {
    name(name);
    out.append(value);
  }

  /** Writes a member whose value the caller appends next, already valid JSON text. */
  StringBuilder raw(String name) {
    name(name);
    return out;
  }

  private void name(String name) {
    if (!first) {
      out.append(',');
    }
    first = false;
    out.append('"').append(name).append("\":");
  }

  private void quoted(String s) {
    out.append('"');
    int n = s.length();
    int plain = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        continue;
      }
      out.append(s, plain, i);
      escape(c);
      plain = i + 1;
    }
    out.append(s, plain, n).append('"');
  }

  private void escape(char c) {
    switch (c) {
      case '"' -> out.append("\\\"");
      case '\\' -> out.append("\\\\");
      case '\n' -> out.append("\\n");
      case '\r' -> out.append("\\r");
      case '\t' -> out.append("\\t");
      case '\b' -> out.append("\\b");
      case '\f' -> out.append("\\f");
      default ->
          out.append("\\u")
              .append(HEX[(c >> 12) & 0xf])
              .append(HEX[(c >> 8) & 0xf])
              .append(HEX[(c >> 4) & 0xf])
              .append(HEX[c & 0xf]);
    }
  }
}
