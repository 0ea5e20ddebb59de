package io.caracal.tls;

import java.util.Locale;

/** Whether a listener asks clients for a certificate ({@code --tls-client-auth}). */
public enum ClientAuth {
  /** No client certificate is asked for. */
  NONE,
  /** A client certificate is asked for; a client without one is served, one with a bad one not. */
  OPTIONAL,
  /** A client certificate signed by the client CA is required to complete the handshake. */
  REQUIRE;

  /**
   * Parses {@code none}, {@code optional} or {@code require} (any case).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static ClientAuth parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "none" -> NONE;
      case "optional" -> OPTIONAL;
      case "require" -> REQUIRE;
      default ->
          throw new IllegalArgumentException(
              "tls-client-auth must be none, optional or require, got '" + value + "'");
    };
  }

  /** The flag's spelling: {@code none}, {@code optional}, {@code require}. */
  public String flagValue() {
    return name().toLowerCase(Locale.ROOT);
  }
}
