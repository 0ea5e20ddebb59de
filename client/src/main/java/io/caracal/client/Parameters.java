package io.caracal.client;

/** Checks of parameter values: the V2 protocol allows strings, booleans and numbers. */
final class Parameters {
  private Parameters() {}

  static Object check(String key, Object value) {
    if (value instanceof String
        || value instanceof Boolean
        || value instanceof Long
        || value instanceof Double) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    throw new IllegalArgumentException(
        "parameter '"
            + key
            + "' must be a String, Boolean, Integer, Long, Float or Double, got "
            + (value == null ? "null" : value.getClass().getName()));
  }
}
