package io.caracal.server.http;

import java.util.regex.Pattern;

/**
 * The model-name rule the HTTP transport enforces before a name reaches core. Kept in one place so it
 * can later delegate to core's own validator.
 */
final class ModelNameCheck {
  static final String RULE = "[A-Za-z0-9][A-Za-z0-9_.-]{0,127}";
  private static final Pattern NAME = Pattern.compile(RULE);

  private ModelNameCheck() {}

  /** Returns whether {@code name} is an acceptable model name ({@code .} and {@code ..} are not). */
  static boolean isValid(String name) {
    return NAME.matcher(name).matches() && !name.equals(".") && !name.equals("..");
  }

  /** The client message for a rejected name; the name itself is not echoed (it may look like a path). */
  static String invalidMessage() {
    return "invalid model name: a model name must match " + RULE;
  }
}
