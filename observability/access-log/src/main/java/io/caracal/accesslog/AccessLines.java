package io.caracal.accesslog;

import java.nio.charset.StandardCharsets;

/**
 * A block of access log lines as the writer hands it to the logger: the logger event's only
 * argument ({@code caracal.access}, message {@code "{}"}). Its text ({@link #toString}, what a
 * layout's {@code %msg} writes) is the lines separated by line breaks, without a final one; {@link
 * #bytes} are the same lines as ASCII, each ending with its line break, which an encoder that knows
 * this type ({@code io.caracal.app.MessageLineEncoder}) writes as they are, without copying the
 * block into a string and back. Immutable: each block's bytes are an array of its own.
 */
public final class AccessLines {
  private final byte[] bytes;
  private final int count;

  /**
   * @param bytes the lines, ASCII, each ending with a line break (not copied: the caller gives it
   *     up)
   * @param count how many lines
   */
  AccessLines(byte[] bytes, int count) {
    if (count < 1 || bytes.length == 0 || bytes[bytes.length - 1] != '\n') {
      throw new IllegalArgumentException("not a block of whole lines");
    }
    this.bytes = bytes;
    this.count = count;
  }

  /**
   * Returns the lines as ASCII, each ending with a line break: the array itself, not a copy, to be
   * written and never modified.
   */
  public byte[] bytes() {
    return bytes;
  }

  /** Returns how many lines the block holds. */
  public int count() {
    return count;
  }

  /** Returns the lines separated by line breaks, without a final one. */
  @Override
  public String toString() {
    return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1); // ASCII
  }
}
