package io.caracal.tracing;

import io.caracal.core.trace.TraceSettings;
import io.opentelemetry.api.trace.SpanContext;
import java.util.function.LongSupplier;

/**
 * Decides whether a call is traced: parent-based over Triton's counting root sampler.
 *
 * <ul>
 *   <li>A client's context that is sampled is followed, within {@code forcedPerSecond} a second: a
 *       client cannot force every call to be traced (Triton traces any call with a valid {@code
 *       traceparent}, whatever its flags, rate and count).
 *   <li>A client's context that is not sampled is respected: the call is not recorded, but keeps
 *       the client's trace id for the access log and the response's {@code traceparent}.
 *   <li>A call without a context is a root: every {@code trace_rate}-th is traced while the {@code
 *       trace_count} budget lasts ({@link TraceSettings.Scope#takeRoot()}).
 * </ul>
 *
 * Thread-safe.
 */
final class TraceSampler {
  /** What happens to a call. */
  enum Decision {
    /** No trace: no ids, no spans. */
    NONE,
    /** Part of the client's trace, not recorded: ids only. */
    UNSAMPLED,
    /** Recorded and exported. */
    SAMPLED
  }

  private final ForcedTraceLimiter forced;

  TraceSampler(int forcedPerSecond, LongSupplier nanoTime) {
    this.forced = new ForcedTraceLimiter(forcedPerSecond, nanoTime);
  }

  /** Decides for a call of an enabled {@code scope} whose client sent {@code parent} (or none). */
  Decision decide(TraceSettings.Scope scope, SpanContext parent) {
    if (parent.isValid()) {
      return parent.isSampled() && forced.tryAcquire() ? Decision.SAMPLED : Decision.UNSAMPLED;
    }
    return scope.takeRoot() ? Decision.SAMPLED : Decision.NONE;
  }
}
