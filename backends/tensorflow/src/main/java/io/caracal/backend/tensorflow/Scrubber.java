package io.caracal.backend.tensorflow;

import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Keeps absolute paths out of messages shown to clients and in model status: TensorFlow's messages
 * name the files it read, and every spelling of the model's folder (absolute, real) becomes the
 * folder's name.
 */
record Scrubber(Path modelDir) {
  /** Returns {@code message} without the model folder's path; {@code null} as an empty string. */
  String apply(@Nullable String message) {
    if (message == null) {
      return "";
    }
    Path name = modelDir.getFileName();
    String replacement = name == null ? "<model>" : name.toString();
    String out = message;
    Path abs = modelDir.toAbsolutePath().normalize();
    Path real = abs;
    try {
      real = modelDir.toRealPath();
    } catch (IOException e) {
      // keep the absolute spelling
    }
    for (Path p : new Path[] {real, abs}) {
      if (p.toString().length() > 1) {
        out = out.replace(p.toString(), replacement);
      }
    }
    return out;
  }
}
