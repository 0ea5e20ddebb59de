package io.caracal.app;

import io.caracal.accesslog.AccessLog;
import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallTracker;
import io.caracal.core.scheduler.Ticker;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The reporting layers of one server (traces, metrics, the access log) as the transports see them:
 * one {@link CallTracker} over the enabled {@link CallListener}s, in the order that lets each read
 * what the one before wrote (tracing first, since it gives the call its trace id). Closed after the
 * transports, so that the last calls are reported.
 */
final class Observability implements AutoCloseable {
  private final CallTracker calls;
  private final @Nullable AccessLog accessLog;

  private Observability(CallTracker calls, @Nullable AccessLog accessLog) {
    this.calls = calls;
    this.accessLog = accessLog;
  }

  /** Builds the layers {@code settings} enable. */
  static Observability start(ServerSettings settings) {
    List<CallListener> listeners = new ArrayList<>();
    AccessLog accessLog = null;
    if (settings.accessLog()) {
      accessLog = AccessLog.toLogger();
      listeners.add(accessLog);
    }
    CallTracker calls =
        new CallTracker(CallListener.of(listeners), Ticker.system(), InstantSource.system());
    return new Observability(calls, accessLog);
  }

  /** What the transports report their calls to. */
  CallTracker calls() {
    return calls;
  }

  @Override
  public void close() {
    if (accessLog != null) {
      accessLog.close();
    }
  }
}
