package io.caracal.accesslog;

import java.nio.charset.StandardCharsets;
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
  private byte[] prefix = new byte[0];

  /** Writes {@code t} to {@code out}. */
  void append(AsciiJsonLine out, Instant t) {
    append(out, t.getEpochSecond(), t.getNano());
  }

  /**
   * Writes the instant {@code epochSecond} and {@code nanos} ({@link Instant#getNano}) to {@code
   * out}.
   */
  void append(AsciiJsonLine out, long epochSecond, int nanos) {
    long s = epochSecond;
    if (s != second) {
      if (s < 0 || s > LAST_SECOND_OF_9999) {
        // before 1970 or past year 9999: the JDK's own form, uncached
        out.ascii(Instant.ofEpochSecond(s, nanos).toString().getBytes(StandardCharsets.US_ASCII));
        return;
      }
      second = s;
      String text = Instant.ofEpochSecond(s).toString(); // "yyyy-MM-ddTHH:mm:ssZ"
      prefix = text.substring(0, text.length() - 1).getBytes(StandardCharsets.US_ASCII);
    }
    out.ascii(prefix);
    if (nanos != 0) {
      out.put('.');
      if (nanos % 1_000_000 == 0) {
        out.digits(nanos / 1_000_000, 3);
      } else if (nanos % 1000 == 0) {
        out.digits(nanos / 1000, 6);
      } else {
        out.digits(nanos, 9);
      }
    }
    out.put('Z');
  }
}
