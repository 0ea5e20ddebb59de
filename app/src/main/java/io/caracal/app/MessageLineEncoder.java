package io.caracal.app;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import io.caracal.accesslog.AccessLines;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Encodes a logging event as its message and a line break, nothing else, in UTF-8: the access and
 * audit logs' encoder (logback.xml). Their messages are lines of JSON in ASCII, for the access log
 * a block of one thread's lines of the last 20 ms per event; logback's pattern layout ({@code
 * %msg%n}) would copy such a block into a growing {@code StringBuilder}, then into a string, then
 * encode it, which cost the access log's writer about a quarter of its time. This encodes the
 * message once, and an access log block ({@link AccessLines}, the event's argument) not at all: its
 * bytes are written as they are ({@link AccessBlockAppender} also spares the block's message).
 */
public final class MessageLineEncoder extends EncoderBase<ILoggingEvent> {
  private static final byte[] NOTHING = new byte[0];

  @Override
  public byte[] headerBytes() {
    return NOTHING;
  }

  /** Returns the access log's block that {@code event} carries (its only argument), or null. */
  static @Nullable AccessLines block(ILoggingEvent event) {
    Object[] args = event.getArgumentArray();
    return args != null && args.length == 1 && args[0] instanceof AccessLines lines ? lines : null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    AccessLines lines = block(event);
    if (lines != null) {
      // the access log's block: its bytes are already the lines with their breaks, ASCII
      return lines.bytes();
    }
    byte[] message = event.getFormattedMessage().getBytes(StandardCharsets.UTF_8);
    byte[] line = Arrays.copyOf(message, message.length + 1);
    line[message.length] = '\n';
    return line;
  }

  @Override
  public byte[] footerBytes() {
    return NOTHING;
  }
}
