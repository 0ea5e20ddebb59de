package io.caracal.api.backend;

import java.util.Map;

/**
 * Reads the config {@code parameters} every backend shares: the thread counts Triton's backends
 * take per model ({@code intra_op_thread_count}, {@code inter_op_thread_count}), over the
 * server-wide {@link BackendOptions}.
 */
public final class BackendParameters {
  /** Threads one call uses inside an operator. */
  public static final String INTRA_OP = "intra_op_thread_count";

  /** Threads across independent operators. */
  public static final String INTER_OP = "inter_op_thread_count";

  private BackendParameters() {}

  /**
   * Returns the intra-op thread count of one instance: the parameter, else the server's setting,
   * else (when the version has several instances) {@code max(1, cores / instances)}, so that the
   * instances together use the cores once instead of each spinning up a pool over all of them; 0 =
   * the runtime's default.
   *
   * @throws ModelLoadException naming the parameter when its value is not valid
   */
  public static int intraOpThreads(
      BackendOptions options, Map<String, String> parameters, int instances, int cores)
      throws ModelLoadException {
    int fallback =
        options.intraOpThreads() > 0 || instances <= 1
            ? options.intraOpThreads()
            : Math.max(1, cores / instances);
    return threads(parameters, INTRA_OP, fallback);
  }

  /**
   * Returns the inter-op thread count: the parameter, else the server's setting; 0 = the runtime's
   * default.
   *
   * @throws ModelLoadException naming the parameter when its value is not valid
   */
  public static int interOpThreads(BackendOptions options, Map<String, String> parameters)
      throws ModelLoadException {
    return threads(parameters, INTER_OP, options.interOpThreads());
  }

  private static int threads(Map<String, String> parameters, String key, int fallback)
      throws ModelLoadException {
    return count(
        parameters, key, fallback, 1024, "a thread count from 0 (the runtime's default) to 1024");
  }

  /**
   * Returns parameter {@code key} as a whole number from 0 to {@code max}, or {@code fallback} when
   * the parameters do not set it.
   *
   * @param expected what a valid value is, for the message
   * @throws ModelLoadException naming the parameter when its value is not such a number
   */
  public static int count(
      Map<String, String> parameters, String key, int fallback, int max, String expected)
      throws ModelLoadException {
    String v = parameters.get(key);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.strip());
      if (n >= 0 && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(key, v, expected);
  }

  /**
   * Returns the exception for a parameter whose value is not valid: it names the parameter, the
   * value (cut at 40 characters) and what was expected.
   */
  public static ModelLoadException invalid(String key, String value, String expected) {
    String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
    return new ModelLoadException(
        "config parameter '" + key + "' has value '" + shown + "'; expected " + expected);
  }
}
