package io.caracal.app;

import io.caracal.core.encryption.ModelBinding;
import io.caracal.core.encryption.ModelEncryptor;
import io.caracal.core.encryption.ModelKeys;
import io.caracal.core.repository.ModelNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import javax.crypto.SecretKey;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code caracal encrypt}: writes {@code model.onnx.enc} beside {@code model.onnx}, encrypted for
 * the model and version of the folder it is in (or {@code --model}, {@code --model-version}) with
 * one key of a key file in the server's {@code --model-key-file} format. The plain file is left
 * alone: delete it (and any copy) once the encrypted one is in place. The output is written to a
 * temporary file in the same folder and moved into place, so the server never sees half a file.
 */
@Command(
    name = "encrypt",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    customSynopsis =
        "caracal encrypt --key-file FILE [--key-id ID] [--model NAME --model-version N] [--output FILE.enc] MODEL_FILE",
    description = {
      "Encrypts a model file for the model repository (AES-256-GCM, bound to the model name,",
      "version, file name and key id): <repo>/<model>/<version>/model.onnx becomes",
      "model.onnx.enc, which 'caracal serve --model-key-file FILE' decrypts in memory.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the encrypted file was written",
      "1:it could not be written (unreadable input, output exists, I/O error)",
      "2:usage error"
    })
final class EncryptCommand implements Callable<Integer> {
  @Option(
      names = "--key-file",
      required = true,
      paramLabel = "FILE",
      description = "key-id=base64-key lines, as the server's --model-key-file")
  @Nullable Path keyFile;

  @Option(
      names = "--key-id",
      paramLabel = "ID",
      description = "the key to use; needed when the file holds several")
  @Nullable String keyId;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description = "the model the file is served as (default: the folder above the version)")
  @Nullable String model;

  @Option(
      names = "--model-version",
      paramLabel = "N",
      description = "the version the file is served as (default: the folder it is in)")
  @Nullable Long version;

  @Option(
      names = "--output",
      paramLabel = "FILE.enc",
      description = "where to write (default: MODEL_FILE.enc); the name must end in .enc")
  @Nullable Path output;

  @Option(
      names = "--chunk-size",
      paramLabel = "BYTES",
      description = "plaintext bytes per authenticated chunk (4096..67108864, default 1048576)")
  int chunkSize = ModelEncryptor.DEFAULT_CHUNK_SIZE;

  @Option(names = "--force", description = "replace an existing output file")
  boolean force;

  @Parameters(index = "0", paramLabel = "MODEL_FILE", description = "the plain model file")
  @Nullable Path input;

  @Spec @Nullable CommandSpec spec; // set by picocli

  private final SecureRandom random;

  EncryptCommand(SecureRandom random) {
    this.random = random;
  }

  @Override
  public Integer call() {
    CommandSpec command = Objects.requireNonNull(spec, "spec");
    Path in = Objects.requireNonNull(input, "input");
    Path out = output != null ? output : in.resolveSibling(in.getFileName() + ".enc");
    String outName = String.valueOf(out.getFileName());
    if (!outName.endsWith(".enc") || outName.length() == ".enc".length()) {
      throw usage(command, "--output must name a file ending in .enc, got '" + outName + "'");
    }
    if (chunkSize < ModelEncryptor.MIN_CHUNK_SIZE || chunkSize > ModelEncryptor.MAX_CHUNK_SIZE) {
      throw usage(
          command,
          "--chunk-size must be "
              + ModelEncryptor.MIN_CHUNK_SIZE
              + ".."
              + ModelEncryptor.MAX_CHUNK_SIZE
              + ", got "
              + chunkSize);
    }
    ModelBinding place = place(command, out.toAbsolutePath().normalize(), outName);
    ModelKeys keys;
    try {
      keys = ModelKeys.read(Objects.requireNonNull(keyFile, "keyFile"), "--key-file");
    } catch (IOException e) {
      return fail(
          command, "cannot read --key-file " + keyFile + ": " + e.getClass().getSimpleName());
    } catch (IllegalArgumentException e) {
      throw usage(command, String.valueOf(e.getMessage()));
    }
    String id = keyId(command, keys);
    SecretKey key = keys.key(id).orElseThrow();
    if (!Files.isRegularFile(in)) {
      return fail(command, in + " is not a file");
    }
    if (Files.exists(out) && !force) {
      return fail(command, out + " exists; pass --force to replace it");
    }
    Path dir = out.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      long length = Files.size(in);
      if (length > ModelEncryptor.MAX_MODEL_BYTES) {
        return fail(
            command,
            in
                + " is "
                + length
                + " bytes; at most "
                + ModelEncryptor.MAX_MODEL_BYTES
                + " can be loaded from memory");
      }
      tmp = Files.createTempFile(dir, "." + outName, ".tmp");
      try (InputStream plain = Files.newInputStream(in);
          OutputStream sealed = Files.newOutputStream(tmp)) {
        new ModelEncryptor(random).encrypt(plain, length, sealed, place, id, key, chunkSize);
      }
      if (force) {
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } else {
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
      }
      tmp = null;
    } catch (FileAlreadyExistsException e) {
      return fail(command, out + " exists; pass --force to replace it");
    } catch (IOException e) {
      return fail(command, "cannot encrypt " + in + ": " + e.getMessage());
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort: it holds ciphertext only
        }
      }
    }
    command
        .commandLine()
        .getOut()
        .println(
            "wrote "
                + out
                + " for "
                + place
                + " with key id '"
                + id
                + "'; delete the plain file once the server loads the encrypted one");
    command.commandLine().getOut().flush();
    return 0;
  }

  /** Returns where the file will be served: the flags, else the folders above the output. */
  private ModelBinding place(CommandSpec command, Path out, String outName) {
    Path versionDir = out.getParent();
    Path modelDir = versionDir == null ? null : versionDir.getParent();
    String name = model;
    if (name == null && modelDir != null && modelDir.getFileName() != null) {
      name = modelDir.getFileName().toString();
    }
    long v;
    if (version != null) {
      v = version;
    } else {
      OptionalLong fromFolder =
          versionDir == null || versionDir.getFileName() == null
              ? OptionalLong.empty()
              : ModelNames.versionNumber(versionDir.getFileName().toString());
      if (fromFolder.isEmpty()) {
        throw usage(
            command,
            "cannot tell the model version from the folder of "
                + outName
                + " (not <model>/<version>/); pass --model and --model-version");
      }
      v = fromFolder.getAsLong();
    }
    if (v < 1) {
      throw usage(command, "--model-version must be at least 1, got " + v);
    }
    if (name == null || !ModelNames.isValid(name)) {
      throw usage(
          command,
          name == null
              ? "cannot tell the model name; pass --model"
              : "'" + ModelNames.printable(name) + "' is not a valid model name; pass --model");
    }
    return new ModelBinding(name, v, outName.substring(0, outName.length() - ".enc".length()));
  }

  private String keyId(CommandSpec command, ModelKeys keys) {
    if (keys.isEmpty()) {
      throw usage(command, "--key-file holds no key");
    }
    if (keyId != null) {
      if (keys.key(keyId).isEmpty()) {
        throw usage(
            command, "--key-id '" + keyId + "' is not in --key-file (it holds " + keys.ids() + ")");
      }
      return keyId;
    }
    if (keys.ids().size() > 1) {
      throw usage(
          command, "--key-file holds several keys " + keys.ids() + "; pass --key-id to pick one");
    }
    return keys.ids().iterator().next();
  }

  private static ParameterException usage(CommandSpec command, String message) {
    return new ParameterException(command.commandLine(), message);
  }

  private static int fail(CommandSpec command, String message) {
    command.commandLine().getErr().println(command.qualifiedName() + ": " + message);
    command.commandLine().getErr().flush();
    return 1;
  }
}
