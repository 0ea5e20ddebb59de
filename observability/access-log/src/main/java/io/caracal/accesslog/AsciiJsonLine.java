package io.caracal.accesslog;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Writes flat JSON objects, one per line, as ASCII bytes into a growing array: what {@link
 * AccessLine} renders each call with. Member names are the caller's constants, encoded once ({@link
 * #name}); string values are escaped as JSON requires and every character outside printable ASCII
 * is written as {@code \}{@code uXXXX} (a control character, a line separator or a lone surrogate
 * from a client cannot break the line or its encoding). Not thread-safe: one per writer.
 *
 * <p>Written by hand rather than with a JSON generator because the access log renders every call of
 * a busy server on one thread: this costs a fraction of what a general generator does per line, and
 * writing bytes rather than chars a fraction of what a {@code StringBuilder} does (see
 * docs/performance.md, "Access log").
 */
final class AsciiJsonLine {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** The longest text an {@code int} takes in decimal, sign included. */
  private static final int INT_DIGITS = 11;

  private byte[] buf;
  private int len;
  private boolean first;

  AsciiJsonLine(int capacity) {
    this.buf = new byte[capacity];
  }

  /**
   * Returns a member name as this writer writes it ({@code "name":}); the name must be printable
   * ASCII without quotes or backslashes.
   */
  static byte[] name(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
        throw new IllegalArgumentException("not a plain ASCII member name: " + name);
      }
    }
    return ('"' + name + "\":").getBytes(StandardCharsets.US_ASCII);
  }

  /** Starts an object. */
  void begin() {
    put('{');
    first = true;
  }

  /** Ends the object. */
  void end() {
    put('}');
  }

  /** Writes a string member. */
  void string(byte[] name, String value) {
    member(name);
    quoted(value);
  }

  /** Writes a string member if {@code value} is not null. */
  void optional(byte[] name, @Nullable String value) {
    if (value != null) {
      string(name, value);
    }
  }

  /** Writes a number member. */
  void number(byte[] name, long value) {
    member(name);
    digits(value);
  }

  /**
   * Starts a member whose value the caller writes next ({@link #put}, {@link #ascii}, {@link
   * #digits}), as valid JSON text.
   */
  void member(byte[] name) {
    ensure(name.length + 1);
    if (!first) {
      buf[len++] = ',';
    }
    first = false;
    System.arraycopy(name, 0, buf, len, name.length);
    len += name.length;
  }

  /** Writes one ASCII character as it is. */
  void put(char c) {
    ensure(1);
    buf[len++] = (byte) c;
  }

  /** Writes ASCII bytes as they are. */
  void ascii(byte[] text) {
    ensure(text.length);
    System.arraycopy(text, 0, buf, len, text.length);
    len += text.length;
  }

  /** Writes {@code value} in decimal. */
  void digits(long value) {
    if (value == (int) value) {
      intDigits((int) value);
      return;
    }
    // past an int (rare in a log line): the JDK's text
    ascii(Long.toString(value).getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Writes {@code value} in decimal, two digits per division (an int's division by a constant is a
   * multiplication once compiled; a long's, digit by digit, was half the writer's time).
   */
  private void intDigits(int value) {
    ensure(INT_DIGITS);
    int v = value;
    if (v < 0) {
      if (v == Integer.MIN_VALUE) {
        ascii(Integer.toString(v).getBytes(StandardCharsets.US_ASCII));
        return;
      }
      buf[len++] = '-';
      v = -v;
    }
    int size = decimalLength(v);
    int p = len + size;
    while (v >= 100) {
      int q = v / 100;
      int r = v - q * 100;
      v = q;
      buf[--p] = (byte) ('0' + r % 10);
      buf[--p] = (byte) ('0' + r / 10);
    }
    if (v >= 10) {
      buf[--p] = (byte) ('0' + v % 10);
      buf[--p] = (byte) ('0' + v / 10);
    } else {
      buf[--p] = (byte) ('0' + v);
    }
    len += size;
  }

  /** Digits of {@code v}, which is not negative. */
  private static int decimalLength(int v) {
    int size = 1;
    for (int limit = 10; size < 10 && v >= limit; limit *= 10) {
      size++;
    }
    return size;
  }

  /** Writes {@code value} (not negative) in decimal with leading zeros to {@code width} digits. */
  void digits(int value, int width) {
    for (int limit = 10, w = width - 1; w > 0; limit *= 10, w--) {
      if (value < limit) {
        put('0'); // one leading zero per missing digit
      }
    }
    intDigits(value);
  }

  /** Writes {@code s} as a JSON string, quotes included. */
  void quoted(String s) {
    int n = s.length();
    ensure(n * 6 + 2); // every char escaped as a six-byte unicode escape at worst
    byte[] b = buf;
    int p = len;
    b[p++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        b[p++] = (byte) c;
      } else {
        p = escape(b, p, c);
      }
    }
    b[p++] = '"';
    len = p;
  }

  private static int escape(byte[] b, int at, char c) {
    int p = at;
    b[p++] = '\\';
    switch (c) {
      case '"' -> b[p++] = '"';
      case '\\' -> b[p++] = '\\';
      case '\n' -> b[p++] = 'n';
      case '\r' -> b[p++] = 'r';
      case '\t' -> b[p++] = 't';
      case '\b' -> b[p++] = 'b';
      case '\f' -> b[p++] = 'f';
      default -> {
        b[p++] = 'u';
        b[p++] = HEX[(c >> 12) & 0xf];
        b[p++] = HEX[(c >> 8) & 0xf];
        b[p++] = HEX[(c >> 4) & 0xf];
        b[p++] = HEX[c & 0xf];
      }
    }
    return p;
  }

  /** Bytes written since the last {@link #reset}. */
  int length() {
    return len;
  }

  /** Forgets what was written after the first {@code length} bytes. */
  void truncate(int length) {
    if (length < 0 || length > len) {
      throw new IndexOutOfBoundsException("length " + length + " of " + len);
    }
    len = length;
  }

  /** Forgets what was written; keeps the array unless it grew past {@code keep} bytes. */
  void reset(int keep) {
    len = 0;
    if (buf.length > keep) {
      buf = new byte[keep];
    }
  }

  /** Returns a copy of what was written since the last {@link #reset}. */
  byte[] bytes() {
    return Arrays.copyOf(buf, len);
  }

  /** Returns what was written since the last {@link #reset}, as text. */
  String text() {
    return new String(buf, 0, len, StandardCharsets.ISO_8859_1); // ASCII: one copy, no decoding
  }

  private void ensure(int more) {
    if (buf.length - len < more) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }
}
