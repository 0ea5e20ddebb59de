package io.caracal.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AsciiJsonLineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] S = AsciiJsonLine.name("s");
  private static final byte[] N = AsciiJsonLine.name("n");

  @Test
  void numbersAsLongToStringWritesThem() {
    long[] values = {
      0,
      7,
      -7,
      9,
      10,
      99,
      100,
      101,
      999,
      1000,
      1_000_000_000,
      999_999_999,
      Integer.MAX_VALUE,
      Integer.MIN_VALUE,
      Integer.MAX_VALUE + 1L,
      Integer.MIN_VALUE - 1L,
      Long.MAX_VALUE,
      Long.MIN_VALUE,
      Long.MIN_VALUE + 1
    };
    Random random = new Random(3);
    for (int i = 0; i < 10_000 + values.length; i++) {
      long v = i < values.length ? values[i] : random.nextLong() >> random.nextInt(64);
      AsciiJsonLine line = new AsciiJsonLine(1); // grows as it writes
      line.digits(v);
      assertThat(line.text()).isEqualTo(Long.toString(v));
    }
  }

  @Test
  void everyCharRoundTripsAndTheTextStaysAscii() throws Exception {
    StringBuilder all = new StringBuilder();
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      all.append(c); // lone surrogates included
    }
    AsciiJsonLine line = new AsciiJsonLine(16);
    line.begin();
    line.string(S, all.toString());
    line.number(N, -42);
    line.end();
    String text = line.text();

    assertThat(text.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
    JsonNode node = JSON.readTree(text);
    assertThat(node.get("s").asText()).isEqualTo(all.toString());
    assertThat(node.get("n").asLong()).isEqualTo(-42);
  }

  @Test
  void aResetWriterWritesTheSameAsAFreshOne() {
    AsciiJsonLine reused = new AsciiJsonLine(8);
    for (int i = 0; i < 3; i++) {
      reused.reset(8); // a buffer grown past 8 bytes is replaced
      reused.begin();
      reused.string(S, "x".repeat(100 * i) + "\"\n");
      reused.end();
      AsciiJsonLine fresh = new AsciiJsonLine(8);
      fresh.begin();
      fresh.string(S, "x".repeat(100 * i) + "\"\n");
      fresh.end();
      assertThat(reused.text()).isEqualTo(fresh.text()).endsWith("\\\"\\n\"}");
      assertThat(reused.length()).isEqualTo(fresh.length());
    }
  }

  @Test
  void memberNamesMustBePlainAscii() {
    assertThat(
            new String(
                AsciiJsonLine.name("http.route"), java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("\"http.route\":");
    for (String bad : new String[] {"a\"b", "a\\b", "caf\u00e9", "a\nb"}) {
      assertThatThrownBy(() -> AsciiJsonLine.name(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
