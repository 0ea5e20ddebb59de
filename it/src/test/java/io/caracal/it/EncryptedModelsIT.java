package io.caracal.it;

import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.api.DataType;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import io.caracal.core.encryption.ModelBinding;
import io.caracal.core.encryption.ModelEncryptor;
import io.caracal.testing.SharedData;
import io.caracal.testing.models.TestModels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Encrypted models through a real server: the bundled example model encrypted with the real {@code
 * caracal encrypt} process, and every model of ../shared/models (when present) encrypted with one
 * of two key ids, answer real inferences byte for byte as their plain copies do; tampered,
 * truncated, moved and wrongly keyed files, and a SHA256SUMS mismatch, make only their own model
 * UNAVAILABLE with a reason that names neither a path nor a key; and loading writes no file
 * anywhere.
 */
class EncryptedModelsIT {
  @TempDir static Path dir;
  static Path repo;
  static ItServer server;
  static V2Client c;
  static SecretKey k1;
  static SecretKey k2;
  static Map<String, byte[]> plaintexts = new LinkedHashMap<>();
  static Map<String, String> repositoryBefore;
  static List<Path> tmpBefore;
  static List<String> encryptedShared = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    repo = Files.createDirectories(dir.resolve("repo"));
    k1 = key(1);
    k2 = key(2);
    Path keyFile = dir.resolve("model-keys");
    Files.writeString(keyFile, "old=" + b64(k1) + "\nnew=" + b64(k2) + "\n");

    // The bundled example model, plain and encrypted by the real command.
    TestModels.addSub(repo, "simple", DataType.INT32, 8);
    TestModels.addSub(repo, "simple-enc", DataType.INT32, 8);
    Path plainSimple = repo.resolve("simple-enc/1/model.onnx");
    plaintexts.put("simple-enc", Files.readAllBytes(plainSimple));
    try (ServerProcess encrypt =
        ServerProcess.start(
            Map.of(),
            "encrypt",
            "--key-file",
            keyFile.toString(),
            "--key-id",
            "old",
            plainSimple.toString())) {
      assertThat(encrypt.waitFor()).as(encrypt.output()).isZero();
      assertThat(encrypt.output()).contains("simple-enc/1/model.onnx").doesNotContain(b64(k1));
    }
    Files.delete(plainSimple);

    // The failures, each its own model.
    byte[] simple = Files.readAllBytes(repo.resolve("simple/1/model.onnx"));
    encrypted("tampered", 1, simple, "old", k1, bytes -> bytes[bytes.length - 40] ^= 4);
    encrypted("truncated", 1, simple, "old", k1, bytes -> {});
    Path cut = repo.resolve("truncated/1/model.onnx.enc");
    Files.write(cut, Arrays.copyOf(Files.readAllBytes(cut), (int) Files.size(cut) - 10));
    encrypted("wrongkey", 1, simple, "old", key(3), bytes -> {});
    encrypted("unknownkey", 1, simple, "retired", k1, bytes -> {});
    Files.createDirectories(repo.resolve("moved/1"));
    Files.write(
        repo.resolve("moved/1/model.onnx.enc"),
        seal(simple, new ModelBinding("simple-enc", 1, "model.onnx"), "old", k1));
    Files.createDirectories(repo.resolve("movedversion/2"));
    Files.write(
        repo.resolve("movedversion/2/model.onnx.enc"),
        seal(simple, new ModelBinding("movedversion", 1, "model.onnx"), "old", k1));
    encrypted("summed", 1, simple, "new", k2, bytes -> {});
    sums(
        "summed",
        "model.onnx.enc",
        sha256(Files.readAllBytes(repo.resolve("summed/1/model.onnx.enc"))));
    TestModels.addSub(repo, "badsums", DataType.INT32, 8);
    sums("badsums", "model.onnx", sha256(new byte[] {1}));

    // ../shared/models: each plain and encrypted, with the old and the new key in turn.
    if (SharedData.root().isPresent()) {
      Path models = SharedData.root().get().resolve("models");
      boolean old = true;
      for (String m : ReferenceModelsIT.SHARED) {
        byte[] plain = Files.readAllBytes(models.resolve(m).resolve("model.onnx"));
        ItServer.addModel(repo, m, 1, models.resolve(m).resolve("model.onnx"));
        encrypted(m + "-enc", 1, plain, old ? "old" : "new", old ? k1 : k2, bytes -> {});
        plaintexts.put(m + "-enc", plain);
        encryptedShared.add(m);
        old = !old;
      }
    }
    // No plain copy of an encrypted model is in the repository.
    try (Stream<Path> files = Files.walk(repo)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        for (Map.Entry<String, byte[]> p : plaintexts.entrySet()) {
          if (f.startsWith(repo.resolve(p.getKey()).resolve("1"))) {
            assertThat(f.getFileName().toString()).endsWith(".enc");
          }
        }
      }
    }
    repositoryBefore = snapshot(repo);
    tmpBefore = tmpFiles();
    server = ItServer.start(repo, b -> b.modelKeyFile(keyFile.toString()));
    c = server.client;
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void theEncryptedExampleModel_answersAsThePlainOne() {
    assertThat(c.ready("simple-enc")).isTrue();
    assertSameAnswers("simple", "simple-enc");
    assertThat(c.metadata("simple-enc").path("inputs").toString())
        .isEqualTo(c.metadata("simple").path("inputs").toString());
  }

  @Test
  void everySharedModel_encrypted_answersByteForByteAsThePlainOne() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        SharedData.root().isPresent(), "needs ../shared (the team's shared data)");
    assertThat(encryptedShared).hasSize(ReferenceModelsIT.SHARED.length);
    for (String m : encryptedShared) {
      assertThat(c.ready(m + "-enc")).as("%s-enc ready: %s", m, status(m + "-enc")).isTrue();
      assertSameAnswers(m, m + "-enc");
    }
  }

  @Test
  void keyRotation_filesOfBothKeyIdsLoad() {
    assertThat(c.ready("simple-enc")).as("key id old").isTrue();
    assertThat(c.ready("summed")).as("key id new").isTrue();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "tampered     | tampered/1/model.onnx.enc: chunk 1 of 1 fails authentication; the file was modified",
        "truncated    | truncated/1/model.onnx.enc is truncated",
        "wrongkey     | wrongkey/1/model.onnx.enc was encrypted with another key than the one configured for key id 'old'",
        "unknownkey   | unknownkey/1/model.onnx.enc is encrypted with key id 'retired', which is not configured",
        "moved        | moved/1/model.onnx.enc was encrypted for simple-enc/1/model.onnx, not for moved/1/model.onnx",
        "movedversion | movedversion/2/model.onnx.enc was encrypted for movedversion/1/model.onnx, not for movedversion/2/model.onnx",
        "badsums      | badsums/1/model.onnx does not match its SHA-256 in badsums/1/SHA256SUMS"
      })
  void aBadFile_makesOnlyItsModelUnavailable_withAReasonAndNoLeak(String model, String reason) {
    ModelStatus s = status(model);
    assertThat(s.state()).isEqualTo(ModelState.UNAVAILABLE);
    assertThat(s.reason()).contains(reason);
    JsonNode index = c.postJson("/v2/repository/index", "").json();
    String fromIndex = "";
    for (JsonNode entry : index) {
      if (entry.path("name").asText().equals(model)) {
        fromIndex = entry.path("reason").asText();
      }
    }
    assertThat(fromIndex).as("the index's reason").contains(reason);
    V2Client.Response infer = c.infer(model, simpleRequest());
    assertThat(infer.status()).isEqualTo(503);
    for (String text : List.of(s.reason(), fromIndex, infer.error())) {
      assertThat(text)
          .doesNotContain(dir.toString())
          .doesNotContain(dir.toAbsolutePath().toString())
          .doesNotContain("Exception")
          .doesNotContainPattern("(io|java|ai|com|javax)\\.[a-z]+\\.[A-Za-z.]*[A-Z]")
          .doesNotContain(b64(k1))
          .doesNotContain(b64(k2));
    }
    assertThat(c.ready("simple-enc")).as("the others serve").isTrue();
  }

  @Test
  void loading_writesNoFile_andNoPlaintextAnywhere() throws Exception {
    assertThat(snapshot(repo)).as("the repository is unchanged").isEqualTo(repositoryBefore);
    List<Path> created = new ArrayList<>(tmpFiles());
    created.removeAll(tmpBefore);
    for (Path f : created) {
      byte[] content;
      try {
        if (Files.size(f) > (256 << 20)) {
          continue;
        }
        content = Files.readAllBytes(f);
      } catch (IOException gone) {
        continue; // another process's file, already removed
      }
      for (Map.Entry<String, byte[]> p : plaintexts.entrySet()) {
        byte[] plain = p.getValue();
        byte[] probe =
            Arrays.copyOfRange(
                plain, plain.length / 2, Math.min(plain.length, plain.length / 2 + 48));
        assertThat(indexOf(content, probe))
            .as("%s holds plaintext of %s", f, p.getKey())
            .isEqualTo(-1);
      }
    }
  }

  // ------------------------------------------------------------------------------------------

  /** Sends one deterministic input of each input's shape (-1 as 1) to both; compares outputs. */
  static void assertSameAnswers(String plain, String encrypted) {
    JsonNode md = c.metadata(plain);
    List<ObjectNode> inputs = new ArrayList<>();
    List<byte[]> data = new ArrayList<>();
    Random random = new Random(42);
    for (JsonNode in : md.path("inputs")) {
      long[] shape = new long[in.path("shape").size()];
      long n = 1;
      for (int i = 0; i < shape.length; i++) {
        long d = in.path("shape").get(i).asLong();
        shape[i] = d < 0 ? 1 : d;
        n *= shape[i];
      }
      String type = in.path("datatype").asText();
      byte[] bytes = randomData(type, (int) n, random);
      inputs.add(binaryInput(in.path("name").asText(), type, shape, bytes.length));
      data.add(bytes);
    }
    List<String> outputs = new ArrayList<>();
    md.path("outputs").forEach(o -> outputs.add(o.path("name").asText()));
    ObjectNode req =
        withOutputs(
            withInputs(request(), inputs.toArray(ObjectNode[]::new)),
            true,
            outputs.toArray(String[]::new));
    byte[][] tensors = data.toArray(byte[][]::new);
    V2Client.Response a = c.inferBinary(plain, req, tensors);
    V2Client.Response b = c.inferBinary(encrypted, req, tensors);
    assertThat(a.status()).as("%s: %s", plain, a).isEqualTo(200);
    assertThat(b.status()).as("%s: %s", encrypted, b).isEqualTo(200);
    for (String o : outputs) {
      assertThat(b.binary(o)).as("%s output %s", encrypted, o).isEqualTo(a.binary(o));
      assertThat(b.shapeOf(o)).isEqualTo(a.shapeOf(o));
    }
  }

  static byte[] randomData(String type, int n, Random random) {
    ByteBuffer b;
    switch (type) {
      case "FP32" -> {
        b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          b.putFloat(random.nextFloat());
        }
      }
      case "FP16" -> {
        b = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          b.putShort(Float.floatToFloat16(random.nextFloat()));
        }
      }
      case "FP64" -> {
        b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          b.putDouble(random.nextDouble());
        }
      }
      case "INT64" -> {
        b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          b.putLong(random.nextInt(10));
        }
      }
      case "INT32" -> {
        b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          b.putInt(random.nextInt(100));
        }
      }
      case "UINT8", "INT8", "BOOL" -> {
        b = ByteBuffer.allocate(n);
        for (int i = 0; i < n; i++) {
          b.put((byte) random.nextInt(2));
        }
      }
      case "BYTES" -> {
        String[] words = {"1", "3", "S", "male", "female"};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
          byte[] w = words[random.nextInt(words.length)].getBytes(StandardCharsets.UTF_8);
          out.writeBytes(
              ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(w.length).array());
          out.writeBytes(w);
        }
        return out.toByteArray();
      }
      default -> throw new AssertionError("no generator for " + type);
    }
    return b.array();
  }

  static ObjectNode simpleRequest() {
    long[] shape = {1, 16};
    return withInputs(
        request(),
        V2Client.jsonInput("INPUT0", "INT32", shape, V2Client.ints(new int[16])),
        V2Client.jsonInput("INPUT1", "INT32", shape, V2Client.ints(new int[16])));
  }

  static ModelStatus status(String model) {
    return server.server.models().stream()
        .filter(s -> s.name().equals(model))
        .findFirst()
        .orElseThrow();
  }

  interface Damage {
    void apply(byte[] file);
  }

  static void encrypted(
      String model, long version, byte[] plain, String keyId, SecretKey key, Damage damage)
      throws IOException {
    Path d = Files.createDirectories(repo.resolve(model).resolve(Long.toString(version)));
    byte[] file = seal(plain, new ModelBinding(model, version, "model.onnx"), keyId, key);
    damage.apply(file);
    Files.write(d.resolve("model.onnx.enc"), file);
  }

  static byte[] seal(byte[] plain, ModelBinding place, String keyId, SecretKey key)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new ModelEncryptor(new SecureRandom())
        .encrypt(
            new ByteArrayInputStream(plain),
            plain.length,
            out,
            place,
            keyId,
            key,
            ModelEncryptor.DEFAULT_CHUNK_SIZE);
    return out.toByteArray();
  }

  static void sums(String model, String file, String sha) throws IOException {
    Files.writeString(repo.resolve(model).resolve("1/SHA256SUMS"), sha + "  " + file + "\n");
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  static SecretKey key(int seed) {
    byte[] k = new byte[32];
    new Random(seed).nextBytes(k);
    return new SecretKeySpec(k, "AES");
  }

  static String b64(SecretKey k) {
    return Base64.getEncoder().encodeToString(k.getEncoded());
  }

  /** Every file of the tree with its size and modification time. */
  static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      files.forEach(f -> {
        try {
          out.put(
              root.relativize(f).toString(),
              Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    return out;
  }

  /** The regular files of java.io.tmpdir, two levels deep (where ONNX Runtime and Java write). */
  static List<Path> tmpFiles() throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    List<Path> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(tmp, 2)) {
      files.filter(Files::isRegularFile).forEach(out::add);
    } catch (UncheckedIOException e) {
      // a folder of another user or process that vanished: not ours
    }
    return out;
  }

  static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }
}
