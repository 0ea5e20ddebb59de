package io.caracal.core.repository;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The optional {@code SHA256SUMS} file of a version folder, in {@code sha256sum}'s format (one
 * {@code <64 hex digits> <file name>} line per file; {@code *} before the name, binary mode, is
 * accepted): when present, every file it lists must exist in the version folder and match, and it
 * must list the model file, before any session is created. Names are plain file names in the
 * version folder (no sub-folders). As Triton's checksum repository agent. Stateless.
 */
final class Sha256Sums {
  static final String FILE_NAME = "SHA256SUMS";
  private static final Pattern LINE = Pattern.compile("([0-9a-fA-F]{64}) [ *](.+)");
  private static final long MAX_SUMS_BYTES = 1 << 20;

  private Sha256Sums() {}

  /**
   * Checks the version folder {@code versionDir} (a real path inside the repository), shown as
   * {@code shownDir} ({@code simple/1}), whose model file is {@code modelFileName}.
   *
   * @throws RepositoryException naming the first file that does not match, or the malformed line
   */
  static void verify(Path versionDir, String shownDir, String modelFileName, RepositoryPaths paths)
      throws RepositoryException {
    Path sums = versionDir.resolve(FILE_NAME);
    if (!Files.exists(sums, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    String shownSums = shownDir + "/" + FILE_NAME;
    Map<String, String> expected = parse(sums, shownSums);
    if (!expected.containsKey(modelFileName)) {
      throw new RepositoryException(
          shownSums + " does not list the model file " + ModelNames.printable(modelFileName));
    }
    for (Map.Entry<String, String> e : expected.entrySet()) {
      String name = e.getKey();
      String shown = shownDir + "/" + ModelNames.printable(name);
      Path file;
      try {
        file = paths.inVersion(versionDir, name, shown);
      } catch (RepositoryException missing) {
        throw new RepositoryException(shownSums + " lists " + missing.getMessage());
      }
      if (!Files.isRegularFile(file)) {
        throw new RepositoryException(shownSums + " lists " + shown + ", which is not a file");
      }
      String actual = sha256(file, shown);
      if (!MessageDigest.isEqual(
          actual.getBytes(StandardCharsets.US_ASCII),
          e.getValue().getBytes(StandardCharsets.US_ASCII))) {
        throw new RepositoryException(
            shown + " does not match its SHA-256 in " + shownSums + " (the file was changed)");
      }
    }
  }

  static Map<String, String> parse(Path sums, String shownSums) throws RepositoryException {
    List<String> lines;
    try {
      if (Files.size(sums) > MAX_SUMS_BYTES) {
        throw new RepositoryException(shownSums + " is larger than " + MAX_SUMS_BYTES + " bytes");
      }
      lines = Files.readAllLines(sums, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new RepositoryException(shownSums + " cannot be read as UTF-8 text");
    }
    return parse(lines, shownSums);
  }

  static Map<String, String> parse(List<String> lines, String shownSums)
      throws RepositoryException {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new RepositoryException(
            shownSums + " line " + (i + 1) + " is not '<64 hex digits>  <file name>'");
      }
      String name = m.group(2);
      if (out.put(name, m.group(1).toLowerCase(java.util.Locale.ROOT)) != null) {
        throw new RepositoryException(
            shownSums + " line " + (i + 1) + " lists " + ModelNames.printable(name) + " twice");
      }
    }
    return out;
  }

  private static String sha256(Path file, String shown) throws RepositoryException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        digest.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new RepositoryException(shown + " cannot be read");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available in this JDK", e);
    }
  }
}
