package io.caracal.server.http;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on connections and on how slowly a request may arrive (issue 12): a client that trickles
 * its header block or its body, or opens connections without end, is refused instead of holding the
 * server's sockets and buffers.
 *
 * @param headerTimeout time from a request's first byte until its header block is complete; 408 and
 *     close beyond it; zero = none
 * @param bodyTimeout time from the end of the header block until the body is complete; 408 and
 *     close beyond it; zero = none
 * @param maxConnections open HTTP connections at most; a new one beyond gets 503 and is closed; 0 =
 *     unbounded
 * @param maxConnectionsPerAddress open connections from one client address at most (mind load
 *     balancers, whose connections all come from a few addresses); 0 = unbounded
 */
public record ConnectionLimits(
    Duration headerTimeout,
    Duration bodyTimeout,
    int maxConnections,
    int maxConnectionsPerAddress) {

  /** 30 s for headers, 60 s for a body, 10,000 connections, 1,000 per address. */
  public static final ConnectionLimits DEFAULTS =
      new ConnectionLimits(Duration.ofSeconds(30), Duration.ofSeconds(60), 10_000, 1_000);

  /** No bounds (embedded use, tests of other behaviour). */
  public static final ConnectionLimits NONE =
      new ConnectionLimits(Duration.ZERO, Duration.ZERO, 0, 0);

  public ConnectionLimits {
    Objects.requireNonNull(headerTimeout, "headerTimeout");
    Objects.requireNonNull(bodyTimeout, "bodyTimeout");
    if (headerTimeout.isNegative() || bodyTimeout.isNegative()) {
      throw new IllegalArgumentException("timeouts must not be negative");
    }
    if (maxConnections < 0 || maxConnectionsPerAddress < 0) {
      throw new IllegalArgumentException("connection limits must not be negative");
    }
  }
}
