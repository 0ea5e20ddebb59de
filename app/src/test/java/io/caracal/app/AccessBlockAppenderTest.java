package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.encoder.EncoderBase;
import io.caracal.accesslog.AccessLines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class AccessBlockAppenderTest {
  private final LoggerContext context = new LoggerContext();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  AccessBlockAppenderTest() {
    context.setMDCAdapter(new LogbackMDCAdapter()); // what logback's SLF4J provider sets
  }

  /** A logging event that counts how often its message is formatted. */
  private final class CountingEvent extends LoggingEvent {
    int formatted;

    CountingEvent(String message, Object @Nullable [] args) {
      super("x", context.getLogger("caracal.access"), Level.INFO, message, null, args);
    }

    @Override
    public String getFormattedMessage() {
      formatted++;
      return super.getFormattedMessage();
    }
  }

  private AccessBlockAppender appender(EncoderBase<ILoggingEvent> encoder) {
    encoder.setContext(context);
    encoder.start();
    AccessBlockAppender appender = new AccessBlockAppender();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.start();
    appender.setOutputStream(out); // instead of standard output
    return appender;
  }

  private static AccessLines block() {
    List<AccessLines> blocks = AccessBlocks.of("m\"");
    assertThat(blocks).hasSize(1);
    return blocks.get(0);
  }

  @Test
  void writesABlocksBytes_withoutFormattingItsMessage() {
    AccessLines lines = block();
    CountingEvent event = new CountingEvent("{}", new Object[] {lines});
    appender(new MessageLineEncoder()).doAppend(event);
    assertThat(out.toByteArray()).isEqualTo(lines.bytes());
    assertThat(event.formatted).isZero();
  }

  @Test
  void anyOtherEventGoesLogbacksWay_preparedAndWrittenAsItsMessage() {
    CountingEvent event = new CountingEvent("audit {}", new Object[] {"x"});
    appender(new MessageLineEncoder()).doAppend(event);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("audit x\n");
    assertThat(event.formatted).isPositive(); // prepared for deferred processing, as logback does
  }

  @Test
  void aBlockUnderAnotherEncoderIsFormattedAsUsual() {
    AccessLines lines = block();
    CountingEvent event = new CountingEvent("{}", new Object[] {lines});
    EncoderBase<ILoggingEvent> messageOnly =
        new EncoderBase<>() {
          @Override
          public byte[] headerBytes() {
            return new byte[0];
          }

          @Override
          public byte[] encode(ILoggingEvent e) {
            return e.getFormattedMessage().getBytes(StandardCharsets.UTF_8);
          }

          @Override
          public byte[] footerBytes() {
            return new byte[0];
          }
        };
    appender(messageOnly).doAppend(event);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(lines.toString());
  }

  @Test
  void aFailingStreamStopsTheAppender_asLogbacksOwnDoes() {
    AccessBlockAppender appender = appender(new MessageLineEncoder());
    appender.setOutputStream(
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("disk gone");
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("disk gone");
          }
        });
    appender.doAppend(new CountingEvent("{}", new Object[] {block()}));
    assertThat(appender.isStarted()).isFalse();
    assertThat(context.getStatusManager().getCopyOfStatusList())
        .anySatisfy(s -> assertThat(s.getMessage()).isEqualTo("IO failure in appender"));
  }
}
