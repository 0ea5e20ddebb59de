package io.caracal.protocol.tf;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Prints floats as TF Serving's JSON writer does ({@code WriteDecimal}): C's {@code %g} with 6
 * significant digits, or with 9 (float) / 17 (double) when 6 do not read back to the same value;
 * {@code .0} appended when the result has neither a point nor an exponent; {@code NaN}, {@code
 * Infinity} and {@code -Infinity} as bare tokens. {@code Float.toString} differs ({@code
 * 0.33333334}, {@code 1.0E-5}), and Java's {@code %g} never strips zeros, so C's {@code %g} is
 * written here: the exact binary value rounded half-even to P digits.
 */
public final class TfFloats {
  private TfFloats() {}

  /** Returns a float as TF Serving prints a {@code DT_FLOAT} element. */
  public static String format(float v) {
    if (!Float.isFinite(v)) {
      return nonFinite(v);
    }
    String s = g(v, 6);
    if (Float.parseFloat(s) != v) {
      s = g(v, 9);
    }
    return finish(s);
  }

  /** Returns a double as TF Serving prints a {@code DT_DOUBLE} element. */
  public static String format(double v) {
    if (!Double.isFinite(v)) {
      return nonFinite(v);
    }
    String s = g(v, 6);
    if (Double.parseDouble(s) != v) {
      s = g(v, 17);
    }
    return finish(s);
  }

  private static String nonFinite(double v) {
    return Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
  }

  private static String finish(String s) {
    return s.indexOf('.') >= 0 || s.indexOf('e') >= 0 ? s : s + ".0";
  }

  /** C's {@code %.<p>g} of a finite value. */
  static String g(double v, int p) {
    if (v == 0) {
      return (1 / v < 0) ? "-0" : "0";
    }
    BigDecimal r = new BigDecimal(v).round(new MathContext(p, RoundingMode.HALF_EVEN));
    // exponent X of the rounded value: r = d.ddd * 10^X
    int x = r.precision() - r.scale() - 1;
    String digits = r.unscaledValue().abs().toString();
    // pad to p digits (the unscaled value may have fewer when trailing digits are zero)
    StringBuilder d = new StringBuilder(digits);
    while (d.length() < p) {
      d.append('0');
    }
    String sign = r.signum() < 0 ? "-" : "";
    if (x < -4 || x >= p) {
      String mant = d.charAt(0) + (p > 1 ? "." + d.substring(1) : "");
      mant = stripZeros(mant);
      String exp = Integer.toString(Math.abs(x));
      return sign + mant + "e" + (x < 0 ? "-" : "+") + (exp.length() < 2 ? "0" + exp : exp);
    }
    String fixed;
    if (x >= 0) {
      String intPart = d.substring(0, x + 1);
      String frac = d.substring(x + 1);
      fixed = frac.isEmpty() ? intPart : intPart + "." + frac;
    } else {
      fixed = "0." + "0".repeat(-x - 1) + d;
    }
    return sign + stripZeros(fixed);
  }

  private static String stripZeros(String s) {
    if (s.indexOf('.') < 0) {
      return s;
    }
    int end = s.length();
    while (s.charAt(end - 1) == '0') {
      end--;
    }
    if (s.charAt(end - 1) == '.') {
      end--;
    }
    return s.substring(0, end);
  }
}
