package io.caracal.tracing;

import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver;
import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.trace.TraceSettings;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Traces inference calls: samples each one when it starts and, for a sampled call, records its
 * spans from the {@link CallRecord} when it is answered.
 *
 * <pre>
 * POST /v2/models/{model}/infer  (SERVER; or inference.GRPCInferenceService/ModelInfer)
 *   ├── queue     enqueued → taken in a batch          event QUEUE_START
 *   ├── compute   the batch's backend call              events COMPUTE_START, COMPUTE_INPUT_END,
 *   │                                                          COMPUTE_OUTPUT_START, COMPUTE_END
 *   └── batch     once per batch, under its first sampled member, linked to every member's span
 * </pre>
 *
 * <p>Only inference calls are traced (Triton's trace settings are about inference requests; health
 * probes would otherwise use up the sampling). The settings of the model named by the call are used
 * when the transport knows it at start ({@link CallRecord#requestedModel()}), else the global ones.
 * An unsampled call builds no span object: {@link #started} costs one volatile read when tracing is
 * off, and a context extraction plus a counter when it is on.
 *
 * <p>The tracer must sample every span it is asked for (the SDK's always-on sampler): this listener
 * samples. Spans carry explicit timestamps from the record's ticker (converted with {@link
 * CallRecord#wallTime}), so they are exact whatever thread ends them. Thread-safe.
 */
public final class TracingListener implements CallListener {
  static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<Long> RPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("caracal.request.id");
  static final AttributeKey<String> MODEL = AttributeKey.stringKey("caracal.model.name");
  static final AttributeKey<String> VERSION = AttributeKey.stringKey("caracal.model.version");
  static final AttributeKey<String> CACHE = AttributeKey.stringKey("caracal.cache.result");
  static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("caracal.batch.size");
  static final AttributeKey<String> BATCH_CLOSE =
      AttributeKey.stringKey("caracal.batch.close_reason");
  static final AttributeKey<Long> INSTANCE = AttributeKey.longKey("caracal.instance");

  private final Supplier<Tracer> tracer;
  private final TraceSettings settings;
  private final TraceSampler sampler;
  private final LongSupplier nanoTime;

  /**
   * Creates the listener.
   *
   * @param tracer a tracer whose sampler is always-on
   * @param settings the live trace settings
   * @param forcedPerSecond the most calls a second traced because their client's context was
   *     sampled
   */
  public TracingListener(Tracer tracer, TraceSettings settings, int forcedPerSecond) {
    this(() -> tracer, settings, forcedPerSecond);
  }

  /**
   * Creates a listener whose tracer is asked for only when a call is sampled (so that an exporter
   * that is never used is never built).
   */
  TracingListener(Supplier<Tracer> tracer, TraceSettings settings, int forcedPerSecond) {
    this(tracer, settings, new TraceSampler(forcedPerSecond, System::nanoTime), System::nanoTime);
  }

  TracingListener(
      Supplier<Tracer> tracer,
      TraceSettings settings,
      TraceSampler sampler,
      LongSupplier nanoTime) {
    this.tracer = Objects.requireNonNull(tracer, "tracer");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.sampler = Objects.requireNonNull(sampler, "sampler");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  @Override
  public void started(CallRecord call) {
    sampler.start(settings, call, this::sampled);
  }

  private void sampled(CallRecord call, TraceSampler.Sampling s) {
    Span span = serverSpan(call, s.parentContext());
    SpanContext c = span.getSpanContext();
    call.traced(c.getTraceId(), c.getSpanId(), true, span);
  }

  @Override
  public void finished(CallRecord call) {
    if (!(call.traceState() instanceof Span span)) {
      return;
    }
    long endNanos = call.endNanos() >= 0 ? call.endNanos() : nanoTime.getAsLong();
    String model = call.model();
    if (model != null) {
      span.setAttribute(MODEL, model);
      span.setAttribute(VERSION, Long.toString(call.version()));
    }
    RequestObserver.CacheOutcome cache = call.cacheOutcome();
    if (cache != null) {
      span.setAttribute(CACHE, cache.name().toLowerCase(Locale.ROOT));
    }
    status(span, call);
    Tracer tracer = this.tracer.get();
    Context parent = Context.root().with(span);
    if (call.dequeuedNanos() >= 0) {
      Instant start = call.wallTime(call.enqueuedNanos());
      tracer
          .spanBuilder("queue")
          .setParent(parent)
          .setStartTimestamp(start)
          .startSpan()
          .addEvent("QUEUE_START", start)
          .end(call.wallTime(call.dequeuedNanos()));
    }
    BatchExecution execution = call.execution();
    if (execution != null) {
      compute(tracer, call, execution, parent);
      if (recordsBatch(execution, call)) {
        batch(tracer, call, execution, parent);
      }
    }
    span.addEvent("REQUEST_END", call.wallTime(endNanos));
    span.end(call.wallTime(endNanos));
  }

  private Span serverSpan(CallRecord call, Context parentContext) {
    boolean http = call.protocol() == CallRecord.Protocol.HTTP;
    SpanBuilder b =
        tracer
            .get()
            .spanBuilder(http ? call.method() + " " + call.route() : call.route())
            .setSpanKind(SpanKind.SERVER)
            .setStartTimestamp(call.startTime())
            .setAttribute(REQUEST_ID, call.requestId());
    if (parentContext == Context.root()) {
      b.setNoParent();
    } else {
      b.setParent(parentContext);
    }
    if (http) {
      b.setAttribute(HTTP_METHOD, call.method()).setAttribute(HTTP_ROUTE, call.route());
    } else {
      int slash = call.route().lastIndexOf('/');
      b.setAttribute(RPC_SYSTEM, "grpc").setAttribute(RPC_METHOD, call.method());
      if (slash > 0) {
        b.setAttribute(RPC_SERVICE, call.route().substring(0, slash));
      }
    }
    String client = call.clientAddress();
    if (client != null) {
      b.setAttribute(CLIENT_ADDRESS, client);
    }
    return b.startSpan().addEvent("REQUEST_START", call.startTime());
  }

  /**
   * The answer's status; only a server error sets {@code error.type} and the ERROR status (a 4xx or
   * a client's gRPC error leaves a SERVER span's status unset, per the semantic conventions).
   */
  private static void status(Span span, CallRecord call) {
    boolean serverError;
    if (call.protocol() == CallRecord.Protocol.HTTP) {
      if (call.status() > 0) {
        span.setAttribute(HTTP_STATUS, (long) call.status());
      }
      serverError = call.status() >= 500;
    } else {
      if (call.endNanos() >= 0) {
        span.setAttribute(RPC_STATUS, (long) call.status());
      }
      serverError = isGrpcServerError(call.status());
    }
    if (serverError) {
      String type = call.errorType();
      span.setAttribute(ERROR_TYPE, type != null ? type : Integer.toString(call.status()));
      span.setStatus(StatusCode.ERROR);
    }
  }

  /** UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS (semconv gRPC). */
  private static boolean isGrpcServerError(int code) {
    return code == 2 || code == 4 || code == 12 || code == 13 || code == 14 || code == 15;
  }

  private static void compute(Tracer tracer, CallRecord call, BatchExecution e, Context parent) {
    Instant start = call.wallTime(e.startNanos());
    Instant end = call.wallTime(e.endNanos());
    tracer
        .spanBuilder("compute")
        .setParent(parent)
        .setStartTimestamp(start)
        .setAttribute(BATCH_SIZE, e.size())
        .startSpan()
        .addEvent("COMPUTE_START", start)
        .addEvent("COMPUTE_INPUT_END", call.wallTime(e.inputEndNanos()))
        .addEvent("COMPUTE_OUTPUT_START", call.wallTime(e.inferEndNanos()))
        .addEvent("COMPUTE_END", end)
        .end(end);
  }

  /**
   * Whether {@code call} records the batch span of {@code e}: the first member in batch order that
   * is sampled (decided at each member's start, before the batch ran), so a batch with any sampled
   * member gets exactly one span.
   */
  static boolean recordsBatch(BatchExecution e, CallRecord call) {
    for (RequestObserver m : e.members()) {
      if (m instanceof CallRecord c && c.sampled()) {
        return c == call;
      }
    }
    return false;
  }

  private static void batch(Tracer tracer, CallRecord call, BatchExecution e, Context parent) {
    SpanBuilder b =
        tracer
            .spanBuilder("batch")
            .setParent(parent)
            .setStartTimestamp(call.wallTime(e.startNanos()))
            .setAttribute(MODEL, e.model())
            .setAttribute(VERSION, Long.toString(e.version()))
            .setAttribute(BATCH_SIZE, e.size())
            .setAttribute(BATCH_CLOSE, e.closeReason())
            .setAttribute(INSTANCE, (long) e.instance());
    for (RequestObserver m : e.members()) {
      if (m instanceof CallRecord c) {
        SpanContext link = spanContext(c);
        if (link != null) {
          b.addLink(link);
        }
      }
    }
    b.startSpan().end(call.wallTime(e.endNanos()));
  }

  /** A member's span context: its span's when sampled, else one from its propagated ids. */
  private static @Nullable SpanContext spanContext(CallRecord c) {
    if (c.traceState() instanceof Span s) {
      return s.getSpanContext();
    }
    String traceId = c.traceId();
    String spanId = c.spanId();
    if (traceId == null || spanId == null) {
      return null;
    }
    return SpanContext.create(traceId, spanId, TraceFlags.getDefault(), TraceState.getDefault());
  }
}
