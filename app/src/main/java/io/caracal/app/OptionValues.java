package io.caracal.app;

import io.caracal.core.lifecycle.ModelControlMode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * How {@code caracal serve} reads option values from text, wherever they come from (flag,
 * environment or file): surrounding blanks are ignored, and a value of the wrong kind fails with a
 * message that {@link UsageErrors} prefixes with the option's key, e.g. {@code http-port must be a
 * whole number, got 'eighty'}. Ranges are checked by {@link ServerSettings}.
 */
final class OptionValues {
  private OptionValues() {}

  /** Registers the converters on {@code serve} (and its subcommands). */
  static void register(CommandLine serve) {
    serve.registerConverter(String.class, String::strip);
    serve.registerConverter(Path.class, v -> Path.of(v.strip()));
    serve.registerConverter(Integer.class, OptionValues::wholeInt);
    serve.registerConverter(int.class, OptionValues::wholeInt);
    serve.registerConverter(Long.class, OptionValues::wholeLong);
    serve.registerConverter(long.class, OptionValues::wholeLong);
    serve.registerConverter(Boolean.class, OptionValues::trueOrFalse);
    serve.registerConverter(boolean.class, OptionValues::trueOrFalse);
    serve.registerConverter(ModelControlMode.class, lowerCase(ModelControlMode.class));
  }

  static int wholeInt(String v) {
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw wrong("a whole number", v);
    }
  }

  static long wholeLong(String v) {
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      throw wrong("a whole number", v);
    }
  }

  static boolean trueOrFalse(String v) {
    return switch (v.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw wrong("true or false", v);
    };
  }

  /** Returns a converter that takes an enum constant's name in any case. */
  static <E extends Enum<E>> ITypeConverter<E> lowerCase(Class<E> type) {
    return v ->
        Arrays.stream(type.getEnumConstants())
            .filter(c -> c.name().equalsIgnoreCase(v.strip()))
            .findFirst()
            .orElseThrow(() -> wrong(alternatives(names(type)), v));
  }

  /** Returns the constants' names in lower case, as options spell them. */
  static List<String> names(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants())
        .map(c -> c.name().toLowerCase(Locale.ROOT))
        .toList();
  }

  /** Returns {@code a, b or c}. */
  static String alternatives(List<String> names) {
    int last = names.size() - 1;
    return last == 0
        ? names.get(0)
        : String.join(", ", names.subList(0, last)) + " or " + names.get(last);
  }

  private static TypeConversionException wrong(String expected, String v) {
    return new TypeConversionException("must be " + expected + ", got '" + v + "'");
  }

  /** The values {@code --model-control-mode} takes, for shell completion. */
  static final class ModelControlModes implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return names(ModelControlMode.class).iterator();
    }
  }
}
