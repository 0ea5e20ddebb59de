package io.caracal.accesslog;

import java.time.Instant;

/**
 * Appends instants as {@link Instant#toString()} writes them (RFC 3339 in UTC, the fraction in
 * groups of three digits, none when zero), reusing the date and time of the last second it wrote:
 * the calls of a busy second share it, so most instants cost a few digits. Not thread-safe: one per
 * writer.
 */
final class Rfc3339Instants {
  private static final long LAST_SECOND_OF_9999 = 253_402_300_799L;

  private long second = Long.MIN_VALUE;
  private String prefix = "";

  /** Appends {@code t} to {@code out}. */
  void append(StringBuilder out, Instant t) {
    long s = t.getEpochSecond();
    if (s != second) {
      if (s < 0 || s > LAST_SECOND_OF_9999) {
        out.append(t); // before 1970 or past year 9999: the JDK's own form, uncached
        return;
      }
      second = s;
      prefix = Instant.ofEpochSecond(s).toString(); // "yyyy-MM-ddTHH:mm:ssZ"
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    out.append(prefix);
    int nanos = t.getNano();
    if (nanos != 0) {
      out.append('.');
      if (nanos % 1_000_000 == 0) {
        digits(out, nanos / 1_000_000, 3);
      } else if (nanos % 1000 == 0) {
        digits(out, nanos / 1000, 6);
      } else {
        digits(out, nanos, 9);
      }
    }
    out.append('Z');
  }

  private static void digits(StringBuilder out, int value, int width) {
    for (int limit = 10, w = width - 1; w > 0; limit *= 10, w--) {
      if (value < limit) {
        out.append('0'); // one leading zero per missing digit
      }
    }
    out.append(value);
  }
}
