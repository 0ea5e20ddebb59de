package io.caracal.accesslog;

import io.caracal.bench.SampleCalls;
import io.caracal.core.observe.CallRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the access log costs per call, in its two halves: {@link #copyBlock}, what the thread that
 * answers a call does (copy the call into its block's {@link AccessEntry}), and {@link
 * #renderBlock}, what the writer thread does (render a block of {@value #BLOCK} entries as JSON
 * lines into one reused buffer, as {@link AccessLog} does); {@link #formatBlock} is both, with
 * fresh entries and buffer ({@link AccessLine#formatAll}).
 *
 * <p>Run: {@code ./mvnw -pl bench -am -DskipTests package && java -jar bench/target/benchmarks.jar
 * AccessLineBenchmark -t 1}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AccessLineBenchmark {
  static final int BLOCK = 256;
  private final List<CallRecord> block = new ArrayList<>(BLOCK);
  private final AccessEntry[] entries = new AccessEntry[BLOCK];
  private final AccessLine renderer = new AccessLine();
  private final AsciiJsonLine out = new AsciiJsonLine(1 << 20);

  @Setup
  public void setUp() {
    for (int i = 0; i < BLOCK; i++) {
      block.add(SampleCalls.call(i));
      entries[i] = AccessEntry.of(block.get(i));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BLOCK)
  public AccessEntry[] copyBlock() {
    for (int i = 0; i < BLOCK; i++) {
      entries[i].copy(block.get(i));
    }
    return entries;
  }

  @Benchmark
  @OperationsPerInvocation(BLOCK)
  public int renderBlock() {
    out.reset(1 << 20);
    return renderer.appendAll(
        out,
        entries,
        BLOCK,
        e -> {
          throw e;
        });
  }

  @Benchmark
  @OperationsPerInvocation(BLOCK)
  public String formatBlock() {
    return AccessLine.formatAll(block);
  }
}
