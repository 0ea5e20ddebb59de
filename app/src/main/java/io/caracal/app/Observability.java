package io.caracal.app;

import io.caracal.accesslog.AccessLog;
import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallTracker;
import io.caracal.core.scheduler.Ticker;
import io.caracal.core.trace.TraceSettings;
import io.caracal.tracing.TraceConfig;
import io.caracal.tracing.Tracing;
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
  private final Tracing tracing;
  private final @Nullable AccessLog accessLog;

  private Observability(CallTracker calls, Tracing tracing, @Nullable AccessLog accessLog) {
    this.calls = calls;
    this.tracing = tracing;
    this.accessLog = accessLog;
  }

  /** Builds the layers {@code settings} enable. */
  static Observability start(ServerSettings settings) {
    List<CallListener> listeners = new ArrayList<>();
    // Always there, off unless --trace-config or the trace API turns it on (then one volatile read
    // per call): the trace API can enable it at run time.
    Tracing tracing = Tracing.create(TraceConfig.parse(settings.traceConfig(), System.getenv()));
    listeners.add(tracing.listener());
    AccessLog accessLog = null;
    if (settings.accessLog()) {
      accessLog = AccessLog.toLogger();
      listeners.add(accessLog);
    }
    CallTracker calls =
        new CallTracker(CallListener.of(listeners), Ticker.system(), InstantSource.system());
    return new Observability(calls, tracing, accessLog);
  }

  /** The trace settings the transports' trace extension reads and changes. */
  TraceSettings traceSettings() {
    return tracing.settings();
  }

  /** What the transports report their calls to. */
  CallTracker calls() {
    return calls;
  }

  @Override
  public void close() {
    tracing.close(); // exports the spans still queued
    if (accessLog != null) {
      accessLog.close();
    }
  }
}
