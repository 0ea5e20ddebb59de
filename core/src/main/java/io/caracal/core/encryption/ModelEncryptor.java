package io.caracal.core.encryption;

import io.caracal.core.encryption.EncryptedModelFormat.Header;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;

/**
 * Writes a model file in the {@code .enc} format ({@link EncryptedModelFormat}), streaming: one
 * chunk of plaintext is in memory at a time. Thread-safe (no mutable state).
 */
public final class ModelEncryptor {
  /** The chunk size used unless another is asked for: 1 MiB. */
  public static final int DEFAULT_CHUNK_SIZE = EncryptedModelFormat.DEFAULT_CHUNK;

  /** The smallest chunk size accepted. */
  public static final int MIN_CHUNK_SIZE = EncryptedModelFormat.MIN_CHUNK;

  /** The largest chunk size accepted. */
  public static final int MAX_CHUNK_SIZE = EncryptedModelFormat.MAX_CHUNK;

  /** The largest model that can be encrypted (and loaded from memory). */
  public static final long MAX_MODEL_BYTES = EncryptedModelFormat.MAX_PLAINTEXT;

  private final SecureRandom random;

  /** Creates an encryptor drawing nonce prefixes from {@code random}. */
  public ModelEncryptor(SecureRandom random) {
    this.random = Objects.requireNonNull(random, "random");
  }

  /**
   * Encrypts {@code length} bytes of {@code in} for {@code place} with the key {@code keyId} and
   * writes the file to {@code out}.
   *
   * @throws IOException if {@code in} ends before {@code length} bytes or has more, or a write
   *     fails
   * @throws IllegalArgumentException for a chunk size out of range, a too large model or a bad key
   *     id
   */
  public void encrypt(
      InputStream in,
      long length,
      OutputStream out,
      ModelBinding place,
      String keyId,
      SecretKey key,
      int chunkSize)
      throws IOException {
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException(
          "chunk size must be " + MIN_CHUNK_SIZE + ".." + MAX_CHUNK_SIZE + ", got " + chunkSize);
    }
    if (length < 0 || length > MAX_MODEL_BYTES) {
      throw new IllegalArgumentException(
          "the model is "
              + length
              + " bytes; at most "
              + MAX_MODEL_BYTES
              + " can be loaded from memory");
    }
    if (!ModelKeys.isValidKeyId(keyId)) {
      throw new IllegalArgumentException("key id is not 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    try {
      long prefix = random.nextLong();
      Header header =
          new Header(
              chunkSize, length, keyId, place, prefix, EncryptedModelFormat.keyCheck(key, prefix));
      byte[] headerBytes = header.encode();
      out.write(headerBytes);
      byte[] plain = new byte[chunkSize];
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      long chunks = header.chunkCount();
      long left = length;
      try {
        for (long i = 0; i < chunks; i++) {
          int n = (int) Math.min(chunkSize, left);
          if (in.readNBytes(plain, 0, n) != n) {
            throw new IOException("the model file got shorter while it was being encrypted");
          }
          left -= n;
          boolean last = i == chunks - 1;
          cipher.init(Cipher.ENCRYPT_MODE, key, EncryptedModelFormat.nonce(prefix, (int) i));
          cipher.updateAAD(EncryptedModelFormat.aad(headerBytes, last));
          out.write(cipher.doFinal(plain, 0, n));
        }
        if (in.read() >= 0) {
          throw new IOException("the model file got longer while it was being encrypted");
        }
      } finally {
        Arrays.fill(plain, (byte) 0);
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available in this JDK", e);
    }
  }
}
