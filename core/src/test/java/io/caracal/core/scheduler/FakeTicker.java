package io.caracal.core.scheduler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} that moves only when a test advances it. Thread-safe. */
public final class FakeTicker implements Ticker {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Override
  public long read() {
    return nanos.get();
  }

  /** Moves time forward. */
  public FakeTicker advance(long amount, TimeUnit unit) {
    nanos.addAndGet(unit.toNanos(amount));
    return this;
  }
}
