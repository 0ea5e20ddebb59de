package io.caracal.core;

/**
 * The bound on the text of an error answer, which the transports' mapping classes apply: a client
 * that sends a 1 MiB name does not get it back in a 1 MiB error, on any transport.
 */
public final class ErrorText {
  /** Longest error text sent, in chars (before the marker of the cut). */
  public static final int MAX_CHARS = 1024;

  private ErrorText() {}

  /** Cuts {@code message} to {@link #MAX_CHARS} chars, saying how many more there were. */
  public static String truncate(String message) {
    if (message.length() <= MAX_CHARS) {
      return message;
    }
    int cut = MAX_CHARS;
    if (Character.isHighSurrogate(message.charAt(cut - 1))) {
      cut--; // never split a surrogate pair
    }
    return message.substring(0, cut) + "... (" + (message.length() - cut) + " more characters)";
  }
}
