package io.caracal.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.auth.Principal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Principals from a {@link TokenFile}. A token is checked against every entry with a constant-time
 * comparison of hashes; a token that matched is remembered (by its string, at most 10 000) so that
 * its next calls cost one map lookup. {@link #refresh()} rereads the file and, when its bytes
 * changed and it parses, swaps the entries in and forgets the remembered tokens; a file that does
 * not parse is logged and the previous entries stay. The app calls {@code refresh} on a timer;
 * tests call it directly. Thread-safe.
 */
public final class TokenFileAuthenticator implements Authenticator {
  private static final Logger log = LoggerFactory.getLogger(TokenFileAuthenticator.class);

  /** The entries in force and the tokens verified against them (so a reload forgets them all). */
  private record Snapshot(
      byte[] digest, List<TokenFile.Entry> entries, Cache<String, Principal> verified) {}

  private final Path file;
  private volatile Snapshot current;

  private TokenFileAuthenticator(Path file, Snapshot first) {
    this.file = file;
    this.current = first;
  }

  /**
   * Reads the tokens file.
   *
   * @throws IOException when it cannot be read
   * @throws IllegalArgumentException naming the line that does not parse
   */
  public static TokenFileAuthenticator load(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    byte[] bytes = Files.readAllBytes(file);
    return new TokenFileAuthenticator(file, snapshot(bytes));
  }

  private static Snapshot snapshot(byte[] bytes) {
    return new Snapshot(
        TokenFile.sha256(new byte[0], bytes),
        TokenFile.parse(new String(bytes, StandardCharsets.UTF_8)),
        Caffeine.newBuilder().maximumSize(10_000).build());
  }

  /**
   * Rereads the file; returns whether new entries are in force. A file that cannot be read or
   * parsed leaves the current entries (and is logged).
   */
  public boolean refresh() {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      log.warn(
          "cannot read the tokens file {}; keeping the previous tokens: {}", file, e.toString());
      return false;
    }
    if (MessageDigest.isEqual(TokenFile.sha256(new byte[0], bytes), current.digest())) {
      return false;
    }
    Snapshot next;
    try {
      next = snapshot(bytes);
    } catch (IllegalArgumentException e) {
      log.error(
          "the tokens file {} is invalid; keeping the previous tokens: {}", file, e.getMessage());
      return false;
    }
    current = next;
    log.info("tokens file {} reloaded: {} principal(s)", file, next.entries().size());
    return true;
  }

  /** Returns how many principals the file in force holds. */
  public int size() {
    return current.entries().size();
  }

  /**
   * Returns the principal a client certificate naming {@code name} stands for: the entry of that
   * name whose hash is {@code cert}; null when there is none.
   */
  public @org.jspecify.annotations.Nullable Principal certificateHolder(String name) {
    for (TokenFile.Entry e : current.entries()) {
      if (e.isCertificate() && e.principal().name().equals(name)) {
        return e.principal();
      }
    }
    return null;
  }

  @Override
  public Principal authenticate(String token) {
    Snapshot s = current;
    Principal known = s.verified().getIfPresent(token);
    if (known != null) {
      return known;
    }
    byte[] bytes = token.getBytes(StandardCharsets.UTF_8);
    byte[] plain = TokenFile.sha256(new byte[0], bytes);
    Principal found = null;
    for (TokenFile.Entry e : s.entries()) { // no early exit: every entry costs the same
      if (e.matches(bytes, plain) && found == null) {
        found = e.principal();
      }
    }
    if (found == null) {
      throw InferenceException.of(new InferenceError.Unauthenticated("invalid bearer token"));
    }
    s.verified().put(token, found);
    return found;
  }
}
