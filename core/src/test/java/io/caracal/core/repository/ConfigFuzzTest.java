package io.caracal.core.repository;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelSignature;
import io.caracal.core.fixtures.FakeBackend;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Fuzzes {@code config.pbtxt}: the strict TextFormat parse, the repository's checks (supported
 * settings, version policy, instance count) and the auto-completion against a model's signature.
 * The property: each step succeeds or is refused with a {@link RepositoryException} (or, for
 * completion, the {@link IllegalArgumentException} that {@code ModelLoader} reports as an invalid
 * config); never another exception.
 */
class ConfigFuzzTest {
  static final ModelSignature SIGNATURE =
      new ModelSignature(
          List.of(
              IoSpec.of("INPUT0", DataType.INT32, Shape.of(-1, 16)),
              IoSpec.of("INPUT1", DataType.BYTES, Shape.of(-1, -1))),
          List.of(
              IoSpec.of("OUTPUT0", DataType.FP32, Shape.of(-1, 3)),
              new IoSpec("PROBS", DataType.FP32, Shape.of(-1, 2), List.of("cat", "dog"))));
  static final ConfigParser PARSER = new ConfigParser();
  static final AutoCompleter COMPLETER = new AutoCompleter();
  static final FakeBackend BACKEND = new FakeBackend();

  @FuzzTest(maxDuration = "5m")
  void parseAndComplete(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    String source = "simple/config.pbtxt";
    io.caracal.proto.inference.ModelConfig cfg;
    ModelSpec.VersionPolicy policy;
    int instances;
    try {
      cfg = PARSER.parse(text, source);
      AutoCompleter.checkSupported(cfg, source);
      policy = AutoCompleter.versionPolicy(cfg, source);
      instances = AutoCompleter.instanceCount(cfg, source, 2);
    } catch (RepositoryException refused) {
      return;
    }
    ModelSource.Found found =
        new ModelSource.Found(
            "simple", Optional.of(cfg), source, BACKEND, policy, instances, List.of());
    try {
      COMPLETER.complete(found, SIGNATURE, file -> List.of("cat", "dog"));
    } catch (RepositoryException | IllegalArgumentException refused) {
      // an invalid config, reported as the model's reason
    }
  }
}
