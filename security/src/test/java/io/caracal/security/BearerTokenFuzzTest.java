package io.caracal.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the {@code Authorization: Bearer} parser: any header text gives a token or null, never an
 * exception; a token is never empty, longer than the header allows, or outside token68 (letters,
 * digits, {@code - . _ ~ + /}, then only trailing {@code =}), so nothing else can reach the tokens
 * file's hash or the JWT verifier.
 */
class BearerTokenFuzzTest {
  @FuzzTest(maxDuration = "5m")
  void parse(byte[] input) {
    String header = new String(input, StandardCharsets.UTF_8);
    String token = BearerToken.parse(header);
    if (token == null) {
      return;
    }
    assertThat(token).isNotEmpty();
    assertThat(token.length()).isLessThanOrEqualTo(BearerToken.MAX_LENGTH);
    assertThat(token).matches("[A-Za-z0-9._~+/-]*=*");
    assertThat(header.regionMatches(true, 0, "Bearer ", 0, 7)).isTrue();
    BearerToken.looksLikeJwt(token); // never throws
  }
}
