package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.caracal.accesslog.AccessLines;
import io.caracal.accesslog.AccessLog;
import io.caracal.core.observe.CallRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
    // the writer may take the first call alone or both together: every block it hands over counts
    List<AccessLines> blocks = new CopyOnWriteArrayList<>();
    AccessLog log = new AccessLog(8, blocks::add);
    for (String model : new String[] {"a", "b\"\n"}) {
      CallRecord c =
          new CallRecord(
              CallRecord.Protocol.HTTP,
              "POST",
              "/v2/models/{model}/infer",
              "c1-1",
              0,
              Instant.parse("2026-12-04T15:00:00Z"),
              null,
              null,
              Map.of());
      c.requested(model, "");
      c.answered(404, "Not Found", "ModelNotFound", 10, 1000);
      log.finished(c);
    }
    log.close();
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
