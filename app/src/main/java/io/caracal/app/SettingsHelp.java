package io.caracal.app;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Help.ColorScheme;
import picocli.CommandLine.IHelpFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The usage help of {@code caracal serve}: picocli's, with a line under each setting that gives its
 * default and its environment variable, both derived from the option's declaration:
 *
 * <pre>
 *       --http-port=PORT    HTTP port; 0 = ephemeral (the bound port is logged)
 *                             Default: 8000; env: CARACAL_HTTP_PORT
 * </pre>
 *
 * The default shown is the field's initial value, never a value found in the environment or the
 * configuration file.
 */
final class SettingsHelp implements IHelpFactory {
  @Override
  public Help create(CommandSpec spec, ColorScheme scheme) {
    return new Help(spec, scheme) {
      @Override
      public IOptionRenderer createDefaultOptionRenderer() {
        IOptionRenderer picocli = super.createDefaultOptionRenderer();
        return (option, labels, colors) -> {
          Text[][] rows = picocli.render(option, labels, colors);
          if (!SettingSources.isSetting(option)) {
            return rows;
          }
          Text[][] withSources = Arrays.copyOf(rows, rows.length + 1);
          Text empty = colors.text("");
          withSources[rows.length] =
              new Text[] {empty, empty, empty, empty, colors.text(sources(option))};
          return withSources;
        };
      }
    };
  }

  /**
   * Returns {@code Default: 8000; env: CARACAL_HTTP_PORT}, without the default when there is none.
   */
  static String sources(OptionSpec option) {
    String value = defaultText(option.initialValue());
    return (value == null ? "" : "Default: " + value + "; ")
        + "env: "
        + SettingSources.environmentVariable(option);
  }

  /** Returns the default as the option spells it, or null when there is none. */
  static @Nullable String defaultText(@Nullable Object initial) {
    if (initial == null || initial instanceof Collection<?> c && c.isEmpty()) {
      return null;
    }
    return initial instanceof Enum<?> e
        ? e.name().toLowerCase(Locale.ROOT)
        : String.valueOf(initial);
  }
}
