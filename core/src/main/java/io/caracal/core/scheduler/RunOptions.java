package io.caracal.core.scheduler;

import io.caracal.api.InferenceException;
import io.caracal.api.ParameterValue;
import io.caracal.api.RequestObserver;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-request scheduling options, taken from the request's {@code priority} and {@code timeout}
 * parameters (already validated), and the request's custom parameters, which reach the backend.
 *
 * @param priority the priority level, 1 = highest; 0 = the model's default level
 * @param timeoutMicros the queue timeout in microseconds; 0 = the queue policy's default
 * @param custom the request parameters the server does not interpret itself, handed to the backend
 *     with the request ({@link io.caracal.api.backend.ModelInstance#infer(java.util.List,
 *     java.util.List, java.util.List)})
 */
public record RunOptions(
    long priority,
    long timeoutMicros,
    Map<String, ParameterValue> custom,
    RequestObserver observer) {
  /** The default level and the policy's timeout, no custom parameters. */
  public static final RunOptions DEFAULT = new RunOptions(0, 0, Map.of());

  /** Options nobody observes. */
  public RunOptions(long priority, long timeoutMicros, Map<String, ParameterValue> custom) {
    this(priority, timeoutMicros, custom, RequestObserver.NONE);
  }

  /** Request parameters the server interprets itself; every other one is custom. */
  public static final Set<String> SERVER_PARAMETERS =
      Set.of(
          "priority",
          "timeout",
          "sequence_id",
          "sequence_start",
          "sequence_end",
          "binary_data_output",
          "headers");

  /** Returns options without custom parameters. */
  public RunOptions(long priority, long timeoutMicros) {
    this(priority, timeoutMicros, Map.of());
  }

  public RunOptions {
    custom = Map.copyOf(custom);
    java.util.Objects.requireNonNull(observer, "observer");
    if (priority < 0) {
      throw new IllegalArgumentException("priority < 0: " + priority);
    }
    if (timeoutMicros < 0) {
      throw new IllegalArgumentException("timeoutMicros < 0: " + timeoutMicros);
    }
  }

  /** The largest timeout accepted, in microseconds (its nanoseconds fit a long). */
  /** Returns these options with {@code observer} watching the request. */
  public RunOptions withObserver(RequestObserver observer) {
    return observer == this.observer
        ? this
        : new RunOptions(priority, timeoutMicros, custom, observer);
  }

  public static final long MAX_TIMEOUT_MICROS = Long.MAX_VALUE / 1000;

  /**
   * Returns the options a request's parameters give: {@code priority} (an integer &ge; 0) and
   * {@code timeout} (microseconds, an integer in 0..{@link #MAX_TIMEOUT_MICROS}).
   *
   * @throws InferenceException {@code InvalidInput} naming the parameter when one is malformed
   */
  public static RunOptions of(Map<String, ParameterValue> parameters) {
    long priority = integer(parameters, "priority", Long.MAX_VALUE);
    long timeout = integer(parameters, "timeout", MAX_TIMEOUT_MICROS);
    Map<String, ParameterValue> custom = new LinkedHashMap<>();
    parameters.forEach((k, v) -> {
      if (!SERVER_PARAMETERS.contains(k)) {
        custom.put(k, v);
      }
    });
    return priority == 0 && timeout == 0 && custom.isEmpty()
        ? DEFAULT
        : new RunOptions(priority, timeout, custom);
  }

  private static long integer(Map<String, ParameterValue> parameters, String name, long max) {
    ParameterValue v = parameters.get(name);
    if (v == null) {
      return 0;
    }
    if (!(v instanceof ParameterValue.Int i)) {
      throw InferenceException.invalid(name, "parameter '" + name + "' must be an integer");
    }
    if (i.value() < 0 || i.value() > max) {
      throw InferenceException.invalid(
          name, "parameter '" + name + "' is out of range: " + i.value());
    }
    return i.value();
  }
}
