package io.caracal.core.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class ModelKeysTest {
  static final String K1 = Base64.getEncoder().encodeToString(new byte[32]);
  static final String K2 = Base64.getEncoder().encodeToString(bytes(32, 1));

  static byte[] bytes(int n, int v) {
    byte[] b = new byte[n];
    java.util.Arrays.fill(b, (byte) v);
    return b;
  }

  @Test
  void parsesLinesCommentsAndEnvironmentStyleLists() {
    ModelKeys file = ModelKeys.parse("# keys\n\nk1=" + K1 + "\n  k2=" + K2 + "  \n", "f");
    assertThat(file.ids()).containsExactlyInAnyOrder("k1", "k2");
    ModelKeys env = ModelKeys.parse("k1=" + K1 + ",k2=" + K2, "env");
    assertThat(env).isEqualTo(file);
    assertThat(file.toString()).isEqualTo("ModelKeys[k1, k2]");
  }

  @Test
  void badEntries_nameTheLineAndKeyIdButNeverTheKey() {
    String shortKey = Base64.getEncoder().encodeToString(bytes(16, 9));
    assertThatThrownBy(() -> ModelKeys.parse("k1=" + K1 + "\nk2=" + shortKey, "--model-key-file"))
        .hasMessage(
            "--model-key-file line 2: the key of 'k2' is 16 bytes; an AES-256 key is 32 (openssl"
                + " rand -base64 32)");
    assertThatThrownBy(() -> ModelKeys.parse("k1=%%%%", "f"))
        .hasMessage("f line 1: the key of 'k1' is not base64")
        .hasMessageNotContaining("%%%%");
    // a bare key (it ends in '=') or a bad id: the message quotes nothing, it may be the key
    assertThatThrownBy(() -> ModelKeys.parse(K2, "f"))
        .hasMessage("f line 1: expected key-id=base64-key, the id 1 to 64 of A-Z a-z 0-9 . _ -");
    assertThatThrownBy(() -> ModelKeys.parse("bad/id=" + K1, "f"))
        .hasMessage("f line 1: expected key-id=base64-key, the id 1 to 64 of A-Z a-z 0-9 . _ -");
    assertThatThrownBy(() -> ModelKeys.parse("k1=" + K1 + "\nk1=" + K2, "f"))
        .hasMessage("f line 2: key id 'k1' is given twice");
  }

  @Test
  void plus_refusesOneIdWithTwoKeys() {
    ModelKeys a = ModelKeys.parse("k1=" + K1, "a");
    assertThat(a.plus(ModelKeys.parse("k1=" + K1, "b"))).isEqualTo(a);
    assertThatThrownBy(() -> a.plus(ModelKeys.parse("k1=" + K2, "b")))
        .hasMessage("model key id 'k1' is configured twice with different keys");
  }
}
