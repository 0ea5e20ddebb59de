package io.caracal.bench;

import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallRecord;
import io.caracal.tracing.TraceConfig;
import io.caracal.tracing.Tracing;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The tracer's cost per inference call: a {@link CallRecord} is created, told to the listener at
 * start, answered and told at finish, as a transport does. {@code case}: {@code none} is no
 * listener (the record alone, the baseline); {@code off} the tracer with tracing off (the default);
 * {@code root-rate1000} tracing on, calls without context, every 1000th sampled (Triton's default
 * rate); {@code unsampled-parent} tracing on, each call with a {@code traceparent} flagged not
 * sampled (ids only); {@code sampled} every call sampled (rate 1), exporting to a discarding
 * exporter. Subtract {@code none} for the tracer's share.
 *
 * <p>Run: {@code ./mvnw -pl bench -am -DskipTests package && java -jar bench/target/benchmarks.jar
 * TracingBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TracingBenchmark {
  private static final String ROUTE = "/v2/models/{model}/infer";

  @Param({"none", "off", "root-rate1000", "unsampled-parent", "sampled"})
  public String c;

  private Tracing tracing;
  private CallListener listener;
  private Map<String, String> propagation;

  @Setup(Level.Trial)
  public void setUp() {
    List<String> entries =
        switch (c) {
          case "none", "off" -> List.of();
          case "root-rate1000", "unsampled-parent" -> List.of("level=TIMESTAMPS");
          default -> List.of("level=TIMESTAMPS", "rate=1");
        };
    // no exporter (an empty composite drops every span): the tracer is measured, not an exporter
    tracing = Tracing.create(TraceConfig.parse(entries, Map.of()), SpanExporter.composite());
    listener = c.equals("none") ? CallListener.NONE : tracing.listener();
    propagation =
        c.equals("unsampled-parent")
            ? Map.of("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
            : Map.of();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    tracing.close();
  }

  @Benchmark
  public CallRecord call() {
    long start = System.nanoTime();
    CallRecord r =
        new CallRecord(
            CallRecord.Protocol.HTTP,
            "POST",
            ROUTE,
            "req",
            start,
            Instant.EPOCH,
            null,
            null,
            propagation);
    listener.started(r);
    r.resolved("m", 1);
    r.answered(200, "OK", null, 10, start + 1000);
    listener.finished(r);
    return r;
  }
}
