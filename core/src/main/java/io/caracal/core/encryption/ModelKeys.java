package io.caracal.core.encryption;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 keys models may be encrypted with, by key id. Several ids may be configured at once,
 * so that a key can be rotated: files encrypted with the old key keep loading while they are
 * encrypted again with the new one.
 *
 * <p>The text form is one {@code key-id=base64-key} entry per line (or separated by commas or
 * spaces, for an environment variable); blank lines and lines starting with {@code #} are ignored.
 * A key id is 1 to 64 of {@code A-Z a-z 0-9 . _ -}; a key is 32 bytes, in standard base64 ({@code
 * openssl rand -base64 32}). Messages and {@link #toString()} name key ids, never keys. Immutable.
 */
public final class ModelKeys {
  private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Pattern SEPARATORS = Pattern.compile("[,\\s]+");
  private static final ModelKeys NONE = new ModelKeys(Map.of());

  /** The key length in bytes (AES-256). */
  public static final int KEY_BYTES = 32;

  private final Map<String, SecretKey> keys;

  private ModelKeys(Map<String, SecretKey> keys) {
    this.keys = Map.copyOf(keys);
  }

  /** Returns the empty key ring: encrypted models do not load. */
  public static ModelKeys none() {
    return NONE;
  }

  /** Returns a key ring holding one key. */
  public static ModelKeys of(String keyId, SecretKey key) {
    checkKeyId(keyId, "key id");
    return new ModelKeys(Map.of(keyId, key));
  }

  /**
   * Parses the text form; {@code origin} names the text in messages ({@code --model-key-file},
   * {@code CARACAL_MODEL_KEYS}).
   *
   * @throws IllegalArgumentException naming the origin, the line and the key id, never a key
   */
  public static ModelKeys parse(String text, String origin) {
    Map<String, SecretKey> out = new LinkedHashMap<>();
    String[] lines = text.split("\n", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      for (String entry : SEPARATORS.split(line)) {
        if (!entry.isEmpty()) {
          add(out, entry, origin + " line " + (n + 1));
        }
      }
    }
    return new ModelKeys(out);
  }

  /**
   * Reads a key file (the text form).
   *
   * @throws IOException if it cannot be read
   * @throws IllegalArgumentException if an entry is malformed
   */
  public static ModelKeys read(Path file, String origin) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      return parse(new String(bytes, StandardCharsets.UTF_8), origin);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /**
   * Returns this ring and {@code other} together.
   *
   * @throws IllegalArgumentException if both hold the same id with different keys
   */
  public ModelKeys plus(ModelKeys other) {
    Map<String, SecretKey> out = new LinkedHashMap<>(keys);
    for (Map.Entry<String, SecretKey> e : other.keys.entrySet()) {
      SecretKey old = out.putIfAbsent(e.getKey(), e.getValue());
      if (old != null && !old.equals(e.getValue())) {
        throw new IllegalArgumentException(
            "model key id '" + e.getKey() + "' is configured twice with different keys");
      }
    }
    return new ModelKeys(out);
  }

  /** Returns the key with this id. */
  public Optional<SecretKey> key(String keyId) {
    return Optional.ofNullable(keys.get(keyId));
  }

  /** Returns the configured key ids, sorted. */
  public Set<String> ids() {
    return java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(keys.keySet()));
  }

  /** Returns whether no key is configured. */
  public boolean isEmpty() {
    return keys.isEmpty();
  }

  /** Returns whether {@code keyId} is a valid key id. */
  public static boolean isValidKeyId(String keyId) {
    return KEY_ID.matcher(keyId).matches();
  }

  /** Names the key ids, never the keys. */
  @Override
  public String toString() {
    return "ModelKeys" + ids();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelKeys other && keys.equals(other.keys);
  }

  @Override
  public int hashCode() {
    return keys.hashCode();
  }

  private static void add(Map<String, SecretKey> out, String entry, String where) {
    int eq = entry.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(where + ": expected key-id=base64-key");
    }
    String id = entry.substring(0, eq);
    if (eq == entry.length() - 1 || !isValidKeyId(id)) {
      // Not "id=key" (a bare base64 key ends in '='): name no part of it, it may be a key.
      throw new IllegalArgumentException(
          where + ": expected key-id=base64-key, the id 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(entry.substring(eq + 1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": the key of '" + id + "' is not base64");
    }
    try {
      if (key.length != KEY_BYTES) {
        throw new IllegalArgumentException(
            where
                + ": the key of '"
                + id
                + "' is "
                + key.length
                + " bytes; an AES-256 key is "
                + KEY_BYTES
                + " (openssl rand -base64 32)");
      }
      if (out.containsKey(id)) {
        throw new IllegalArgumentException(where + ": key id '" + id + "' is given twice");
      }
      out.put(id, new SecretKeySpec(key, "AES"));
    } finally {
      Arrays.fill(key, (byte) 0);
    }
  }

  private static void checkKeyId(String id, String what) {
    if (!isValidKeyId(id)) {
      throw new IllegalArgumentException(
          what + " '" + printable(id) + "' is not 1 to 64 of A-Z a-z 0-9 . _ -");
    }
  }

  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
    return cut.codePoints()
        .map(c -> Character.isISOControl(c) ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
  }
}
