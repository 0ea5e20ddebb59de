package io.caracal.backend.onnxruntime;

import java.io.IOException;
import java.nio.file.Path;

/** Keeps absolute paths out of messages shown to clients and in model status. */
final class Messages {
  private Messages() {}

  /**
   * Returns {@code message} with every spelling of {@code modelDir} (as given, absolute and real)
   * replaced by the folder's name, and {@code null} as an empty string.
   */
  static String scrub(@org.jspecify.annotations.Nullable String message, Path modelDir) {
    if (message == null) {
      return "";
    }
    String out = message;
    Path name = modelDir.getFileName();
    String replacement = name == null ? "<model>" : name.toString();
    for (Path p : spellings(modelDir)) {
      String s = p.toString();
      if (s.length() > 1) {
        out = out.replace(s, replacement);
      }
    }
    return out;
  }

  private static Path[] spellings(Path dir) {
    Path abs = dir.toAbsolutePath().normalize();
    Path real = abs;
    try {
      real = dir.toRealPath();
    } catch (IOException | RuntimeException e) {
      // keep the absolute spelling
    }
    return new Path[] {real, abs, dir};
  }
}
