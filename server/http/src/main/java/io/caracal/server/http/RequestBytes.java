package io.caracal.server.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A server's budget of request bytes in flight: bodies being received or waiting to be handled, and
 * what their decompression produces. Each request holds what it has received (or, with a {@code
 * Content-Length}, all it declared, at once) until its handler has decoded it; a request that would
 * go beyond the budget is refused with 503 and {@code Retry-After} instead of growing the heap.
 * Thread-safe, lock-free. One budget may serve several listeners (the V2 HTTP and the TF Serving
 * REST listener share the server's), each through a {@link BodyAccounting} per connection.
 */
public final class RequestBytes {
  private final long capacity;
  private final AtomicLong used = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

  /**
   * Creates a budget of {@code capacity} bytes; 0 = unbounded (only counted).
   *
   * @throws IllegalArgumentException if {@code capacity} is negative
   */
  public RequestBytes(long capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0: " + capacity);
    }
    this.capacity = capacity == 0 ? Long.MAX_VALUE : capacity;
  }

  /** Takes {@code n} bytes if the budget has them; false (and counted as refused) if not. */
  public boolean tryAcquire(long n) {
    long u;
    do {
      u = used.get();
      if (n > capacity - u) {
        refused.incrementAndGet();
        return false;
      }
    } while (!used.compareAndSet(u, u + n));
    return true;
  }

  /** Gives {@code n} bytes back. */
  public void release(long n) {
    used.addAndGet(-n);
  }

  /** Bytes held now. */
  public long inUse() {
    return used.get();
  }

  /** Requests refused for want of budget so far. */
  public long refused() {
    return refused.get();
  }
}
