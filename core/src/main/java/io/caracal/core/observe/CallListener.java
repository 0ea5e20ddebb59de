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

  /**
   * Tells several listeners, in order; isolates their failures. The first three are called from
   * call sites of their own, not from one loop: a server has one composite, so each of those sites
   * sees one listener class and the JIT inlines it, where a loop's one site sees them all and makes
   * a megamorphic call per listener (a JFR profile put 2.7% of the event loops' samples on that one
   * line). Listeners past the third are called in a loop.
   */
  final class Composite implements CallListener {
    private static final Logger log = LoggerFactory.getLogger(CallListener.class);
    private final CallListener first;
    private final CallListener second;
    private final CallListener third;
    private final List<CallListener> rest;

    Composite(List<CallListener> listeners) {
      if (listeners.size() < 2) {
        throw new IllegalArgumentException("a composite of " + listeners.size() + " listeners");
      }
      this.first = listeners.get(0);
      this.second = listeners.get(1);
      this.third = listeners.size() > 2 ? listeners.get(2) : NONE;
      this.rest = listeners.size() > 3 ? listeners.subList(3, listeners.size()) : List.of();
    }

    @Override
    public void started(CallRecord call) {
      try {
        first.started(call);
      } catch (RuntimeException e) {
        failed(first, "start", e);
      }
      try {
        second.started(call);
      } catch (RuntimeException e) {
        failed(second, "start", e);
      }
      try {
        third.started(call);
      } catch (RuntimeException e) {
        failed(third, "start", e);
      }
      for (CallListener l : rest) {
        try {
          l.started(call);
        } catch (RuntimeException e) {
          failed(l, "start", e);
        }
      }
    }

    @Override
    public void finished(CallRecord call) {
      try {
        first.finished(call);
      } catch (RuntimeException e) {
        failed(first, "finish", e);
      }
      try {
        second.finished(call);
      } catch (RuntimeException e) {
        failed(second, "finish", e);
      }
      try {
        third.finished(call);
      } catch (RuntimeException e) {
        failed(third, "finish", e);
      }
      for (CallListener l : rest) {
        try {
          l.finished(call);
        } catch (RuntimeException e) {
          failed(l, "finish", e);
        }
      }
    }

    private static void failed(CallListener l, String when, RuntimeException e) {
      log.warn(
          "call listener {} failed at {}: {}", l.getClass().getSimpleName(), when, e.toString());
    }
  }
}
