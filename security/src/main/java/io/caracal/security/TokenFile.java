package io.caracal.security;

import io.caracal.core.auth.ModelPatterns;
import io.caracal.core.auth.Principal;
import io.caracal.core.auth.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tokens file ({@code --auth-file}): one principal per line, its token stored only as a hash.
 *
 * <pre>
 * # name   hash                              roles        options
 * alice    sha256:SALT_HEX:HASH_HEX          infer,read   models=resnet*,mnist  rate=50
 * ops      sha256:HASH_HEX                   admin,read
 * </pre>
 *
 * <p>Fields are separated by spaces or tabs; {@code #} starts a comment line. {@code hash} is
 * {@code cert} for a principal that authenticates with a TLS client certificate (mTLS) whose
 * subject CN or a subject alternative name equals its name, or {@code sha256:HEX} (the SHA-256 of
 * the token's UTF-8 bytes) or {@code sha256:SALT:HEX} (of the salt's bytes followed by the token's;
 * {@code caracal auth-token} writes such a line). {@code roles} lists {@code infer}, {@code read},
 * {@code admin}. {@code models=} limits the {@code infer} role to model-name globs; {@code rate=}
 * is the principal's calls per second per model (0 = the server's {@code --principal-rate-limit}).
 * Tokens should be random (32 bytes or more); a fast hash is enough for such secrets, and the salt
 * keeps equal tokens from having equal lines.
 */
public final class TokenFile {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@:-]{1,128}");
  private static final HexFormat HEX = HexFormat.of();

  /**
   * One principal of the file.
   *
   * @param principal the principal
   * @param salt the salt, empty when the hash is unsalted
   * @param hash the SHA-256 of salt and token
   */
  public record Entry(Principal principal, byte[] salt, byte[] hash) {
    public Entry {
      salt = salt.clone();
      hash = hash.clone();
    }

    /** Returns whether the principal authenticates with a client certificate, not a token. */
    public boolean isCertificate() {
      return hash.length == 0;
    }

    /** Returns whether {@code token} (whose unsalted SHA-256 is {@code plainHash}) is this one. */
    boolean matches(byte[] tokenBytes, byte[] plainHash) {
      if (hash.length == 0) {
        return false;
      }
      byte[] actual = salt.length == 0 ? plainHash : sha256(salt, tokenBytes);
      return MessageDigest.isEqual(actual, hash);
    }
  }

  private TokenFile() {}

  /**
   * Parses the file's text.
   *
   * @throws IllegalArgumentException naming the line and what is wrong with it (never a hash)
   */
  public static List<Entry> parse(String text) {
    List<Entry> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      try {
        Entry e = parseLine(line);
        if (!names.add(e.principal().name())) {
          throw new IllegalArgumentException("duplicate name '" + e.principal().name() + "'");
        }
        out.add(e);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "tokens file line " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    return List.copyOf(out);
  }

  private static Entry parseLine(String line) {
    String[] f = line.split("[ \t]+");
    if (f.length < 3) {
      throw new IllegalArgumentException(
          "expected 'NAME sha256:[SALT:]HASH ROLES [models=..] [rate=N]'");
    }
    if (!NAME.matcher(f[0]).matches()) {
      throw new IllegalArgumentException("a name is 1-128 of A-Z a-z 0-9 . _ @ : -");
    }
    String[] h = f[1].split(":", -1);
    if (f[1].equals("cert")) {
      h = new String[] {"cert"};
    } else if (!h[0].equals("sha256") || (h.length != 2 && h.length != 3)) {
      throw new IllegalArgumentException(
          "the hash must be sha256:HEX, sha256:SALT_HEX:HEX or cert");
    }
    byte[] salt = new byte[0];
    byte[] hash = new byte[0];
    if (h.length > 1) {
      try {
        salt = h.length == 3 ? HEX.parseHex(h[1]) : new byte[0];
        hash = HEX.parseHex(h[h.length - 1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the hash is not hexadecimal", e);
      }
      if (hash.length != 32) {
        throw new IllegalArgumentException("a SHA-256 hash has 64 hex digits");
      }
      if (h.length == 3 && salt.length < 8) {
        throw new IllegalArgumentException("a salt has at least 16 hex digits");
      }
    }
    EnumSet<Role> roles = EnumSet.noneOf(Role.class);
    for (String r : f[2].split(",")) {
      roles.add(Role.parse(r));
    }
    List<String> models = List.of();
    double rate = 0;
    for (int i = 3; i < f.length; i++) {
      if (f[i].startsWith("models=")) {
        models = List.of(f[i].substring("models=".length()).split(","));
      } else if (f[i].startsWith("rate=")) {
        try {
          rate = Double.parseDouble(f[i].substring("rate=".length()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("rate= needs a number of calls per second", e);
        }
        if (!(rate >= 0 && rate <= 1e9)) {
          throw new IllegalArgumentException("rate= must be 0..1e9");
        }
      } else {
        throw new IllegalArgumentException(
            "unknown option '" + f[i].split("=", 2)[0] + "' (valid: models=, rate=)");
      }
    }
    return new Entry(
        new Principal(
            f[0],
            roles,
            ModelPatterns.of(models),
            rate,
            hash.length == 0 ? "certificate" : "token"),
        salt,
        hash);
  }

  /** Returns the line that stores {@code token} for a principal, salted with {@code salt}. */
  public static String line(String name, String token, byte[] salt, String roles) {
    byte[] hash = sha256(salt, token.getBytes(StandardCharsets.UTF_8));
    return name + " sha256:" + HEX.formatHex(salt) + ":" + HEX.formatHex(hash) + " " + roles;
  }

  /** Returns the SHA-256 of {@code a} followed by {@code b}. */
  static byte[] sha256(byte[] a, byte[] b) {
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    d.update(a);
    return d.digest(b);
  }
}
