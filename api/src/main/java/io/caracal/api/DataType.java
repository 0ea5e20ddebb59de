package io.caracal.api;

import java.util.Optional;

/** A tensor element type, named as the KServe V2 protocol names it on the wire. */
public enum DataType {
  BOOL(1),
  UINT8(1),
  UINT16(2),
  UINT32(4),
  UINT64(8),
  INT8(1),
  INT16(2),
  INT32(4),
  INT64(8),
  FP16(2),
  BF16(2),
  FP32(4),
  FP64(8),
  /**
   * Variable-length byte strings; on the wire each element is a u32 little-endian length and its
   * bytes.
   */
  BYTES(-1);

  private final int byteSize;

  DataType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Returns the size of one element in bytes, or -1 for {@link #BYTES}. */
  public int byteSize() {
    return byteSize;
  }

  /** Returns whether elements have a fixed size (every type but {@link #BYTES}). */
  public boolean isFixedSize() {
    return byteSize > 0;
  }

  /** Returns the V2 wire name ({@code "FP32"}, {@code "BYTES"}, ...). */
  public String wireName() {
    return name();
  }

  /** Returns the type with this exact (case-sensitive) V2 wire name. */
  public static Optional<DataType> fromWireName(String name) {
    for (DataType t : values()) {
      if (t.name().equals(name)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
