package io.caracal.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.core.observe.CallRecord;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TracingTest {
  private final List<SpanData> exported = new CopyOnWriteArrayList<>();
  private final SpanExporter exporter =
      new SpanExporter() { // (InMemorySpanExporter forgets its spans on shutdown)
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
          exported.addAll(spans);
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
          return CompletableResultCode.ofSuccess();
        }
      };
  private final AtomicInteger built = new AtomicInteger();

  private Tracing tracing(String... entries) {
    return Tracing.create(
        TraceConfig.parse(List.of(entries), Map.of()),
        () -> {
          built.incrementAndGet();
          return exporter;
        });
  }

  private static CallRecord call(Tracing t) {
    long now = System.nanoTime();
    CallRecord c =
        new CallRecord(
            CallRecord.Protocol.HTTP,
            "POST",
            "/v2/models/{model}/infer",
            "r",
            now,
            Instant.now(),
            null,
            null,
            Map.of());
    t.listener().started(c);
    c.answered(200, "OK", null, 0, now + 1000);
    t.listener().finished(c);
    return c;
  }

  @Test
  void theExporterIsBuiltOnlyWhenACallIsSampled_andCloseExportsWhatIsQueued() {
    Tracing t = tracing("rate=1", "opentelemetry,bsp_schedule_delay=600000");
    call(t);
    assertThat(built).hasValue(0); // level OFF: nothing sampled, no SDK
    t.settings().update(null, Map.of("trace_level", List.of("TIMESTAMPS")));
    CallRecord sampled = call(t);
    assertThat(sampled.sampled()).isTrue();
    assertThat(built).hasValue(1);
    assertThat(exported).isEmpty(); // queued for 10 minutes
    t.close();
    assertThat(exported).extracting(SpanData::getSpanId).containsExactly(sampled.spanId());
    call(t); // after close: exports nothing, builds nothing
    assertThat(built).hasValue(1);
    t.close(); // idempotent
  }

  @Test
  void aServerThatNeverTraces_neverBuildsTheSdk() {
    Tracing t = tracing();
    for (int i = 0; i < 10; i++) {
      call(t);
    }
    t.close();
    assertThat(built).hasValue(0);
  }
}
