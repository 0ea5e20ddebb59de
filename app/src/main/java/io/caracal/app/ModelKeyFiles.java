package io.caracal.app;

import io.caracal.core.encryption.ModelKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of encrypted models at start: {@code --model-key-file}'s, then {@code --model-keys}'
 * (the {@code CARACAL_MODEL_KEYS} variable). Warns when the key file can be read by group or
 * others. Logs key ids, never keys.
 */
final class ModelKeyFiles {
  private static final Logger log = LoggerFactory.getLogger(ModelKeyFiles.class);
  private static final Set<PosixFilePermission> SHARED =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_WRITE);

  private ModelKeyFiles() {}

  /**
   * Returns every configured model key.
   *
   * @throws IOException if the key file cannot be read or holds a malformed entry
   */
  static ModelKeys keys(ServerSettings settings) throws IOException {
    ModelKeys keys = ModelKeys.none();
    if (!settings.modelKeyFile().isBlank()) {
      Path file = Path.of(settings.modelKeyFile());
      try {
        keys = ModelKeys.read(file, "--model-key-file");
      } catch (IllegalArgumentException e) {
        throw new IOException(e.getMessage(), e);
      } catch (IOException e) {
        throw new IOException(
            "--model-key-file " + file + " cannot be read (" + e.getClass().getSimpleName() + ")",
            e);
      }
      warnIfShared(file);
    }
    try {
      keys = keys.plus(settings.modelKeys());
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    if (!keys.isEmpty()) {
      log.info("encrypted models can be decrypted with key ids {}", keys.ids());
    }
    return keys;
  }

  private static void warnIfShared(Path file) {
    try {
      Set<PosixFilePermission> perms =
          Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
      if (perms.stream().anyMatch(SHARED::contains)) {
        log.warn(
            "--model-key-file {} can be read or written by group or others; chmod 600 it",
            file.getFileName());
      }
    } catch (UnsupportedOperationException | IOException e) {
      // not POSIX, or a link: nothing to say
    }
  }
}
