package io.caracal.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Collects Netty's resource-leak reports ("LEAK: ...", logged by ResourceLeakDetector; the failsafe
 * run sets io.netty.leakDetection.level=paranoid). A report only appears after the leaked buffer
 * was garbage-collected, so {@link #leaks()} first asks for a collection.
 */
final class LeakWatch implements AutoCloseable {
  private static final String LOGGER = "io.netty.util.ResourceLeakDetector";
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger logger;

  LeakWatch() {
    logger = (Logger) LoggerFactory.getLogger(LOGGER);
    appender.start();
    logger.addAppender(appender);
  }

  /** Returns the leak reports so far, after a GC and some traffic that lets Netty report them. */
  List<String> leaks(Runnable traffic) {
    for (int i = 0; i < 3; i++) {
      System.gc();
      traffic.run();
    }
    synchronized (appender.list) {
      return appender.list.stream()
          .map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains("LEAK"))
          .map(m -> m.length() > 400 ? m.substring(0, 400) : m)
          .toList();
    }
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
