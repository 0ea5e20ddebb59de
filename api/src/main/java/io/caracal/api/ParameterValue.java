package io.caracal.api;

import java.util.Objects;

/** A request or response parameter value, as the V2 protocol allows: bool, integer, double or string. */
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

  /** Returns the parameter for this Java value (Boolean, any integral Number, Double/Float, String). */
  static ParameterValue of(Object v) {
    return switch (v) {
      case Boolean b -> new Bool(b);
      case Double d -> new Real(d);
      case Float f -> new Real(f);
      case Number n -> new Int(n.longValue());
      case String s -> new Str(s);
      default -> throw new IllegalArgumentException("unsupported parameter type " + v.getClass().getSimpleName());
    };
  }
}
