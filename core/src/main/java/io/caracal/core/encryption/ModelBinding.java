package io.caracal.core.encryption;

import java.util.Objects;

/**
 * Where an encrypted model file belongs: its model, version and the plain file name it decrypts to
 * ({@code model.onnx} for {@code model.onnx.enc}). Bound into every chunk's authentication, so a
 * file copied to another model, version or name does not decrypt.
 *
 * @param model the model name
 * @param version the version number, at least 1
 * @param fileName the plain file name, without {@code .enc}
 */
public record ModelBinding(String model, long version, String fileName) {
  public ModelBinding {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(fileName, "fileName");
    if (version < 1) {
      throw new IllegalArgumentException("version < 1: " + version);
    }
    if (model.isEmpty() || fileName.isEmpty()) {
      throw new IllegalArgumentException("empty model or file name");
    }
  }

  /** Returns {@code model/version/fileName}, as messages show it. */
  @Override
  public String toString() {
    return model + "/" + version + "/" + fileName;
  }
}
