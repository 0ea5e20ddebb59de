package io.caracal.testing;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0), little-endian or
 * byte-order-free dtypes, C order: {@code <f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 <u2 <u4 <u8 |b1}.
 * Big-endian data, Fortran order, structured and object dtypes are refused with {@link
 * IOException}.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
  private static final Map<String, DataType> TYPES =
      Map.ofEntries(
          Map.entry("<f2", DataType.FP16),
          Map.entry("<f4", DataType.FP32),
          Map.entry("<f8", DataType.FP64),
          Map.entry("|i1", DataType.INT8),
          Map.entry("<i2", DataType.INT16),
          Map.entry("<i4", DataType.INT32),
          Map.entry("<i8", DataType.INT64),
          Map.entry("|u1", DataType.UINT8),
          Map.entry("<u2", DataType.UINT16),
          Map.entry("<u4", DataType.UINT32),
          Map.entry("<u8", DataType.UINT64),
          Map.entry("|b1", DataType.BOOL));

  private Npy() {}

  /** Reads a {@code .npy} file. */
  public static NpyArray read(Path file) throws IOException {
    return parse(Files.readAllBytes(file), file.getFileName().toString());
  }

  /** Reads a {@code .npy} file into a tensor. */
  public static Tensor readTensor(Path file) throws IOException {
    return read(file).tensor();
  }

  /** Parses the bytes of a {@code .npy} file; {@code source} names it in error messages. */
  public static NpyArray parse(byte[] bytes, String source) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 10 || !ByteBuffer.wrap(bytes, 0, 6).equals(ByteBuffer.wrap(MAGIC))) {
      throw new IOException(source + ": not a .npy file");
    }
    int major = bytes[6] & 0xff;
    b.position(8);
    long headerLen;
    if (major == 1) {
      headerLen = Short.toUnsignedInt(b.getShort());
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw new IOException(source + ": truncated header");
      }
      headerLen = Integer.toUnsignedLong(b.getInt());
    } else {
      throw new IOException(source + ": unsupported .npy version " + major);
    }
    if (headerLen > b.remaining()) {
      throw new IOException(source + ": truncated header");
    }
    String header =
        new String(
            bytes,
            b.position(),
            (int) headerLen,
            major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    b.position(b.position() + (int) headerLen);
    String descr = group(DESCR, header, source, "descr");
    if (group(FORTRAN, header, source, "fortran_order").equals("True")) {
      throw new IOException(source + ": Fortran order is not supported");
    }
    DataType type = TYPES.get(descr);
    if (type == null) {
      throw new IOException(source + ": unsupported dtype " + descr);
    }
    List<Long> dims = new ArrayList<>();
    for (String part : group(SHAPE, header, source, "shape").split(",")) {
      if (!part.isBlank()) {
        dims.add(Long.parseLong(part.trim()));
      }
    }
    Shape shape = Shape.of(dims);
    long expected = shape.elementCount() * type.byteSize();
    if (expected != b.remaining()) {
      throw new IOException(
          source + ": expected " + expected + " data bytes, found " + b.remaining());
    }
    return new NpyArray(descr, type, shape, b.slice().order(ByteOrder.LITTLE_ENDIAN));
  }

  /**
   * Returns the bytes of a version 1.0 {@code .npy} file holding this tensor (any type but BYTES
   * and BF16, which NumPy lacks).
   */
  public static byte[] format(Tensor tensor) {
    String descr =
        TYPES.entrySet().stream()
            .filter(e -> e.getValue() == tensor.dataType())
            .map(Map.Entry::getKey)
            .findFirst()
            .orElseThrow(
                () -> new IllegalArgumentException("no .npy dtype for " + tensor.dataType()));
    StringBuilder shape = new StringBuilder();
    for (long d : tensor.shape().toArray()) {
      shape.append(d).append(", ");
    }
    if (tensor.shape().rank() > 1) {
      shape.setLength(shape.length() - 1);
    }
    String dict =
        "{'descr': '"
            + descr
            + "', 'fortran_order': False, 'shape': ("
            + shape.toString().stripTrailing()
            + "), }";
    int unpadded = 10 + dict.length() + 1;
    int padded = (unpadded + 63) / 64 * 64;
    String header = dict + " ".repeat(padded - unpadded) + "\n";
    ByteBuffer data = tensor.data();
    ByteBuffer out =
        ByteBuffer.allocate(10 + header.length() + data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    out.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
    return out.array();
  }

  /** Writes this fixed-size tensor as a version 1.0 {@code .npy} file. */
  public static void write(Path file, Tensor tensor) throws IOException {
    Files.write(file, format(tensor));
  }

  private static String group(Pattern p, String header, String source, String key)
      throws IOException {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new IOException(source + ": header has no '" + key + "'");
    }
    return m.group(1);
  }
}
