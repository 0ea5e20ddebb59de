package io.caracal.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Merges the three sources of {@link ServerSettings}: a configuration file ({@code --config FILE},
 * Java properties syntax, keys as the flags spell them), environment variables ({@code
 * CARACAL_HTTP_PORT}) and flags. Flags win over the environment, which wins over the file. Unknown
 * keys in any source are an error that names the key and where it came from.
 */
final class SettingsLoader {
  static final String CONFIG_KEY = "config";
  static final String CONFIG_ENV = "CARACAL_CONFIG";

  private final Map<String, String> environment;

  SettingsLoader(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  /**
   * Returns the merged settings.
   *
   * @param args the flags after the sub-command, e.g. {@code --http-port 0}
   * @throws IllegalArgumentException with a message for the user when anything is wrong
   */
  ServerSettings load(List<String> args) {
    Map<String, String> flags = parseFlags(args);
    Map<String, String> merged = new LinkedHashMap<>();
    String configFile = flags.getOrDefault(CONFIG_KEY, environment.get(CONFIG_ENV));
    if (configFile != null) {
      merged.putAll(readFile(Path.of(configFile)));
    }
    for (SettingKey k : SettingKey.values()) {
      String v = environment.get(k.environmentVariable());
      if (v != null) {
        merged.put(k.key(), v);
      }
    }
    flags.remove(CONFIG_KEY);
    merged.putAll(flags);
    String repo = merged.remove(SettingKey.MODEL_REPOSITORY.key());
    if (repo == null || repo.isBlank()) {
      throw new IllegalArgumentException(
          "no model repository: pass --model-repository DIR (or set CARACAL_MODEL_REPOSITORY, or model-repository in --config FILE)");
    }
    ServerSettings.Builder b = ServerSettings.builder(Path.of(repo));
    merged.forEach((key, value) -> SettingKey.of(key).orElseThrow().apply(b, value));
    return b.build();
  }

  private static Map<String, String> parseFlags(List<String> args) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--") || a.length() == 2) {
        throw new IllegalArgumentException("unexpected argument '" + a + "' (flags look like --http-port 8000)");
      }
      String key;
      String value;
      int eq = a.indexOf('=');
      if (eq > 0) {
        key = a.substring(2, eq);
        value = a.substring(eq + 1);
      } else {
        key = a.substring(2);
        if (i + 1 >= args.size()) {
          throw new IllegalArgumentException("flag --" + key + " needs a value");
        }
        value = args.get(++i);
      }
      if (!key.equals(CONFIG_KEY) && SettingKey.of(key).isEmpty()) {
        throw new IllegalArgumentException("unknown flag --" + key + " (see caracal serve --help)");
      }
      if (key.equals(SettingKey.LOAD_MODEL.key()) && out.containsKey(key)) {
        value = out.get(key) + "," + value; // repeatable
      }
      out.put(key, value);
    }
    return out;
  }

  private static Map<String, String> readFile(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read configuration file " + file + ": " + e.getMessage());
    }
    Map<String, String> out = new LinkedHashMap<>();
    List<String> unknown = new ArrayList<>();
    for (String key : p.stringPropertyNames()) {
      if (SettingKey.of(key).isEmpty()) {
        unknown.add(key);
      } else {
        out.put(key, p.getProperty(key));
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("configuration file " + file + " has unknown keys " + unknown.stream().sorted().toList());
    }
    return out;
  }

  /** Returns the help text of {@code caracal serve}. */
  static String help() {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: caracal serve --model-repository DIR [options]\n\n");
    sb.append("Every option can also be set as an environment variable (CARACAL_HTTP_PORT=8000)\n");
    sb.append("or in a properties file given with --config FILE (http-port=8000).\n");
    sb.append("Flags win over the environment, which wins over the file.\n\n");
    sb.append(String.format("  %-34s %s%n", "--config FILE", "read settings from this properties file (env CARACAL_CONFIG)"));
    for (SettingKey k : SettingKey.values()) {
      sb.append(String.format("  %-34s %s%n", "--" + k.key() + " " + k.valueName(), k.help()));
    }
    return sb.toString();
  }
}
