package io.caracal.core.encryption;

import io.caracal.api.backend.ModelLoadException;
import io.caracal.core.encryption.EncryptedModelFormat.FormatException;
import io.caracal.core.encryption.EncryptedModelFormat.Header;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;

/**
 * Decrypts an {@code .enc} model file into memory, never to disk. The checks come in an order that
 * gives the clearest reason: the header's format, the key id (configured?), the key (the header's
 * key check), the place the file was encrypted for (the header's model, version and file name
 * against where it was found), the file's length (truncated or with trailing bytes), then every
 * chunk's authentication tag. Messages name the file as the repository shows it ({@code
 * simple/1/model.onnx.enc}) and key ids, never paths or keys. Thread-safe.
 */
public final class ModelDecryptor {
  private final ModelKeys keys;

  /** Creates a decryptor with these keys. */
  public ModelDecryptor(ModelKeys keys) {
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  /**
   * Returns the plaintext of {@code file}, found at {@code place}.
   *
   * @param shown how messages name the file
   * @throws ModelLoadException with the reason the model cannot load
   */
  public byte[] decrypt(Path file, ModelBinding place, String shown) throws ModelLoadException {
    try (InputStream raw = Files.newInputStream(file)) {
      return decrypt(raw, Files.size(file), place, shown);
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + shown + ": " + e.getClass().getSimpleName());
    }
  }

  /**
   * Returns the plaintext of a file of {@code fileLength} bytes read from {@code raw}, found at
   * {@code place}.
   *
   * @param shown how messages name the file
   * @throws ModelLoadException with the reason the model cannot load
   */
  public byte[] decrypt(InputStream raw, long fileLength, ModelBinding place, String shown)
      throws ModelLoadException {
    try {
      DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
      Header header;
      try {
        header = Header.read(in);
      } catch (FormatException e) {
        throw new ModelLoadException(shown + " " + e.getMessage());
      } catch (EOFException e) {
        throw new ModelLoadException(shown + " is truncated (it ends inside its header)");
      }
      SecretKey key = checkKey(header, shown);
      if (!header.binding.equals(place)) {
        throw new ModelLoadException(
            shown
                + " was encrypted for "
                + header.binding
                + ", not for "
                + place
                + "; an encrypted model cannot be moved or renamed: encrypt the plain model again"
                + " for this place");
      }
      long expected = header.fileLength();
      if (fileLength < expected) {
        throw new ModelLoadException(
            shown + " is truncated (" + fileLength + " of " + expected + " bytes)");
      }
      if (fileLength > expected) {
        throw new ModelLoadException(
            shown + " has " + (fileLength - expected) + " bytes after its final chunk");
      }
      return chunks(in, header, key, shown);
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + shown + ": " + e.getClass().getSimpleName());
    }
  }

  private SecretKey checkKey(Header header, String shown) throws ModelLoadException {
    SecretKey key =
        keys.key(header.keyId)
            .orElseThrow(() ->
                new ModelLoadException(
                    shown
                        + " is encrypted with key id '"
                        + header.keyId
                        + "', which is not configured"
                        + (keys.isEmpty()
                            ? " (no model key is: --model-key-file, CARACAL_MODEL_KEYS)"
                            : "")));
    try {
      if (!header.keyMatches(key)) {
        throw new ModelLoadException(
            shown
                + " was encrypted with another key than the one configured for key id '"
                + header.keyId
                + "' (or its header was modified)");
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM is not available in this JDK", e);
    }
    return key;
  }

  private static byte[] chunks(DataInputStream in, Header header, SecretKey key, String shown)
      throws IOException, ModelLoadException {
    byte[] headerBytes = header.encode(); // the place checked above: what every chunk binds
    byte[] plain = new byte[(int) header.plaintextLength];
    byte[] sealed = new byte[header.chunkSize + EncryptedModelFormat.TAG_BYTES];
    long chunks = header.chunkCount();
    int at = 0;
    boolean done = false;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      for (long i = 0; i < chunks; i++) {
        int n = (int) Math.min(header.chunkSize, header.plaintextLength - at);
        in.readFully(sealed, 0, n + EncryptedModelFormat.TAG_BYTES);
        boolean last = i == chunks - 1;
        cipher.init(
            Cipher.DECRYPT_MODE, key, EncryptedModelFormat.nonce(header.noncePrefix, (int) i));
        cipher.updateAAD(EncryptedModelFormat.aad(headerBytes, last));
        try {
          at += cipher.doFinal(sealed, 0, n + EncryptedModelFormat.TAG_BYTES, plain, at);
        } catch (AEADBadTagException e) {
          throw new ModelLoadException(
              shown
                  + ": chunk "
                  + (i + 1)
                  + " of "
                  + chunks
                  + " fails authentication; the file was modified after it was encrypted");
        }
      }
      done = true;
      return plain;
    } catch (EOFException e) {
      throw new ModelLoadException(shown + " is truncated");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-256-GCM decryption failed unexpectedly", e);
    } finally {
      Arrays.fill(sealed, (byte) 0);
      if (!done) {
        Arrays.fill(plain, (byte) 0);
      }
    }
  }
}
