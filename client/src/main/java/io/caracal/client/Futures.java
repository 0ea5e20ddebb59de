package io.caracal.client;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/** Blocking on futures with client exceptions. */
final class Futures {
  private Futures() {}

  static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw CaracalClientException.transport("call (interrupted)", e);
    } catch (ExecutionException e) {
      throw CaracalClientException.unwrap(e);
    }
  }

  static Duration positive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + d);
    }
    return d;
  }
}
