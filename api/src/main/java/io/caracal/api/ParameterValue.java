package io.caracal.api;

import java.math.BigInteger;
import java.util.Objects;

/**
 * A request or response parameter value, as the V2 protocol allows: bool, integer, double or
 * string.
 */
public sealed interface ParameterValue {

  /** Returns the value as a plain Java object (Boolean, Long, Double or String). */
  Object asObject();

  /** A boolean parameter. */
  record Bool(boolean value) implements ParameterValue {
    @Override
    public Object asObject() {
      return value;
    }
  }

  /** A signed 64-bit integer parameter. */
  record Int(long value) implements ParameterValue {
    @Override
    public Object asObject() {
      return value;
    }
  }

  /** A double parameter. */
  record Real(double value) implements ParameterValue {
    @Override
    public Object asObject() {
      return value;
    }
  }

  /** A string parameter. */
  record Str(String value) implements ParameterValue {
    public Str {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public Object asObject() {
      return value;
    }
  }

  /**
   * Returns the parameter for this Java value: Boolean; Byte, Short, Integer, Long, or a BigInteger
   * within the signed 64-bit range; Double or Float; String.
   *
   * @throws IllegalArgumentException for any other type (a BigDecimal, say, is refused rather than
   *     truncated) or a BigInteger out of range
   */
  static ParameterValue of(Object v) {
    return switch (v) {
      case Boolean b -> new Bool(b);
      case Double d -> new Real(d);
      case Float f -> new Real(f);
      case Byte n -> new Int(n);
      case Short n -> new Int(n);
      case Integer n -> new Int(n);
      case Long n -> new Int(n);
      case BigInteger n -> {
        if (n.bitLength() > 63) {
          throw new IllegalArgumentException(
              "integer parameter " + n + " is out of the signed 64-bit range");
        }
        yield new Int(n.longValue());
      }
      case String s -> new Str(s);
      default ->
          throw new IllegalArgumentException(
              "unsupported parameter type " + v.getClass().getSimpleName());
    };
  }
}
