package io.caracal.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a state a test can observe but not be told about (a statistics counter of a real
 * server, a plugin's call count): the condition is checked every few milliseconds until it holds.
 * The pause between checks is a polling interval; nothing depends on its length. Where a latch or a
 * future can signal the state, use that instead.
 */
public final class Await {
  private static final long MAX_PAUSE_MILLIS = 20;

  private Await() {}

  /**
   * Returns once {@code condition} holds.
   *
   * @throws AssertionError naming {@code what} when it does not hold within {@code timeout}
   */
  public static void until(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = 1;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(pause);
      pause = Math.min(MAX_PAUSE_MILLIS, pause * 2);
    }
  }
}
