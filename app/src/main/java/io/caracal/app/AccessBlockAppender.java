package io.caracal.app;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.ErrorStatus;
import java.io.IOException;

/**
 * The access log's appender (logback.xml): a {@link ConsoleAppender} that writes an access log
 * block without formatting its message first. logback's appender prepares every event for deferred
 * processing, which formats the message; for a block that is a string of all its lines, built and
 * thrown away, since {@link MessageLineEncoder} writes the block's bytes as they are (a fifth of
 * the writer's time in a profile). Nothing is deferred here: the event is written before {@code
 * doAppend} returns and not kept. Every other event, and a block under another encoder, goes
 * logback's way.
 */
public final class AccessBlockAppender extends ConsoleAppender<ILoggingEvent> {
  @Override
  protected void subAppend(ILoggingEvent event) {
    if (!(encoder instanceof MessageLineEncoder) || MessageLineEncoder.block(event) == null) {
      super.subAppend(event);
      return;
    }
    if (!isStarted()) {
      return;
    }
    try {
      writeOut(event);
    } catch (IOException e) {
      // as logback's own appender: stop, and say why in the status
      started = false;
      addStatus(new ErrorStatus("IO failure in appender", this, e));
    }
  }
}
