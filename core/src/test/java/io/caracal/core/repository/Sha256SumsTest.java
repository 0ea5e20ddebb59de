package io.caracal.core.repository;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Sha256SumsTest {
  @TempDir Path repo;
  Path version;
  RepositoryPaths paths;

  @BeforeEach
  void setUp() throws Exception {
    version = Files.createDirectories(repo.resolve("m/1"));
    Files.write(version.resolve("model.onnx"), new byte[] {1, 2, 3});
    Files.write(version.resolve("weights.bin"), new byte[] {4, 5});
    paths = RepositoryPaths.create(repo);
  }

  static String sha(int... v) throws Exception {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  void sums(String text) throws Exception {
    Files.writeString(version.resolve("SHA256SUMS"), text);
  }

  void verify() throws Exception {
    Sha256Sums.verify(paths.versionDir("m", 1), "m/1", "model.onnx", paths);
  }

  @Test
  void absent_orMatching_passes() throws Exception {
    assertThatCode(this::verify).doesNotThrowAnyException();
    sums(sha(1, 2, 3) + "  model.onnx\n" + sha(4, 5).toUpperCase() + " *weights.bin\n");
    assertThatCode(this::verify).doesNotThrowAnyException();
  }

  @Test
  void aChangedFile_isNamed() throws Exception {
    sums(sha(1, 2, 3) + "  model.onnx\n" + sha(4, 6) + "  weights.bin\n");
    assertThatThrownBy(this::verify)
        .hasMessage(
            "m/1/weights.bin does not match its SHA-256 in m/1/SHA256SUMS (the file was changed)");
  }

  @Test
  void theModelFileMustBeListed() throws Exception {
    sums(sha(4, 5) + "  weights.bin\n");
    assertThatThrownBy(this::verify)
        .hasMessage("m/1/SHA256SUMS does not list the model file model.onnx");
  }

  @Test
  void missingOrEscapingFiles_areRefused() throws Exception {
    sums(sha(1, 2, 3) + "  model.onnx\n" + sha(4, 5) + "  gone.bin\n");
    assertThatThrownBy(this::verify).hasMessage("m/1/SHA256SUMS lists m/1/gone.bin does not exist");
    sums(sha(1, 2, 3) + "  model.onnx\n" + sha(4, 5) + "  ../../m/1/weights.bin\n");
    assertThatThrownBy(this::verify)
        .hasMessageContaining("is not a plain file name inside the model folder");
  }

  @Test
  void malformedLines_areNamed() throws Exception {
    assertThatThrownBy(() -> Sha256Sums.parse(List.of("abc  model.onnx"), "m/1/SHA256SUMS"))
        .hasMessage("m/1/SHA256SUMS line 1 is not '<64 hex digits>  <file name>'");
    String s = sha(1);
    assertThatThrownBy(() -> Sha256Sums.parse(List.of(s + "  a", s + "  a"), "S"))
        .hasMessage("S line 2 lists a twice");
  }
}
