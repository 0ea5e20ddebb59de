package io.caracal.tracing;

import io.caracal.core.observe.CallRecord;
import io.caracal.core.trace.TraceSettings;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.trace.IdGenerator;
import java.util.Map;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

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

  /**
   * A call's decision and the client's context it was made on ({@link Context#root()} and an
   * invalid span context when the client sent none).
   */
  record Sampling(Decision decision, Context parentContext, SpanContext parent) {}

  private static final Sampling NOT_TRACED =
      new Sampling(Decision.NONE, Context.root(), SpanContext.getInvalid());

  /** A root call that is traced: no client context. */
  private static final Sampling ROOT_SAMPLED =
      new Sampling(Decision.SAMPLED, Context.root(), SpanContext.getInvalid());

  private static final TextMapGetter<Map<String, String>> HEADERS =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public @Nullable String get(@Nullable Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  /** Records a sampled call: gives it its ids and state ({@link CallRecord#traced}). */
  @FunctionalInterface
  interface Recorder {
    void sampled(CallRecord call, Sampling sampling);
  }

  private final ForcedTraceLimiter forced;
  private final IdGenerator ids = IdGenerator.random();

  TraceSampler(int forcedPerSecond, LongSupplier nanoTime) {
    this.forced = new ForcedTraceLimiter(forcedPerSecond, nanoTime);
  }

  /**
   * Decides for {@code call} as it starts: not traced when its scope ({@code settings} of the model
   * the call names, else the global ones) is off or it is not an inference call; else from the
   * client's W3C context ({@link CallRecord#propagation()}).
   */
  Sampling sample(TraceSettings settings, CallRecord call) {
    TraceSettings.Scope scope = settings.scope(call.requestedModel());
    if (!scope.isEnabled() || !isInference(call)) {
      return NOT_TRACED;
    }
    if (call.propagation().isEmpty()) {
      // most calls: a root, decided by the counter alone (no context to extract, nothing built)
      return scope.takeRoot() ? ROOT_SAMPLED : NOT_TRACED;
    }
    Context parentContext =
        W3CTraceContextPropagator.getInstance()
            .extract(Context.root(), call.propagation(), HEADERS);
    SpanContext parent = Span.fromContext(parentContext).getSpanContext();
    return new Sampling(decide(scope, parent), parentContext, parent);
  }

  /**
   * Samples {@code call} as it starts: a sampled call goes to {@code recorder}; an unsampled call
   * whose client sent a context keeps the client's trace id with a span id of its own (for the
   * access log and the response's {@code traceparent}); any other call is left alone.
   */
  void start(TraceSettings settings, CallRecord call, Recorder recorder) {
    Sampling s = sample(settings, call);
    switch (s.decision()) {
      case NONE -> {}
      case UNSAMPLED -> call.traced(s.parent().getTraceId(), ids.generateSpanId(), false, null);
      case SAMPLED -> recorder.sampled(call, s);
    }
  }

  /** Inference calls: the REST infer routes and the gRPC infer methods. */
  private static boolean isInference(CallRecord call) {
    return call.protocol() == CallRecord.Protocol.HTTP
        ? call.route().endsWith("/infer")
        : call.method().equals("ModelInfer") || call.method().equals("ModelStreamInfer");
  }

  /** Decides for a call of an enabled {@code scope} whose client sent {@code parent} (or none). */
  Decision decide(TraceSettings.Scope scope, SpanContext parent) {
    if (parent.isValid()) {
      return parent.isSampled() && forced.tryAcquire() ? Decision.SAMPLED : Decision.UNSAMPLED;
    }
    return scope.takeRoot() ? Decision.SAMPLED : Decision.NONE;
  }
}
