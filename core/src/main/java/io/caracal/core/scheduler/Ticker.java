package io.caracal.core.scheduler;

/**
 * A source of monotonic nanoseconds (Caffeine's {@code Ticker}). Core reads time only through an
 * injected ticker, so tests drive time with a fake one. Implementations are thread-safe.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current time in nanoseconds, from an arbitrary origin; never decreases. */
  long read();

  /** Returns the ticker over {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
