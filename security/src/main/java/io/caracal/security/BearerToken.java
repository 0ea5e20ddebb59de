package io.caracal.security;

import org.jspecify.annotations.Nullable;

/**
 * Reads the token of an {@code Authorization: Bearer <token>} header (RFC 6750 §2.1): the scheme
 * case-insensitive, then spaces, then a token68 ({@code A-Z a-z 0-9 - . _ ~ + /}, trailing {@code
 * =}). Anything else is malformed. Stateless.
 */
final class BearerToken {
  /** Longer headers are refused as malformed before anything else reads them. */
  static final int MAX_LENGTH = 8192;

  private BearerToken() {}

  /** Returns the token, or null when the header is not a well-formed bearer credential. */
  static @Nullable String parse(String header) {
    if (header.length() > MAX_LENGTH || header.length() < 8) {
      return null;
    }
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    int start = 7;
    while (start < header.length() && header.charAt(start) == ' ') {
      start++;
    }
    int end = header.length();
    while (end > start && header.charAt(end - 1) == ' ') {
      end--;
    }
    if (start == end) {
      return null;
    }
    boolean padding = false;
    for (int i = start; i < end; i++) {
      char c = header.charAt(i);
      if (c == '=') {
        padding = true;
      } else if (padding || !token68(c)) {
        return null;
      }
    }
    return start == 7 && end == header.length()
        ? header.substring(7)
        : header.substring(start, end);
  }

  private static boolean token68(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~'
        || c == '+'
        || c == '/';
  }

  /** Returns whether {@code token} has a JWT's shape: three base64url parts. */
  static boolean looksLikeJwt(String token) {
    int first = token.indexOf('.');
    if (first <= 0) {
      return false;
    }
    int second = token.indexOf('.', first + 1);
    return second > first + 1 && token.indexOf('.', second + 1) < 0;
  }
}
