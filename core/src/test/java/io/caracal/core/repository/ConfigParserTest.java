package io.caracal.core.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.caracal.proto.inference.ModelConfig;
import io.caracal.proto.inference.ModelSequenceBatching;
import io.caracal.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigParserTest {
  final ConfigParser parser = new ConfigParser();

  @Test
  void parses_everyTritonExampleConfig() throws Exception {
    Path repo =
        SharedData.root()
            .map(p -> p.resolve("triton-model-repository"))
            .orElse(Path.of("/nonexistent"));
    assumeTrue(Files.isDirectory(repo), "shared test data not present");
    List<Path> configs;
    try (Stream<Path> s = Files.walk(repo)) {
      configs = s.filter(p -> p.getFileName().toString().equals("config.pbtxt")).toList();
    }
    assertThat(configs).isNotEmpty();
    for (Path file : configs) {
      String name = file.getParent().getFileName().toString();
      ModelConfig cfg = parser.parseFile(file, name + "/config.pbtxt");
      assertThat(cfg.getName()).isEqualTo(name);
      assertThat(cfg.getPlatform()).isEqualTo("onnxruntime_onnx");
      assertThat(cfg.getMaxBatchSize()).isEqualTo(8);
      AutoCompleter.checkSupported(cfg, name);
    }
    ModelConfig dyna = parser.parseFile(repo.resolve("simple_dyna_sequence/config.pbtxt"), "x");
    ModelSequenceBatching seq = dyna.getSequenceBatching();
    assertThat(seq.getControlInputCount()).isEqualTo(4);
    assertThat(seq.getOldest().getMaxCandidateSequences()).isEqualTo(1024);
    assertThat(seq.getMaxSequenceIdleMicroseconds()).isEqualTo(10_000_000L);
    assertThat(seq.getControlInput(3).getControl(0).getDataType())
        .isEqualTo(io.caracal.proto.inference.DataType.TYPE_UINT64);
    assertThat(dyna.getParametersMap().get("execute_delay_ms").getStringValue()).isEqualTo("3");
    assertThat(dyna.getInstanceGroup(0).getCount()).isEqualTo(2);
  }

  @Test
  void refuses_unknownField_namingFileLineAndField() {
    String text = "name: \"simple\"\nmax_batch_size: 8\nmax_batch: 3\n";
    assertThatThrownBy(() -> parser.parse(text, "simple/config.pbtxt"))
        .isInstanceOf(RepositoryException.class)
        .hasMessageStartingWith("simple/config.pbtxt:3:")
        .hasMessageContaining("max_batch");
  }

  @Test
  void refuses_badEnumAndRepeatedSingular() {
    assertThatThrownBy(
            () -> parser.parse("input [ { name: \"a\" data_type: TYPE_FOO } ]", "m/config.pbtxt"))
        .hasMessageStartingWith("m/config.pbtxt:1:")
        .hasMessageContaining("TYPE_FOO");
    assertThatThrownBy(() -> parser.parse("max_batch_size: 1\nmax_batch_size: 2", "m/config.pbtxt"))
        .hasMessageStartingWith("m/config.pbtxt:2:");
  }

  @Test
  void parses_queuePoliciesAndOutlineFields() throws Exception {
    ModelConfig cfg =
        parser.parse(
            """
            dynamic_batching {
              preferred_batch_size: [4, 8]
              max_queue_delay_microseconds: 100
              default_queue_policy { timeout_action: DELAY max_queue_size: 5 }
              priority_queue_policy { key: 1 value { max_queue_size: 2 } }
            }
            optimization { graph { level: 1 } }
            model_warmup [ { name: "w" batch_size: 1 inputs { key: "x" value { data_type: TYPE_FP32 dims: [1] zero_data: true } } } ]
            response_cache { enable: true }
            model_transaction_policy { decoupled: false }
            output [ { name: "o" data_type: TYPE_FP32 dims: [3] label_filename: "labels.txt" } ]
            parameters { key: "k" value { string_value: "v" } }
            """,
            "m/config.pbtxt");
    assertThat(cfg.getDynamicBatching().getPriorityQueuePolicyMap().get(1L).getMaxQueueSize())
        .isEqualTo(2);
    assertThat(cfg.getResponseCache().getEnable()).isTrue();
    assertThat(cfg.getOutput(0).getLabelFilename()).isEqualTo("labels.txt");
  }

  @Test
  void refuses_oversizedAndNonUtf8Files(@TempDir Path tmp) throws Exception {
    Path big = Files.write(tmp.resolve("big.pbtxt"), new byte[ConfigParser.MAX_CONFIG_BYTES + 1]);
    assertThatThrownBy(() -> parser.parseFile(big, "m/config.pbtxt"))
        .hasMessageContaining("larger than");
    Path bad =
        Files.write(
            tmp.resolve("bad.pbtxt"),
            new byte[] {'n', 'a', 'm', 'e', ':', ' ', '"', (byte) 0xff, '"'});
    assertThatThrownBy(() -> parser.parseFile(bad, "m/config.pbtxt"))
        .hasMessageContaining("not valid UTF-8");
  }
}
