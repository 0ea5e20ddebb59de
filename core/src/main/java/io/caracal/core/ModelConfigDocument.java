package io.caracal.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * A model version's completed configuration, serialized as Triton's {@code ModelConfig} protobuf
 * message (the schema of the {@code caracal-model-config-proto} module, field numbers identical to
 * Triton's). Core hands this document to transports instead of a generated class, so its contract
 * holds no wire type; each transport reads it with its own copy of the schema (JSON over HTTP, the
 * message itself over gRPC). Immutable.
 */
public final class ModelConfigDocument {
  private final byte[] bytes;

  private ModelConfigDocument(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Returns a document holding a copy of {@code serialized}. */
  public static ModelConfigDocument of(byte[] serialized) {
    return new ModelConfigDocument(Objects.requireNonNull(serialized, "serialized").clone());
  }

  /** Returns a copy of the serialized message. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelConfigDocument d && Arrays.equals(bytes, d.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "ModelConfigDocument[" + bytes.length + " bytes]";
  }
}
