package io.caracal.core.scheduler;

import io.caracal.api.InferenceException;
import io.caracal.api.ParameterValue;
import java.util.Map;

/**
 * Per-request scheduling options, taken from the request's {@code priority} and {@code timeout}
 * parameters (already validated).
 *
 * @param priority the priority level, 1 = highest; 0 = the model's default level
 * @param timeoutMicros the queue timeout in microseconds; 0 = the queue policy's default
 */
public record RunOptions(long priority, long timeoutMicros) {
  /** The default level and the policy's timeout. */
  public static final RunOptions DEFAULT = new RunOptions(0, 0);

  public RunOptions {
    if (priority < 0) {
      throw new IllegalArgumentException("priority < 0: " + priority);
    }
    if (timeoutMicros < 0) {
      throw new IllegalArgumentException("timeoutMicros < 0: " + timeoutMicros);
    }
  }

  /** The largest timeout accepted, in microseconds (its nanoseconds fit a long). */
  public static final long MAX_TIMEOUT_MICROS = Long.MAX_VALUE / 1000;

  /**
   * Returns the options a request's parameters give: {@code priority} (an integer &ge; 0) and {@code
   * timeout} (microseconds, an integer in 0..{@link #MAX_TIMEOUT_MICROS}).
   *
   * @throws InferenceException {@code InvalidInput} naming the parameter when one is malformed
   */
  public static RunOptions of(Map<String, ParameterValue> parameters) {
    long priority = integer(parameters, "priority", Long.MAX_VALUE);
    long timeout = integer(parameters, "timeout", MAX_TIMEOUT_MICROS);
    return priority == 0 && timeout == 0 ? DEFAULT : new RunOptions(priority, timeout);
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
      throw InferenceException.invalid(name, "parameter '" + name + "' is out of range: " + i.value());
    }
    return i.value();
  }
}
