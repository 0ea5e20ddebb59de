package io.caracal.core.observe;

import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything the reporting layers learn about one transport call: what the transport saw when it
 * arrived (protocol, method, route template, client), what core did with it (resolved model
 * version, queue wait, the batch it ran in, the cache's decision; as its {@link RequestObserver}),
 * how it was answered (status, error kind, bytes), and the trace it belongs to.
 *
 * <p>One per call. The transport creates it, passes it to {@link CallListener#started}, hands it to
 * core with the request ({@link io.caracal.api.InferenceRequest#withObserver}), fills in the answer
 * and passes it to {@link CallListener#finished}. Fields are written by one thread at a time, each
 * write before the next stage starts (the request's future, the event loop hand-off); they are
 * volatile so that a listener on another thread reads them safely.
 *
 * <p>Strings from the client ({@link #requestedModel}, {@link #userAgent}) are raw: a listener that
 * writes them escapes them, and metric labels use only {@link #model()}, which comes from the
 * registry.
 */
public final class CallRecord implements RequestObserver {
  /** The transport of a call. */
  public enum Protocol {
    HTTP,
    GRPC;

    /** Lower-case name, as logs and labels use it. */
    public String label() {
      return this == HTTP ? "http" : "grpc";
    }
  }

  private final Protocol protocol;
  private final String method;
  private final String route;
  private final String requestId;
  private final long startNanos;
  private final Instant startTime;
  private final @Nullable String clientAddress;
  private final @Nullable String userAgent;
  private final Map<String, String> propagation;

  private volatile @Nullable String requestedModel;
  private volatile @Nullable String requestedVersion;
  private volatile @Nullable String model;
  private volatile long version = -1;
  private volatile long enqueuedNanos = -1;
  private volatile long dequeuedNanos = -1;
  private volatile @Nullable BatchExecution execution;
  private volatile @Nullable CacheOutcome cacheOutcome;
  private volatile long cacheLookupNanos;
  private volatile int status;
  private volatile String statusText = "";
  private volatile @Nullable String errorType;
  private volatile long bytesIn;
  private volatile long bytesOut;
  private volatile long endNanos = -1;
  private volatile @Nullable String traceId;
  private volatile @Nullable String spanId;
  private volatile boolean sampled;
  private volatile @Nullable Object traceState;

  /**
   * Starts the record of a call.
   *
   * @param protocol the transport
   * @param method the HTTP method, or the gRPC method's simple name ({@code ModelInfer})
   * @param route the route template ({@code /v2/models/{model}/infer}), never the raw path; for
   *     gRPC the full method name ({@code inference.GRPCInferenceService/ModelInfer})
   * @param requestId the id the server gave the call (also in its error logs)
   * @param startNanos ticker time of arrival ({@link System#nanoTime()})
   * @param startTime wall-clock time of arrival
   * @param clientAddress the peer's address, if known
   * @param userAgent the client's user agent, if sent (raw)
   * @param propagation the trace propagation headers the client sent ({@code traceparent}, {@code
   *     tracestate}), lower-case names
   */
  public CallRecord(
      Protocol protocol,
      String method,
      String route,
      String requestId,
      long startNanos,
      Instant startTime,
      @Nullable String clientAddress,
      @Nullable String userAgent,
      Map<String, String> propagation) {
    this.protocol = Objects.requireNonNull(protocol, "protocol");
    this.method = Objects.requireNonNull(method, "method");
    this.route = Objects.requireNonNull(route, "route");
    this.requestId = Objects.requireNonNull(requestId, "requestId");
    this.startNanos = startNanos;
    this.startTime = Objects.requireNonNull(startTime, "startTime");
    this.clientAddress = clientAddress;
    this.userAgent = userAgent;
    this.propagation = Map.copyOf(propagation);
  }

  // --- RequestObserver: core's part ---

  @Override
  public void resolved(String model, long version) {
    this.model = model;
    this.version = version;
  }

  @Override
  public void dequeued(long enqueuedNanos, long dequeuedNanos) {
    this.enqueuedNanos = enqueuedNanos;
    this.dequeuedNanos = dequeuedNanos;
  }

  @Override
  public void executed(BatchExecution execution) {
    this.execution = execution;
  }

  @Override
  public void cache(CacheOutcome outcome, long lookupNanos) {
    this.cacheOutcome = outcome;
    this.cacheLookupNanos = lookupNanos;
  }

  // --- the transport's part ---

  /** The model (and version string, "" for none) the client named, raw. */
  public void requested(String model, String version) {
    this.requestedModel = model;
    this.requestedVersion = version;
  }

  /** Bytes of the request body (after any content coding was removed, as received). */
  public void bytesIn(long bytes) {
    this.bytesIn = bytes;
  }

  /**
   * The call was answered at ticker time {@code endNanos}.
   *
   * @param status the HTTP status code, or the gRPC status code's number
   * @param statusText a short name of the status ({@code OK}, {@code INVALID_ARGUMENT}, {@code Not
   *     Found})
   * @param errorType the kind of failure (the simple name of the {@code InferenceError} or
   *     transport problem), or null on success
   * @param bytesOut bytes of the response body
   */
  public void answered(
      int status, String statusText, @Nullable String errorType, long bytesOut, long endNanos) {
    this.status = status;
    this.statusText = statusText;
    this.errorType = errorType;
    this.bytesOut = bytesOut;
    this.endNanos = endNanos;
  }

  // --- tracing's part ---

  /**
   * The trace this call belongs to (set by the tracing listener at start).
   *
   * @param state the tracer's own object for the call (its span), read back at finish
   */
  public void traced(String traceId, String spanId, boolean sampled, @Nullable Object state) {
    this.traceId = traceId;
    this.spanId = spanId;
    this.sampled = sampled;
    this.traceState = state;
  }

  // --- reads ---

  public Protocol protocol() {
    return protocol;
  }

  public String method() {
    return method;
  }

  public String route() {
    return route;
  }

  public String requestId() {
    return requestId;
  }

  public long startNanos() {
    return startNanos;
  }

  public Instant startTime() {
    return startTime;
  }

  public @Nullable String clientAddress() {
    return clientAddress;
  }

  public @Nullable String userAgent() {
    return userAgent;
  }

  /** Trace propagation headers the client sent, by lower-case name. */
  public Map<String, String> propagation() {
    return propagation;
  }

  public @Nullable String requestedModel() {
    return requestedModel;
  }

  public @Nullable String requestedVersion() {
    return requestedVersion;
  }

  /** The loaded model the call resolved to (from the registry), or null if it resolved to none. */
  public @Nullable String model() {
    return model;
  }

  /** The resolved version, or -1. */
  public long version() {
    return version;
  }

  /** Ticker time the request joined the scheduler's queue, or -1 if it never left it in a batch. */
  public long enqueuedNanos() {
    return enqueuedNanos;
  }

  /** Ticker time the request left the queue in a batch, or -1. */
  public long dequeuedNanos() {
    return dequeuedNanos;
  }

  /** Time the request waited in the queue, or 0 if it never left it in a batch. */
  public long queueNanos() {
    long d = dequeuedNanos;
    return d < 0 ? 0 : d - enqueuedNanos;
  }

  /** The successful execution of the batch the request ran in, or null. */
  public @Nullable BatchExecution execution() {
    return execution;
  }

  /** The cache's decision, or null if the model does not use the cache. */
  public @Nullable CacheOutcome cacheOutcome() {
    return cacheOutcome;
  }

  public long cacheLookupNanos() {
    return cacheLookupNanos;
  }

  /** HTTP status, or gRPC status code number; 0 until answered. */
  public int status() {
    return status;
  }

  public String statusText() {
    return statusText;
  }

  public @Nullable String errorType() {
    return errorType;
  }

  /** Whether the call failed (an error type was recorded). */
  public boolean failed() {
    return errorType != null;
  }

  public long bytesIn() {
    return bytesIn;
  }

  public long bytesOut() {
    return bytesOut;
  }

  /** Ticker time of the answer, or -1 until answered. */
  public long endNanos() {
    return endNanos;
  }

  /** Time from arrival to answer, or 0 until answered. */
  public long durationNanos() {
    long e = endNanos;
    return e < 0 ? 0 : e - startNanos;
  }

  public @Nullable String traceId() {
    return traceId;
  }

  public @Nullable String spanId() {
    return spanId;
  }

  /** Whether the call's trace is sampled (exported). */
  public boolean sampled() {
    return sampled;
  }

  /**
   * The W3C {@code traceparent} that tells the client which trace its call joined ({@code 00-<trace
   * id>-<span id>-<flags>}), or null when the call was not traced.
   */
  public @Nullable String traceparent() {
    String t = traceId;
    String s = spanId;
    return t == null || s == null ? null : "00-" + t + "-" + s + (sampled ? "-01" : "-00");
  }

  /** The tracer's object for this call, or null. */
  public @Nullable Object traceState() {
    return traceState;
  }

  /** Converts ticker time {@code nanos} of this call to wall-clock time. */
  public Instant wallTime(long nanos) {
    return startTime.plusNanos(nanos - startNanos);
  }
}
