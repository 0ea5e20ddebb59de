package io.caracal.core.observe;

import io.caracal.core.scheduler.Ticker;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a transport uses to report its calls: starts a {@link CallRecord} stamped with the server's
 * ticker and wall clock and tells the {@link CallListener}; {@link #finish} tells it again once the
 * call is answered. One per server, shared by the transports.
 */
public final class CallTracker {
  /** Reports to nobody (tests, embedded use). */
  public static final CallTracker NONE =
      new CallTracker(CallListener.NONE, Ticker.system(), InstantSource.system());

  private final CallListener listener;
  private final Ticker ticker;
  private final InstantSource wallClock;

  /**
   * @param listener told about every call
   * @param ticker the monotonic clock, the one the scheduler uses
   * @param wallClock stamps the calls' arrival
   */
  public CallTracker(CallListener listener, Ticker ticker, InstantSource wallClock) {
    this.listener = Objects.requireNonNull(listener, "listener");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
  }

  /** Whether anybody listens; a transport may skip building what only listeners read. */
  public boolean enabled() {
    return listener != CallListener.NONE;
  }

  /** Returns the ticker's current time, for a transport's own stamps. */
  public long now() {
    return ticker.read();
  }

  /**
   * Starts the record of a call that arrived now, whose model is not known yet, and tells the
   * listener; arguments as in {@link CallRecord#CallRecord}.
   */
  public CallRecord start(
      CallRecord.Protocol protocol,
      String method,
      String route,
      String requestId,
      @Nullable String clientAddress,
      @Nullable String userAgent,
      Map<String, String> propagation) {
    return start(
        protocol, method, route, requestId, clientAddress, userAgent, propagation, null, "");
  }

  /**
   * Starts the record of a call that arrived now, whose target the transport knows on arrival (an
   * HTTP path names the model), and tells the listener; arguments as in {@link
   * CallRecord#CallRecord}. The record says so ({@link CallRecord#requested}) before the listener
   * is told, so that a listener can decide per model (the tracer's per-model settings).
   *
   * @param requestedModel the model the client named (raw), or null
   * @param requestedVersion the version it named, "" for none
   */
  public CallRecord start(
      CallRecord.Protocol protocol,
      String method,
      String route,
      String requestId,
      @Nullable String clientAddress,
      @Nullable String userAgent,
      Map<String, String> propagation,
      @Nullable String requestedModel,
      String requestedVersion) {
    CallRecord r =
        new CallRecord(
            protocol,
            method,
            route,
            requestId,
            ticker.read(),
            wallClock.instant(),
            clientAddress,
            userAgent,
            propagation);
    if (requestedModel != null) {
      r.requested(requestedModel, requestedVersion);
    }
    listener.started(r);
    return r;
  }

  /**
   * Records the answer of {@code call} (now) and tells the listener; arguments as in {@link
   * CallRecord#answered}.
   */
  public void finish(
      CallRecord call, int status, String statusText, @Nullable String errorType, long bytesOut) {
    call.answered(status, statusText, errorType, bytesOut, ticker.read());
    listener.finished(call);
  }
}
