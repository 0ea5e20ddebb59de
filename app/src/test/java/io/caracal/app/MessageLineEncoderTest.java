package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.caracal.accesslog.AccessLines;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageLineEncoderTest {
  private final LoggerContext context = new LoggerContext();

  private byte[] encode(String message) {
    MessageLineEncoder encoder = new MessageLineEncoder();
    encoder.setContext(context);
    encoder.start();
    LoggingEvent event =
        new LoggingEvent("x", context.getLogger("caracal.access"), Level.INFO, message, null, null);
    return encoder.encode(event);
  }

  @Test
  void anAccessLogBlockIsWrittenAsItsBytes_theSameAsItsTextAndALineBreak() {
    List<AccessLines> blocks = AccessBlocks.of("a", "b\"\n");
    assertThat(blocks.stream().mapToInt(AccessLines::count).sum()).isEqualTo(2);
    MessageLineEncoder encoder = new MessageLineEncoder();
    encoder.setContext(context);
    encoder.start();
    for (AccessLines lines : blocks) {
      LoggingEvent event =
          new LoggingEvent(
              "x",
              context.getLogger("caracal.access"),
              Level.INFO,
              "{}",
              null,
              new Object[] {lines});
      byte[] written = encoder.encode(event);
      assertThat(written).isSameAs(lines.bytes()); // not copied
      assertThat(written).isEqualTo(encode(event.getFormattedMessage())); // what %msg%n writes
      assertThat(event.getFormattedMessage().split("\n")).hasSize(lines.count());
    }
  }

  @Test
  void writesTheMessageAndALineBreak_asPercentMsgPercentNDoes() {
    String block = "{\"a\":1}\n{\"b\":\"{}\"}";
    assertThat(new String(encode(block), StandardCharsets.UTF_8)).isEqualTo(block + "\n");
    assertThat(encode("caf\u00e9")).isEqualTo("caf\u00e9\n".getBytes(StandardCharsets.UTF_8));
    assertThat(new MessageLineEncoder().headerBytes()).isEmpty();
    assertThat(new MessageLineEncoder().footerBytes()).isEmpty();
  }
}
