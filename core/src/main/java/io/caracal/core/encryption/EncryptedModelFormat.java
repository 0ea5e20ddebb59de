package io.caracal.core.encryption;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The {@code .enc} file format, version 1 (described in {@code docs/security-models.md}): a header,
 * then the plaintext in chunks of {@code chunkSize} bytes (the last one shorter, possibly empty),
 * each encrypted with AES-256-GCM and followed by its 16-byte tag. Chunk {@code i}'s nonce is the
 * header's random 8-byte prefix followed by {@code i} (4 bytes, big-endian); its additional data is
 * the whole header, with the model, version and file name the reader <em>expects</em>, followed by
 * one byte that is 1 for the final chunk and 0 otherwise. So every chunk authenticates the format
 * version, chunk size, plaintext length, key id and place, its own position, and whether the file
 * ends there. Immutable.
 */
final class EncryptedModelFormat {
  static final byte[] MAGIC = "CARACALE".getBytes(StandardCharsets.US_ASCII);
  static final int FORMAT_VERSION = 1;
  static final int AES_256_GCM = 1;
  static final int TAG_BYTES = 16;
  static final int TAG_BITS = TAG_BYTES * 8;
  static final int MIN_CHUNK = 4096;
  static final int MAX_CHUNK = 64 << 20;
  static final int DEFAULT_CHUNK = 1 << 20;

  /** The largest plaintext: a Java array, and protobuf's 2 GiB limit on a model in memory. */
  static final long MAX_PLAINTEXT = Integer.MAX_VALUE - 8L;

  private static final int KEY_CHECK_COUNTER = -1; // 0xFFFFFFFF: never a chunk's counter
  private static final byte[] KEY_CHECK_AAD =
      "caracal-model-key-check-v1".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_NAME_BYTES = 1024;

  private EncryptedModelFormat() {}

  /** The header of one file. */
  static final class Header {
    final int chunkSize;
    final long plaintextLength;
    final String keyId;
    final ModelBinding binding;
    final long noncePrefix;
    private final byte[] keyCheck;

    Header(
        int chunkSize,
        long plaintextLength,
        String keyId,
        ModelBinding binding,
        long noncePrefix,
        byte[] keyCheck) {
      this.chunkSize = chunkSize;
      this.plaintextLength = plaintextLength;
      this.keyId = keyId;
      this.binding = binding;
      this.noncePrefix = noncePrefix;
      this.keyCheck = keyCheck.clone();
    }

    /** Returns this header as if it had been written for {@code place}. */
    Header boundTo(ModelBinding place) {
      return new Header(chunkSize, plaintextLength, keyId, place, noncePrefix, keyCheck);
    }

    /** Returns how many chunks follow the header (at least one). */
    long chunkCount() {
      return plaintextLength == 0 ? 1 : (plaintextLength + chunkSize - 1) / chunkSize;
    }

    /** Returns the header's bytes, as written and as authenticated. */
    byte[] encode() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.write(MAGIC);
        out.writeByte(FORMAT_VERSION);
        out.writeByte(AES_256_GCM);
        out.writeShort(0);
        out.writeInt(chunkSize);
        out.writeLong(plaintextLength);
        writeString(out, keyId);
        writeString(out, binding.model());
        out.writeLong(binding.version());
        writeString(out, binding.fileName());
        out.writeLong(noncePrefix);
        out.write(keyCheck);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e); // a byte array does not fail
      }
      return bytes.toByteArray();
    }

    /** Returns the file's length with this header. */
    long fileLength() {
      return encode().length + plaintextLength + chunkCount() * TAG_BYTES;
    }

    /** Returns whether {@code key} is the key this header was written with. */
    boolean keyMatches(SecretKey key) throws GeneralSecurityException {
      byte[] expected = keyCheck(key, noncePrefix);
      return java.security.MessageDigest.isEqual(expected, keyCheck);
    }

    /**
     * Reads a header.
     *
     * @throws FormatException saying what is wrong
     */
    static Header read(DataInputStream in) throws IOException, FormatException {
      byte[] magic = in.readNBytes(MAGIC.length);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new FormatException("is not an encrypted Caracal model (no CARACALE header)");
      }
      int version = in.readUnsignedByte();
      if (version != FORMAT_VERSION) {
        throw new FormatException(
            "has format version " + version + "; this server reads version " + FORMAT_VERSION);
      }
      int algorithm = in.readUnsignedByte();
      if (algorithm != AES_256_GCM) {
        throw new FormatException("names an unknown algorithm (" + algorithm + ")");
      }
      if (in.readUnsignedShort() != 0) {
        throw new FormatException("has a damaged header (reserved bits set)");
      }
      int chunkSize = in.readInt();
      if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) {
        throw new FormatException("has a damaged header (chunk size " + chunkSize + ")");
      }
      long length = in.readLong();
      if (length < 0 || length > MAX_PLAINTEXT) {
        throw new FormatException(
            "holds "
                + length
                + " bytes, more than a model loaded from memory can have ("
                + MAX_PLAINTEXT
                + ")");
      }
      String keyId = readString(in);
      if (!ModelKeys.isValidKeyId(keyId)) {
        throw new FormatException("has a damaged header (key id)");
      }
      String model = readString(in);
      long modelVersion = in.readLong();
      String fileName = readString(in);
      if (model.isEmpty() || fileName.isEmpty() || modelVersion < 1) {
        throw new FormatException("has a damaged header (model, version or file name)");
      }
      long prefix = in.readLong();
      byte[] check = new byte[TAG_BYTES];
      in.readFully(check);
      return new Header(
          chunkSize, length, keyId, new ModelBinding(model, modelVersion, fileName), prefix, check);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      if (b.length > MAX_NAME_BYTES) {
        throw new IllegalArgumentException("name longer than " + MAX_NAME_BYTES + " bytes");
      }
      out.writeShort(b.length);
      out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException, FormatException {
      int n = in.readUnsignedShort();
      if (n > MAX_NAME_BYTES) {
        throw new FormatException("has a damaged header (a name of " + n + " bytes)");
      }
      byte[] b = new byte[n];
      in.readFully(b);
      return new String(b, StandardCharsets.UTF_8);
    }
  }

  /**
   * A file that is not in this format, or whose header is damaged; the message follows its name.
   */
  static final class FormatException extends Exception {
    private static final long serialVersionUID = 1L;

    FormatException(String message) {
      super(message);
    }
  }

  /** Returns the 12-byte nonce of chunk {@code counter}. */
  static GCMParameterSpec nonce(long prefix, int counter) {
    return new GCMParameterSpec(
        TAG_BITS, ByteBuffer.allocate(12).putLong(prefix).putInt(counter).array());
  }

  /** Returns a chunk's additional data: the header, then 1 for the final chunk, else 0. */
  static byte[] aad(byte[] header, boolean last) {
    byte[] aad = Arrays.copyOf(header, header.length + 1);
    aad[header.length] = (byte) (last ? 1 : 0);
    return aad;
  }

  /**
   * Returns the key check: the GCM tag of an empty message under the reserved counter, so a reader
   * tells a wrong key from a modified file before decrypting anything.
   */
  static byte[] keyCheck(SecretKey key, long prefix) throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.ENCRYPT_MODE, key, nonce(prefix, KEY_CHECK_COUNTER));
    c.updateAAD(KEY_CHECK_AAD);
    return c.doFinal();
  }
}
