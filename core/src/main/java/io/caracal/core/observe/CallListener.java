package io.caracal.core.observe;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports on transport calls: told when a call starts (before the transport decodes it) and when it
 * is answered or abandoned. The access log, traces and metrics are listeners; the transports call
 * {@link #started} and {@link #finished} exactly once per call, in that order, {@code finished}
 * after the answer was handed to the network. Listeners must be cheap and must not block; a
 * listener that throws is logged and does not disturb the call or the other listeners.
 */
public interface CallListener {
  /** Listens to nothing. */
  CallListener NONE = new CallListener() {};

  /** A call arrived; {@code call} holds its transport facts and propagation headers. */
  default void started(CallRecord call) {}

  /** The call was answered (or the client went away); {@code call} is complete. */
  default void finished(CallRecord call) {}

  /** Returns a listener that tells each of {@code listeners}, in order. */
  static CallListener of(List<CallListener> listeners) {
    List<CallListener> all = List.copyOf(listeners);
    if (all.isEmpty()) {
      return NONE;
    }
    if (all.size() == 1) {
      return all.get(0);
    }
    return new Composite(all);
  }

  /** Tells several listeners, in order; isolates their failures. */
  final class Composite implements CallListener {
    private static final Logger log = LoggerFactory.getLogger(CallListener.class);
    private final List<CallListener> listeners;

    Composite(List<CallListener> listeners) {
      this.listeners = listeners;
    }

    @Override
    public void started(CallRecord call) {
      for (CallListener l : listeners) {
        try {
          l.started(call);
        } catch (RuntimeException e) {
          log.warn(
              "call listener {} failed at start: {}", l.getClass().getSimpleName(), e.toString());
        }
      }
    }

    @Override
    public void finished(CallRecord call) {
      for (CallListener l : listeners) {
        try {
          l.finished(call);
        } catch (RuntimeException e) {
          log.warn(
              "call listener {} failed at finish: {}", l.getClass().getSimpleName(), e.toString());
        }
      }
    }
  }
}
