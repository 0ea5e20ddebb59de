package io.caracal.server.http;

import java.time.Duration;
import java.util.Objects;

/**
 * Protocol-layer limits of the HTTP server. Each default lives on its accessor's description here.
 *
 * @param maxBodyBytes largest request body (after de-chunking), config {@code http-max-body-bytes},
 *     default 64 MiB; larger bodies get 413 and the connection is closed
 * @param maxJsonDepth deepest JSON nesting allowed in a request, config {@code
 *     http-max-json-depth}, default 100 (Triton's limit); deeper gets 400 {@code JSON nesting depth
 *     exceeds maximum allowed limit (100)}
 * @param maxNumberLength longest JSON number token in characters, config {@code
 *     http-max-number-length}, default 100
 * @param maxInitialLineLength longest request line, config {@code http-max-initial-line-length},
 *     default 4 KiB; longer gets 414
 * @param maxHeaderSize largest header block, config {@code http-max-header-size}, default 8 KiB;
 *     larger gets 431
 * @param maxTensorElements most elements one input tensor may declare, config {@code
 *     http-max-tensor-elements}, default 64 Mi
 * @param idleTimeout how long an idle connection (no request in flight, no I/O) is kept open,
 *     config {@code http-idle-timeout}, default 60 s; zero disables
 */
public record HttpLimits(
    int maxBodyBytes,
    int maxJsonDepth,
    int maxNumberLength,
    int maxInitialLineLength,
    int maxHeaderSize,
    long maxTensorElements,
    Duration idleTimeout) {

  /** The defaults listed above. */
  public static final HttpLimits DEFAULTS =
      new HttpLimits(64 << 20, 100, 100, 4096, 8192, 64L << 20, Duration.ofSeconds(60));

  public HttpLimits {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    positive("maxBodyBytes", maxBodyBytes);
    positive("maxJsonDepth", maxJsonDepth);
    positive("maxNumberLength", maxNumberLength);
    positive("maxInitialLineLength", maxInitialLineLength);
    positive("maxHeaderSize", maxHeaderSize);
    positive("maxTensorElements", maxTensorElements);
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException("idleTimeout must not be negative: " + idleTimeout);
    }
  }

  /** Returns the defaults. */
  public static HttpLimits defaults() {
    return DEFAULTS;
  }

  /** Returns a copy with another body limit. */
  public HttpLimits withMaxBodyBytes(int v) {
    return new HttpLimits(
        v,
        maxJsonDepth,
        maxNumberLength,
        maxInitialLineLength,
        maxHeaderSize,
        maxTensorElements,
        idleTimeout);
  }

  /** Returns a copy with another JSON depth limit. */
  public HttpLimits withMaxJsonDepth(int v) {
    return new HttpLimits(
        maxBodyBytes,
        v,
        maxNumberLength,
        maxInitialLineLength,
        maxHeaderSize,
        maxTensorElements,
        idleTimeout);
  }

  /** Returns a copy with another tensor element cap. */
  public HttpLimits withMaxTensorElements(long v) {
    return new HttpLimits(
        maxBodyBytes,
        maxJsonDepth,
        maxNumberLength,
        maxInitialLineLength,
        maxHeaderSize,
        v,
        idleTimeout);
  }

  /** Returns a copy with another idle timeout. */
  public HttpLimits withIdleTimeout(Duration v) {
    return new HttpLimits(
        maxBodyBytes,
        maxJsonDepth,
        maxNumberLength,
        maxInitialLineLength,
        maxHeaderSize,
        maxTensorElements,
        v);
  }

  private static void positive(String name, long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be positive: " + v);
    }
  }
}
