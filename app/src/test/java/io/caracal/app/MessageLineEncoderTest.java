package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
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
  void writesTheMessageAndALineBreak_asPercentMsgPercentNDoes() {
    String block = "{\"a\":1}\n{\"b\":\"{}\"}";
    assertThat(new String(encode(block), StandardCharsets.UTF_8)).isEqualTo(block + "\n");
    assertThat(encode("caf\u00e9")).isEqualTo("caf\u00e9\n".getBytes(StandardCharsets.UTF_8));
    assertThat(new MessageLineEncoder().headerBytes()).isEmpty();
    assertThat(new MessageLineEncoder().footerBytes()).isEmpty();
  }
}
