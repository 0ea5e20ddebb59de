package io.caracal.metrics;

import io.caracal.api.ModelStatistics;
import io.caracal.bench.SampleCalls;
import io.caracal.core.cache.CachingInferenceService;
import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.scheduler.RunnerGauges;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the metrics call listener costs per call: {@code finished()} with a realistic {@link
 * CallRecord} (resolved model version, queue wait, the batch it ran in, HTTP and gRPC, a tenth of
 * them cache hits, a tenth sampled with a trace id) against a listener that does nothing. {@code
 * listener}: {@code none} ({@link CallListener#NONE}), {@code prometheus} (the default families),
 * {@code prometheus+triton} (also {@code summary_latencies} and {@code histogram_latencies}). Two
 * threads (the machine's cores) share one listener, as the transports' event loops do. It lives in
 * the metrics package to reach the package-private listener without widening the module's API.
 *
 * <p>Run: {@code ./mvnw -pl bench -am -DskipTests package && java -jar bench/target/benchmarks.jar
 * CallMetricsBenchmark} (add {@code -t 1} for one thread)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
public class CallMetricsBenchmark {
  @Param({"none", "prometheus", "prometheus+histograms", "prometheus+summaries"})
  public String listener = "none";

  private static final int CALLS = 1024;
  private CallListener target = CallListener.NONE;
  private final CallRecord[] calls = new CallRecord[CALLS];

  /** A thread's position in the prepared calls. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
  }

  /** One model version serving, for the listener's label check. */
  private static final class OneModel implements ServerView {
    @Override
    public List<ModelStatistics> statistics() {
      return List.of();
    }

    @Override
    public List<VersionView> versions() {
      return List.of(
          new VersionView(
              "resnet", 1, true, 32, Map.of(), Map.of(), new RunnerGauges(List.of(0), 0, 1), 0, 0));
    }

    @Override
    public boolean serves(String model, long version) {
      return model.equals("resnet") && version == 1;
    }

    @Override
    public Optional<CachingInferenceService.Usage> cache() {
      return Optional.empty();
    }
  }

  @Setup
  public void setUp() {
    target =
        switch (listener) {
          case "none" -> CallListener.NONE;
          case "prometheus" ->
              new PrometheusMetrics(new OneModel(), MetricsConfig.DEFAULTS, false).listener();
          case "prometheus+histograms" ->
              new PrometheusMetrics(
                      new OneModel(),
                      MetricsConfig.parse(List.of("histogram_latencies=true")),
                      false)
                  .listener();
          case "prometheus+summaries" ->
              new PrometheusMetrics(
                      new OneModel(), MetricsConfig.parse(List.of("summary_latencies=true")), false)
                  .listener();
          default -> throw new IllegalArgumentException(listener);
        };
    for (int i = 0; i < CALLS; i++) {
      calls[i] = SampleCalls.call(i);
    }
  }

  @Benchmark
  public void finished(Cursor cursor) {
    int n = cursor.next;
    cursor.next = (n + 1) & (CALLS - 1);
    target.finished(calls[n]);
  }
}
