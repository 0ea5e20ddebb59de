package io.caracal.core;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.repository.ModelNames;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A model name and an optional version, parsed from the strings a client sent. This is the one
 * place where transports turn names and version strings into values or into the sealed error type:
 * an invalid name is {@code InvalidInput} (the name is not echoed: it may look like a path), a
 * version string that is not a decimal is {@code InvalidInput}, and a well-formed decimal that no
 * version can have ({@code 0}, or beyond a long) is {@code ModelNotFound} for that version.
 *
 * @param name a valid model name
 * @param version the version, empty for the server's choice
 */
public record ModelRef(String name, OptionalLong version) {

  /** The client message for an invalid name. */
  static final String INVALID_NAME =
      "invalid model name: a model name must match " + ModelNames.RULE;

  public ModelRef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(version, "version");
  }

  /**
   * Parses a name and a version string ({@code ""} for none).
   *
   * @throws InferenceException {@code InvalidInput} for a bad name or version string, {@code
   *     ModelNotFound} for a version no model can have
   */
  public static ModelRef parse(String name, String version) {
    return new ModelRef(name(name), version(name, version));
  }

  /**
   * Returns {@code name} when it is a valid model name.
   *
   * @throws InferenceException {@code InvalidInput} naming the rule
   */
  public static String name(String name) {
    if (!ModelNames.isValid(name)) {
      throw invalidName();
    }
    return name;
  }

  /** Returns the error for an invalid model name, without the name. */
  public static InferenceException invalidName() {
    return InferenceException.invalid("model_name", INVALID_NAME);
  }

  /**
   * Parses a version string: empty is the server's choice; a positive decimal without sign or
   * leading zeros that fits a long is a version.
   *
   * @throws InferenceException {@code ModelNotFound} for {@code 0} or a decimal beyond a long,
   *     {@code InvalidInput} for anything else
   */
  public static OptionalLong version(String model, String version) {
    if (version.isEmpty()) {
      return OptionalLong.empty();
    }
    OptionalLong number = ModelNames.versionNumber(version);
    if (number.isPresent()) {
      return number;
    }
    if (version.matches("0|[1-9][0-9]*")) { // a decimal no version can have: 0, or beyond a long
      throw InferenceException.of(
          new InferenceError.ModelNotFound(
              ModelNames.printable(model), ModelNames.printable(version)));
    }
    throw InferenceException.invalid(
        "model_version",
        "failed to get model version from specified version string '"
            + ModelNames.printable(version)
            + "'");
  }
}
