package io.caracal.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.BatchExecution;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.trace.TraceSettings;
import io.caracal.core.trace.TraceSettings.Level;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TritonTraceFileTest {
  @TempDir Path dir;

  private static TritonTraceFile file(Path target, long logFrequency) {
    TraceSettings settings =
        TraceSettings.create(
            "triton", new TraceSettings.Values(Level.TIMESTAMPS, 1, -1, logFrequency), Map.of());
    return new TritonTraceFile(settings, new TraceSampler(10, System::nanoTime), target);
  }

  private static CallRecord call(TritonTraceFile f, String model) {
    CallRecord c =
        new CallRecord(
            CallRecord.Protocol.HTTP,
            "POST",
            "/v2/models/{model}/infer",
            "req-\"1\"",
            1_000,
            Instant.EPOCH,
            null,
            null,
            Map.of());
    c.requested(model, "");
    f.started(c);
    c.resolved(model, 2);
    c.dequeued(1_100, 1_200);
    c.executed(new BatchExecution(model, 2, 1, "full", 0, List.of(c), 1_300, 1_400, 1_500, 1_600));
    c.answered(200, "OK", null, 1, 1_700);
    f.finished(c);
    return c;
  }

  @Test
  void logFrequencyZero_writesOneFileWhenItCloses() throws IOException {
    Path target = dir.resolve("trace.json");
    TritonTraceFile f = file(target, 0);
    CallRecord c = call(f, "simple");
    call(f, "simple");
    assertThat(c.sampled()).isTrue();
    assertThat(c.traceId()).hasSize(32);
    assertThat(target).doesNotExist();
    f.close();
    assertThat(listing()).containsExactly("trace.json");
    assertThat(Files.readString(target))
        .isEqualTo(
            "[{\"id\":1,\"model_name\":\"simple\",\"model_version\":2,\"request_id\":\"req-\\\"1\\\"\","
                + "\"parent_id\":0},{\"id\":1,\"timestamps\":[{\"name\":\"REQUEST_START\",\"ns\":1000},"
                + "{\"name\":\"QUEUE_START\",\"ns\":1100},{\"name\":\"COMPUTE_START\",\"ns\":1300},"
                + "{\"name\":\"COMPUTE_INPUT_END\",\"ns\":1400},{\"name\":\"COMPUTE_OUTPUT_START\","
                + "\"ns\":1500},{\"name\":\"COMPUTE_END\",\"ns\":1600},{\"name\":\"REQUEST_END\","
                + "\"ns\":1700}]},"
                + "{\"id\":2,\"model_name\":\"simple\",\"model_version\":2,\"request_id\":\"req-\\\"1\\\"\","
                + "\"parent_id\":0},{\"id\":2,\"timestamps\":[{\"name\":\"REQUEST_START\",\"ns\":1000},"
                + "{\"name\":\"QUEUE_START\",\"ns\":1100},{\"name\":\"COMPUTE_START\",\"ns\":1300},"
                + "{\"name\":\"COMPUTE_INPUT_END\",\"ns\":1400},{\"name\":\"COMPUTE_OUTPUT_START\","
                + "\"ns\":1500},{\"name\":\"COMPUTE_END\",\"ns\":1600},{\"name\":\"REQUEST_END\","
                + "\"ns\":1700}]}]");
  }

  @Test
  void logFrequencyN_writesIndexedFilesEveryNTraces_andTheRestWhenItCloses() throws IOException {
    Path target = dir.resolve("trace.json");
    TritonTraceFile f = file(target, 2);
    for (int i = 0; i < 5; i++) {
      call(f, "m");
    }
    f.close();
    assertThat(listing()).containsExactly("trace.json.0", "trace.json.1", "trace.json.2");
    assertThat(Files.readString(dir.resolve("trace.json.2"))).startsWith("[{\"id\":5,");
    assertThat(Files.readString(dir.resolve("trace.json.0")))
        .contains("{\"id\":1,\"model_name\"")
        .contains("{\"id\":2,\"model_name\"");
    call(f, "m"); // after close: nothing more is written
    assertThat(listing()).hasSize(3);
  }

  private List<String> listing() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
