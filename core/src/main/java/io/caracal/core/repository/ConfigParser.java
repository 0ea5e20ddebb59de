package io.caracal.core.repository;

import com.google.protobuf.TextFormat;
import io.caracal.proto.inference.ModelConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Parses {@code config.pbtxt} with protobuf's own {@link TextFormat} parser into Triton's {@link
 * ModelConfig} message. Strict: an unknown field, a bad enum value or a singular field given twice
 * is an error naming the file (relative to the repository), the line and column, and the field.
 * Files larger than {@link #MAX_CONFIG_BYTES} and files that are not UTF-8 are refused. Stateless
 * and thread-safe.
 */
public final class ConfigParser {
  /** The largest config file read. */
  public static final int MAX_CONFIG_BYTES = 1 << 20;

  private final TextFormat.Parser parser =
      TextFormat.Parser.newBuilder()
          .setAllowUnknownFields(false)
          .setSingularOverwritePolicy(
              TextFormat.Parser.SingularOverwritePolicy.FORBID_SINGULAR_OVERWRITES)
          .build();

  /**
   * Parses the config file.
   *
   * @param file the file (already confined to the repository)
   * @param source the name to show in messages, e.g. {@code simple/config.pbtxt}
   */
  public ModelConfig parseFile(Path file, String source) throws RepositoryException {
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_CONFIG_BYTES) {
        throw new RepositoryException(source + " is larger than " + MAX_CONFIG_BYTES + " bytes");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new RepositoryException(source + " cannot be read", e);
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new RepositoryException(source + " is not valid UTF-8");
    }
    return parse(text, source);
  }

  /** Parses config text; {@code source} names it in messages. */
  public ModelConfig parse(String text, String source) throws RepositoryException {
    ModelConfig.Builder builder = ModelConfig.newBuilder();
    try {
      parser.merge(text, builder);
    } catch (TextFormat.ParseException e) {
      throw new RepositoryException(source + ":" + e.getMessage());
    }
    return builder.build();
  }
}
