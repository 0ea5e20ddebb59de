package io.caracal.app;

import java.util.List;
import java.util.Locale;

/**
 * The response cache's bounds from Triton's spelling, {@code --cache-config <impl>,<key>=<value>}
 * (repeatable; for example {@code --cache-config local,size=1048576}), merged with {@code
 * --cache-size}. Only the built-in {@code local} implementation exists: any other (Triton's {@code
 * redis}, a shared library) is refused at start with a message that says so, as is an unknown key.
 *
 * @param size the cache's bound in bytes; 0 = no cache
 * @param maxEntryBytes the largest response kept, in bytes; 0 = a sixteenth of {@code size}
 */
record CacheConfig(long size, long maxEntryBytes) {
  /** The keys of the {@code local} implementation. */
  static final List<String> KEYS = List.of("size", "max_entry_bytes");

  /**
   * Parses {@code items} over {@code cacheSize} (from {@code --cache-size}, 0 = not given).
   *
   * @throws IllegalArgumentException naming the flag and the item when one is wrong, or when {@code
   *     --cache-size} and {@code size=} disagree
   */
  static CacheConfig parse(List<String> items, long cacheSize) {
    long size = -1;
    long maxEntry = 0;
    for (String item : items) {
      int comma = item.indexOf(',');
      if (comma < 0) {
        throw bad(item, "expected <implementation>,<key>=<value>, e.g. local,size=1048576");
      }
      String impl = item.substring(0, comma).trim().toLowerCase(Locale.ROOT);
      if (!impl.equals("local")) {
        throw bad(
            item,
            "cache implementation '"
                + impl
                + "' is not supported; the only one is 'local' (built in, bounded in bytes)");
      }
      String setting = item.substring(comma + 1);
      int eq = setting.indexOf('=');
      if (eq < 0) {
        throw bad(item, "expected <key>=<value> after 'local,'");
      }
      String key = setting.substring(0, eq).trim();
      long value = bytes(item, setting.substring(eq + 1).trim());
      switch (key) {
        case "size" -> size = value;
        case "max_entry_bytes" -> maxEntry = value;
        default -> throw bad(item, "unknown key '" + key + "' of 'local' " + KEYS);
      }
    }
    if (size < 0) {
      size = cacheSize;
    } else if (cacheSize > 0 && cacheSize != size) {
      throw new IllegalArgumentException(
          "cache-size " + cacheSize + " and cache-config local,size=" + size + " disagree");
    }
    if (maxEntry > 0 && size > 0 && maxEntry > size) {
      throw new IllegalArgumentException(
          "cache-config: max_entry_bytes " + maxEntry + " is larger than the cache (" + size + ")");
    }
    return new CacheConfig(size, maxEntry);
  }

  private static long bytes(String item, String v) {
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw bad(item, "the value must not be negative");
      }
      return n;
    } catch (NumberFormatException e) {
      throw bad(item, "'" + v + "' is not a number of bytes");
    }
  }

  private static IllegalArgumentException bad(String item, String why) {
    return new IllegalArgumentException("cache-config '" + item + "': " + why);
  }
}
