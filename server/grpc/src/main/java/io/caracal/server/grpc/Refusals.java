package io.caracal.server.grpc;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Counts refusals of one kind and lets at most one of them a minute be logged, so that a flood of
 * refused calls or connections costs one log line a minute, never one per refusal. Thread-safe.
 */
final class Refusals {
  private static final long LOG_EVERY_NANOS = 60_000_000_000L;

  private final AtomicLong count = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

  /** Counts one refusal; calls {@code log} with the count so far if none was logged this minute. */
  void refuse(LongConsumer log) {
    long n = count.incrementAndGet();
    long now = System.nanoTime();
    long last = lastLog.get();
    if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
      log.accept(n);
    }
  }

  /** Refusals so far. */
  long count() {
    return count.get();
  }
}
