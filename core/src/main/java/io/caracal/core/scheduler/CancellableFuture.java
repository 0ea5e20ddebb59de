package io.caracal.core.scheduler;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A future whose dependents ({@code thenApply}, {@code handle}, {@code exceptionallyCompose}, ...)
 * pass cancellation back to it: cancelling the future a transport holds, however many stages after
 * the runner's, withdraws the queued request. Thread-safe.
 */
final class CancellableFuture<T> extends CompletableFuture<T> {
  private final @Nullable CompletableFuture<?> root; // null for the root itself

  CancellableFuture() {
    this.root = null;
  }

  private CancellableFuture(CompletableFuture<?> root) {
    this.root = root;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CancellableFuture<>(root == null ? this : root);
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (root != null) {
      root.cancel(mayInterruptIfRunning);
    }
    return cancelled;
  }
}
