package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.core.encryption.ModelBinding;
import io.caracal.core.encryption.ModelDecryptor;
import io.caracal.core.encryption.ModelKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncryptCommandTest {
  @TempDir Path dir;
  Path model;
  Path keys;
  byte[] plain;
  String k1;
  String k2;

  @BeforeEach
  void setUp() throws Exception {
    model = Files.createDirectories(dir.resolve("repo/simple/3")).resolve("model.onnx");
    plain = new byte[10_000];
    new Random(1).nextBytes(plain);
    Files.write(model, plain);
    byte[] key = new byte[32];
    new Random(2).nextBytes(key);
    k1 = Base64.getEncoder().encodeToString(key);
    new Random(3).nextBytes(key);
    k2 = Base64.getEncoder().encodeToString(key);
    keys = dir.resolve("keys");
    Files.writeString(keys, "# rotation\nold=" + k1 + "\nnew=" + k2 + "\n");
  }

  @Test
  void writesTheEncryptedFileBesideTheModel_boundToItsFolders() throws Exception {
    Cli run =
        Cli.run("encrypt", "--key-file", keys.toString(), "--key-id", "new", model.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    Path enc = model.resolveSibling("model.onnx.enc");
    assertThat(run.out())
        .contains("wrote " + enc)
        .contains("simple/3/model.onnx")
        .contains("'new'");
    assertThat(run.out() + run.err()).doesNotContain(k1).doesNotContain(k2);
    byte[] decrypted =
        new ModelDecryptor(ModelKeys.read(keys, "keys"))
            .decrypt(enc, new ModelBinding("simple", 3, "model.onnx"), "simple/3/model.onnx.enc");
    assertThat(decrypted).isEqualTo(plain);
    assertThat(indexOf(Files.readAllBytes(enc), slice(plain, 5000, 64))).isEqualTo(-1);
    try (Stream<Path> files = Files.list(model.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary file left")
          .containsExactlyInAnyOrder("model.onnx", "model.onnx.enc");
    }
  }

  @Test
  void flagsNameAnotherPlace_andOutput() throws Exception {
    Path out = dir.resolve("elsewhere.onnx.enc");
    Cli run =
        Cli.run(
            "encrypt",
            "--key-file=" + keys,
            "--key-id=old",
            "--model=other",
            "--model-version=7",
            "--output=" + out,
            "--chunk-size=4096",
            model.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(
            new ModelDecryptor(ModelKeys.read(keys, "keys"))
                .decrypt(out, new ModelBinding("other", 7, "elsewhere.onnx"), "x"))
        .isEqualTo(plain);
  }

  @Test
  void anExistingOutput_needsForce() {
    String[] args = {"encrypt", "--key-file", keys.toString(), "--key-id", "old", model.toString()};
    assertThat(Cli.run(args).exit()).isZero();
    Cli again = Cli.run(args);
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("exists; pass --force to replace it");
    String[] forced = {
      "encrypt", "--force", "--key-file", keys.toString(), "--key-id", "old", model.toString()
    };
    assertThat(Cli.run(forced).exit()).isZero();
  }

  @Test
  void usageErrors_sayWhatIsWrongInOneLine() throws Exception {
    String key = keys.toString();
    String m = model.toString();
    assertUsage("Missing required option: '--key-file=FILE'", "encrypt", m);
    assertUsage("Missing required parameter: 'MODEL_FILE'", "encrypt", "--key-file", key);
    assertUsage(
        "--key-file holds several keys [new, old]; pass --key-id to pick one",
        "encrypt",
        "--key-file",
        key,
        m);
    assertUsage(
        "--key-id 'nope' is not in --key-file",
        "encrypt",
        "--key-file",
        key,
        "--key-id",
        "nope",
        m);
    assertUsage(
        "--output must name a file ending in .enc, got 'x.onnx'",
        "encrypt",
        "--key-file",
        key,
        "--key-id=old",
        "--output",
        dir.resolve("x.onnx").toString(),
        m);
    assertUsage(
        "--chunk-size must be 4096..67108864, got 100",
        "encrypt",
        "--key-file",
        key,
        "--key-id=old",
        "--chunk-size=100",
        m);
    Path loose = Files.write(dir.resolve("loose.onnx"), plain);
    assertUsage(
        "cannot tell the model version from the folder of loose.onnx.enc",
        "encrypt",
        "--key-file",
        key,
        "--key-id=old",
        loose.toString());
    assertUsage(
        "'../x' is not a valid model name",
        "encrypt",
        "--key-file",
        key,
        "--key-id=old",
        "--model=../x",
        m);
    Path bad = Files.writeString(dir.resolve("bad-keys"), k1 + "\n");
    assertUsage(
        "--key-file line 1: expected key-id=base64-key",
        "encrypt",
        "--key-file",
        bad.toString(),
        m);
  }

  @Test
  void aMissingModelFile_fails() {
    Cli run =
        Cli.run(
            "encrypt",
            "--key-file",
            keys.toString(),
            "--key-id=old",
            dir.resolve("no/1/x").toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("is not a file");
  }

  private void assertUsage(String expected, String... args) {
    Cli run = Cli.run(args);
    assertThat(run.exit()).as("exit of %s: %s", String.join(" ", args), run.err()).isEqualTo(2);
    String first = run.err().lines().findFirst().orElse("");
    assertThat(first).startsWith("caracal encrypt: ").contains(expected);
    assertThat(run.err()).doesNotContain(k1).doesNotContain(k2);
    assertThat(model.resolveSibling("model.onnx.enc")).doesNotExist();
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] slice(byte[] b, int from, int n) {
    return java.util.Arrays.copyOfRange(b, from, from + n);
  }
}
