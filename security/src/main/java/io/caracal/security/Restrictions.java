package io.caracal.security;

import io.caracal.core.auth.ApiCategory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Triton's restricted API categories ({@code --http-restricted-api}, {@code
 * --grpc-restricted-protocol}): each entry {@code <category>[,<category>...]:<key>=<value>} makes
 * its categories answer only calls whose header (gRPC: metadata) {@code key} equals {@code value}
 * (compared in constant time); a category may be named once. Categories can also be locked: refused
 * to every call, as management categories are on a non-loopback listener without authentication
 * unless an entry restricts them. Immutable.
 */
public final class Restrictions {
  private static final Pattern HEADER = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]{1,128}");

  /** No category restricted or locked. */
  public static final Restrictions NONE =
      new Restrictions(new EnumMap<>(ApiCategory.class), EnumSet.noneOf(ApiCategory.class));

  private record Rule(String header, byte[] value) {}

  private final Map<ApiCategory, Rule> rules;
  private final Set<ApiCategory> locked;

  private Restrictions(Map<ApiCategory, Rule> rules, Set<ApiCategory> locked) {
    this.rules = rules;
    this.locked = locked;
  }

  /**
   * Parses the flag's entries.
   *
   * @param flag the flag's name, for messages
   * @throws IllegalArgumentException naming the flag and what is wrong
   */
  public static Restrictions parse(String flag, List<String> entries) {
    EnumMap<ApiCategory, Rule> rules = new EnumMap<>(ApiCategory.class);
    for (String entry : entries) {
      int colon = entry.indexOf(':');
      int eq = colon < 0 ? -1 : entry.indexOf('=', colon);
      if (colon <= 0 || eq < 0) {
        throw new IllegalArgumentException(
            flag + ": expected <category>[,<category>...]:<key>=<value>, got '" + entry + "'");
      }
      String key = entry.substring(colon + 1, eq).trim().toLowerCase(Locale.ROOT);
      String value = entry.substring(eq + 1);
      if (!HEADER.matcher(key).matches()) {
        throw new IllegalArgumentException(flag + ": '" + key + "' is not a header name");
      }
      if (value.isEmpty()) {
        throw new IllegalArgumentException(flag + ": the value of header '" + key + "' is empty");
      }
      for (String c : entry.substring(0, colon).split(",")) {
        ApiCategory category;
        try {
          category = ApiCategory.parse(c);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
        }
        if (rules.put(category, new Rule(key, value.getBytes(StandardCharsets.UTF_8))) != null) {
          throw new IllegalArgumentException(
              flag + ": category '" + category.wireName() + "' is restricted twice");
        }
      }
    }
    return new Restrictions(rules, EnumSet.noneOf(ApiCategory.class));
  }

  /** Returns these restrictions with the {@code categories} that no entry restricts locked. */
  public Restrictions lockingUnrestricted(Set<ApiCategory> categories) {
    EnumSet<ApiCategory> lock = EnumSet.noneOf(ApiCategory.class);
    for (ApiCategory c : categories) {
      if (!rules.containsKey(c)) {
        lock.add(c);
      }
    }
    return new Restrictions(rules, lock);
  }

  /** Returns the locked categories. */
  public Set<ApiCategory> locked() {
    return locked.isEmpty() ? Set.of() : EnumSet.copyOf(locked);
  }

  /** Returns the categories that need a header, by the header's name. */
  public Map<ApiCategory, String> restricted() {
    EnumMap<ApiCategory, String> out = new EnumMap<>(ApiCategory.class);
    rules.forEach((c, r) -> out.put(c, r.header()));
    return out;
  }

  /** Returns whether nothing is restricted or locked. */
  public boolean isEmpty() {
    return rules.isEmpty() && locked.isEmpty();
  }

  /**
   * Returns why a call of {@code category} with these headers is refused, or null when it may go
   * on.
   */
  @Nullable String refusal(ApiCategory category, Function<String, @Nullable String> headers) {
    if (locked.contains(category)) {
      return "the "
          + category.wireName()
          + " API is disabled on a non-loopback address without authentication"
          + " (set --auth-file or --auth-jwks-file, or restrict the category to a header)";
    }
    Rule r = rules.get(category);
    if (r == null) {
      return null;
    }
    String v = headers.apply(r.header());
    if (v == null || !MessageDigest.isEqual(v.getBytes(StandardCharsets.UTF_8), r.value())) {
      return "This API is restricted, expecting header '" + r.header() + "'";
    }
    return null;
  }
}
