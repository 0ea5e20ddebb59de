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
 * What rendering an access line costs, per call: {@link AccessLine#formatAll} over a block of
 * {@value #BLOCK} finished calls. In the server the thread that answers a call renders its line
 * into that thread's block ({@link AccessLog}), with the same code.
 *
 * <p>Run: {@code ./mvnw -pl bench -am -DskipTests package && java -jar bench/target/benchmarks.jar
 * AccessLineBenchmark}
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

  @Setup
  public void setUp() {
    for (int i = 0; i < BLOCK; i++) {
      block.add(SampleCalls.call(i));
    }
  }

  @Benchmark
  @OperationsPerInvocation(BLOCK)
  public String formatBlock() {
    return AccessLine.formatAll(block);
  }
}
