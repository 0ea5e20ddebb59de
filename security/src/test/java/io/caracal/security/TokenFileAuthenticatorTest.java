package io.caracal.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.auth.Principal;
import io.caracal.core.auth.Role;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileAuthenticatorTest {
  @TempDir Path dir;

  static String plainLine(String name, String token, String roles) {
    return name
        + " sha256:"
        + HexFormat.of()
            .formatHex(TokenFile.sha256(new byte[0], token.getBytes(StandardCharsets.UTF_8)))
        + " "
        + roles;
  }

  static String saltedLine(String name, String token, String roles) {
    return TokenFile.line(name, token, "0123456789abcdef".getBytes(StandardCharsets.UTF_8), roles);
  }

  @Test
  void saltedAndPlainHashesAuthenticateTheirPrincipalOnly() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(
        file,
        "# principals\n"
            + plainLine("alice", "alice-token", "infer,read")
            + " models=dense*,mnist rate=5\n\n"
            + saltedLine("ops", "ops-token", "admin")
            + "\n");
    TokenFileAuthenticator auth = TokenFileAuthenticator.load(file);
    Principal alice = auth.authenticate("alice-token");
    assertThat(alice.name()).isEqualTo("alice");
    assertThat(alice.roles()).containsExactlyInAnyOrder(Role.INFER, Role.READ);
    assertThat(alice.models().matches("dense")).isTrue();
    assertThat(alice.models().matches("dense-2")).isTrue();
    assertThat(alice.models().matches("mnist")).isTrue();
    assertThat(alice.models().matches("mnist2")).isFalse();
    assertThat(alice.ratePerSecond()).isEqualTo(5);
    assertThat(auth.authenticate("ops-token").roles()).containsExactly(Role.ADMIN);
    assertThat(auth.authenticate("alice-token")).isSameAs(alice); // remembered
    assertThatThrownBy(() -> auth.authenticate("ops-token2"))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> {
              assertThat(e.error()).isInstanceOf(InferenceError.Unauthenticated.class);
              assertThat(e.getMessage()).isEqualTo("invalid bearer token").doesNotContain("ops");
            });
  }

  @Test
  void aChangedFileIsReloadedAndABrokenOneKeepsThePreviousTokens() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, plainLine("alice", "old-token", "infer") + "\n");
    TokenFileAuthenticator auth = TokenFileAuthenticator.load(file);
    assertThat(auth.authenticate("old-token").name()).isEqualTo("alice");
    assertThat(auth.refresh()).isFalse(); // unchanged

    Files.writeString(file, saltedLine("alice", "new-token", "infer,admin") + "\n");
    assertThat(auth.refresh()).isTrue();
    assertThat(auth.authenticate("new-token").roles()).contains(Role.ADMIN);
    assertThatThrownBy(() -> auth.authenticate("old-token")) // forgotten although remembered
        .isInstanceOf(InferenceException.class);

    Files.writeString(file, "alice sha256:nothex infer\n");
    assertThat(auth.refresh()).isFalse();
    assertThat(auth.authenticate("new-token").name()).isEqualTo("alice");
  }

  @Test
  void badLinesAreRefusedNamingTheLineButNotTheHash() {
    assertThatThrownBy(() -> TokenFile.parse("\n# c\nalice sha256:abcd infer\n"))
        .hasMessageContaining("line 3")
        .hasMessageContaining("64 hex digits")
        .hasMessageNotContaining("abcd");
    assertThatThrownBy(() -> TokenFile.parse(plainLine("a", "t", "infer,root")))
        .hasMessageContaining("unknown role 'root'");
    assertThatThrownBy(() ->
            TokenFile.parse(plainLine("a", "t", "infer") + "\n" + plainLine("a", "u", "read")))
        .hasMessageContaining("line 2")
        .hasMessageContaining("duplicate name 'a'");
    assertThatThrownBy(() -> TokenFile.parse(plainLine("a", "t", "infer") + " color=red"))
        .hasMessageContaining("unknown option 'color'");
    assertThatThrownBy(() -> TokenFile.parse("a sha256:00:" + "0".repeat(64) + " infer"))
        .hasMessageContaining("salt");
  }

  @Test
  void certificateEntriesAreFoundByNameAndNeverByToken() throws Exception {
    Path file = dir.resolve("tokens");
    Files.writeString(file, "svc-a cert infer\n");
    TokenFileAuthenticator auth = TokenFileAuthenticator.load(file);
    assertThat(auth.certificateHolder("svc-a")).isNotNull();
    assertThat(auth.certificateHolder("svc-b")).isNull();
    assertThatThrownBy(() -> auth.authenticate("cert")).isInstanceOf(InferenceException.class);
  }

  @Test
  void bearerHeadersParseStrictly() {
    assertThat(BearerToken.parse("Bearer abc.DEF-_~+/=")).isEqualTo("abc.DEF-_~+/=");
    assertThat(BearerToken.parse("bearer   tok  ")).isEqualTo("tok");
    assertThat(BearerToken.parse("Basic dXNlcjpwYXNz")).isNull();
    assertThat(BearerToken.parse("Bearer ")).isNull();
    assertThat(BearerToken.parse("Bearer a b")).isNull();
    assertThat(BearerToken.parse("Bearer a=b")).isNull();
    assertThat(BearerToken.parse("Bearer " + "a".repeat(BearerToken.MAX_LENGTH))).isNull();
    assertThat(BearerToken.looksLikeJwt("a.b.c")).isTrue();
    assertThat(BearerToken.looksLikeJwt("a.b")).isFalse();
    assertThat(BearerToken.looksLikeJwt("a..c")).isFalse();
  }
}
