package io.caracal.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Rfc3339InstantsTest {
  private final Rfc3339Instants instants = new Rfc3339Instants();

  private String text(Instant t) {
    AsciiJsonLine out = new AsciiJsonLine(4); // grows as it writes
    out.put('x');
    instants.append(out, t);
    return out.text().substring(1);
  }

  @Test
  void writesWhatInstantToStringWrites() {
    Random random = new Random(7);
    long base = Instant.parse("2026-12-03T07:00:00Z").getEpochSecond();
    for (int i = 0; i < 20_000; i++) {
      long second = base + random.nextInt(5); // mostly the cached second, sometimes a new one
      int nanos =
          switch (i % 5) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1000;
            case 3 -> random.nextInt(10) + 1; // leading zeros
            default -> random.nextInt(1_000_000_000);
          };
      Instant t = Instant.ofEpochSecond(second, nanos);
      assertThat(text(t)).isEqualTo(t.toString());
    }
  }

  @Test
  void datesOutsideFourDigitYearsAndTheEpochToo() {
    for (Instant t :
        new Instant[] {
          Instant.EPOCH,
          Instant.parse("1969-12-31T23:59:59.999999999Z"),
          Instant.parse("9999-12-31T23:59:59.5Z"),
          Instant.MAX,
          Instant.MIN,
          Instant.ofEpochSecond(-62_200_000_000L, 10)
        }) {
      assertThat(text(t)).isEqualTo(t.toString());
    }
  }
}
