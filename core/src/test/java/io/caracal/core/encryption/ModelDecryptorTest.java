package io.caracal.core.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.backend.ModelLoadException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelDecryptorTest {
  static final int CHUNK = 4096;
  static final SecretKey K1 = key(1);
  static final SecretKey K2 = key(2);
  static final ModelBinding PLACE = new ModelBinding("simple", 1, "model.onnx");
  static final String SHOWN = "simple/1/model.onnx.enc";

  @TempDir Path dir;

  static SecretKey key(int seed) {
    byte[] k = new byte[32];
    new Random(seed).nextBytes(k);
    return new SecretKeySpec(k, "AES");
  }

  static byte[] plain(int length) {
    byte[] b = new byte[length];
    new Random(length).nextBytes(b);
    return b;
  }

  static byte[] encrypt(byte[] plain, ModelBinding place, String keyId, SecretKey key)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ModelEncryptor(new SecureRandom())
        .encrypt(new ByteArrayInputStream(plain), plain.length, out, place, keyId, key, CHUNK);
    return out.toByteArray();
  }

  byte[] decrypt(byte[] file, ModelBinding place, ModelKeys keys) throws Exception {
    Path p = dir.resolve("model.onnx.enc");
    Files.write(p, file);
    return new ModelDecryptor(keys).decrypt(p, place, SHOWN);
  }

  ModelLoadException failure(byte[] file, ModelBinding place, ModelKeys keys) {
    return (ModelLoadException)
        assertThatThrownBy(() -> decrypt(file, place, keys))
            .isInstanceOf(ModelLoadException.class)
            .satisfies(e ->
                assertThat(e.getMessage())
                    .startsWith(SHOWN)
                    .doesNotContain(dir.toString())
                    .doesNotContain(Base64.getEncoder().encodeToString(K1.getEncoded()))
                    .doesNotContain(Base64.getEncoder().encodeToString(K2.getEncoded())))
            .actual();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5})
  void roundTrip_atEveryChunkBoundary(int length) throws Exception {
    byte[] plain = plain(length);
    byte[] file = encrypt(plain, PLACE, "k1", K1);
    long chunks = length == 0 ? 1 : (length + CHUNK - 1) / CHUNK;
    assertThat(file.length - length - chunks * 16).as("header bytes").isBetween(60L, 120L);
    assertThat(decrypt(file, PLACE, ModelKeys.of("k1", K1))).isEqualTo(plain);
  }

  @Test
  void twoEncryptionsOfOneModelDiffer() throws Exception {
    byte[] plain = plain(CHUNK * 2);
    assertThat(encrypt(plain, PLACE, "k1", K1)).isNotEqualTo(encrypt(plain, PLACE, "k1", K1));
  }

  @Test
  void everyFlippedByte_isRefused() throws Exception {
    byte[] plain = plain(2 * CHUNK + 100);
    byte[] file = encrypt(plain, PLACE, "k1", K1);
    ModelKeys keys = ModelKeys.of("k1", K1);
    Random random = new Random(7);
    for (int i = 0; i < 300; i++) {
      int at = i < 120 ? i : random.nextInt(file.length); // the whole header, then anywhere
      byte[] tampered = file.clone();
      tampered[at] ^= (byte) (1 << random.nextInt(8));
      assertThatThrownBy(() -> decrypt(tampered, PLACE, keys))
          .as("byte %d flipped", at)
          .isInstanceOf(ModelLoadException.class);
    }
  }

  @Test
  void aFlippedCiphertextByte_namesTheChunk() throws Exception {
    byte[] file = encrypt(plain(3 * CHUNK), PLACE, "k1", K1);
    file[file.length - 16 - CHUNK / 2] ^= 1; // inside the third chunk
    assertThat(failure(file, PLACE, ModelKeys.of("k1", K1)).getMessage())
        .contains("chunk 3 of 3 fails authentication")
        .contains("modified");
  }

  @Test
  void wrongKey_isToldApartFromTampering() throws Exception {
    byte[] file = encrypt(plain(100), PLACE, "k1", K1);
    assertThat(failure(file, PLACE, ModelKeys.of("k1", K2)).getMessage())
        .contains("another key than the one configured for key id 'k1'");
  }

  @Test
  void unknownKeyId_namesIt() throws Exception {
    byte[] file = encrypt(plain(100), PLACE, "k1", K1);
    assertThat(failure(file, PLACE, ModelKeys.of("k2", K2)).getMessage())
        .contains("key id 'k1', which is not configured");
    assertThat(failure(file, PLACE, ModelKeys.none()).getMessage())
        .contains("--model-key-file, CARACAL_MODEL_KEYS");
  }

  @Test
  void keyRotation_filesOfBothKeysLoadWithBothConfigured() throws Exception {
    ModelKeys both = ModelKeys.of("k1", K1).plus(ModelKeys.of("k2", K2));
    byte[] plain = plain(5000);
    assertThat(decrypt(encrypt(plain, PLACE, "k1", K1), PLACE, both)).isEqualTo(plain);
    assertThat(decrypt(encrypt(plain, PLACE, "k2", K2), PLACE, both)).isEqualTo(plain);
  }

  @Test
  void movedToAnotherModelVersionOrName_isRefused() throws Exception {
    byte[] file = encrypt(plain(100), PLACE, "k1", K1);
    ModelKeys keys = ModelKeys.of("k1", K1);
    for (ModelBinding elsewhere :
        new ModelBinding[] {
          new ModelBinding("other", 1, "model.onnx"),
          new ModelBinding("simple", 2, "model.onnx"),
          new ModelBinding("simple", 1, "other.onnx")
        }) {
      assertThat(failure(file, elsewhere, keys).getMessage())
          .contains("was encrypted for simple/1/model.onnx, not for " + elsewhere)
          .contains("cannot be moved");
    }
  }

  @Test
  void movedWithARewrittenHeader_failsAuthentication() throws Exception {
    // The attacker rewrites the header's place to match the new one: the chunks still bind the
    // old place, so authentication fails.
    ModelBinding other = new ModelBinding("simplx", 1, "model.onnx"); // same length
    byte[] file = encrypt(plain(100), PLACE, "k1", K1);
    byte[] rewritten = replace(file, "simple".getBytes(), "simplx".getBytes());
    assertThat(failure(rewritten, other, ModelKeys.of("k1", K1)).getMessage())
        .contains("chunk 1 of 1 fails authentication");
  }

  @Test
  void truncated_isRefused() throws Exception {
    byte[] file = encrypt(plain(3 * CHUNK), PLACE, "k1", K1);
    ModelKeys keys = ModelKeys.of("k1", K1);
    assertThat(failure(Arrays.copyOf(file, file.length - 1), PLACE, keys).getMessage())
        .contains("is truncated");
    assertThat(failure(Arrays.copyOf(file, file.length - CHUNK - 16), PLACE, keys).getMessage())
        .contains("is truncated");
    assertThat(failure(Arrays.copyOf(file, 20), PLACE, keys).getMessage())
        .contains("truncated (it ends inside its header)");
  }

  @Test
  void truncatedWithTheLengthRewritten_failsAuthentication() throws Exception {
    // Drop the last chunk and shorten the header's length to match: the header is authenticated
    // by every chunk, and the new last chunk was not sealed as final.
    byte[] file = encrypt(plain(3 * CHUNK), PLACE, "k1", K1);
    byte[] cut = Arrays.copyOf(file, file.length - CHUNK - 16);
    ByteBuffer.wrap(cut).putLong(16, 2L * CHUNK); // the length field: magic 8, 4 bytes, chunk 4
    assertThat(failure(cut, PLACE, ModelKeys.of("k1", K1)).getMessage())
        .contains("fails authentication");
  }

  @Test
  void trailingBytes_areRefused() throws Exception {
    byte[] file = encrypt(plain(100), PLACE, "k1", K1);
    assertThat(failure(Arrays.copyOf(file, file.length + 3), PLACE, ModelKeys.of("k1", K1)))
        .hasMessageContaining("3 bytes after its final chunk");
  }

  @Test
  void aPlainModel_isNotMistakenForAnEncryptedOne() {
    assertThat(failure("\u0008\u0008onnx".getBytes(), PLACE, ModelKeys.of("k1", K1)))
        .hasMessageContaining("is not an encrypted Caracal model");
  }

  static byte[] replace(byte[] in, byte[] from, byte[] to) {
    byte[] out = in.clone();
    for (int i = 0; i + from.length <= out.length; i++) {
      if (Arrays.equals(out, i, i + from.length, from, 0, from.length)) {
        System.arraycopy(to, 0, out, i, to.length);
        return out;
      }
    }
    throw new AssertionError("not found");
  }
}
