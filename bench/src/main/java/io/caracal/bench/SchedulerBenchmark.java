package io.caracal.bench;

import io.caracal.api.DataType;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelSignature;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.scheduler.BatchPolicy;
import io.caracal.core.scheduler.DynamicBatcher;
import io.caracal.core.scheduler.InstanceSupplier;
import io.caracal.core.scheduler.ModelRunner;
import io.caracal.core.scheduler.PooledModelRunner;
import io.caracal.core.scheduler.Ticker;
import java.nio.ByteBuffer;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The scheduler's submit/drain path under contention: 8 JMH threads submit batch-1 calls to one
 * model's {@link ModelRunner} and wait for them, against a backend that answers at once (so only
 * the queue hand-off, the execution threads and future completion are measured). {@code roundTrip}:
 * one call at a time per thread; {@code burst32}: 32 calls submitted, then all joined (the shape of
 * load a batcher sees). {@code runner}: {@code pooled} is {@link PooledModelRunner} (one call per
 * request); {@code batcher} is {@link DynamicBatcher} with max_batch_size 32 and no queue delay
 * (takes whatever is queued), {@code batcher-100us} the same with preferred sizes [16, 32] and a
 * 100 µs delay. One instance; {@code threads} execution threads (slots) per instance. The score
 * counts calls completed (burst32: bursts).
 *
 * <p>Run: {@code ./mvnw -pl bench -am -DskipTests package && java -jar bench/target/benchmarks.jar
 * SchedulerBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(8)
public class SchedulerBenchmark {

  @Param({"pooled", "batcher", "batcher-100us"})
  public String runner;

  @Param({"1", "2"})
  public int threads;

  private ModelRunner modelRunner;
  private List<NamedTensor> inputs;
  private final List<String> outputs = List.of("output");

  @Setup(Level.Trial)
  public void setUp() {
    Tensor t = Tensor.of(DataType.FP32, Shape.of(1, 10), ByteBuffer.allocate(40));
    inputs = List.of(new NamedTensor("input", t));
    ModelInstance echo = new EchoInstance();
    modelRunner =
        switch (runner) {
          case "pooled" ->
              new PooledModelRunner(new ModelId("bench", 1), List.of(echo), threads, 1 << 16);
          case "batcher" -> batcher(echo, List.of(), 0);
          case "batcher-100us" -> batcher(echo, List.of(16, 32), 100_000);
          default -> throw new IllegalArgumentException("unknown runner " + runner);
        };
  }

  private DynamicBatcher batcher(ModelInstance echo, List<Integer> preferred, long delayNanos) {
    BatchPolicy policy =
        new BatchPolicy(
            32,
            true,
            preferred,
            delayNanos,
            false,
            1,
            1,
            List.of(ModelSpec.QueuePolicy.ofDefault()),
            List.of(1 << 16),
            threads,
            1,
            1,
            Long.MAX_VALUE,
            Long.MAX_VALUE);
    return DynamicBatcher.start(
        new ModelId("bench", 1),
        policy,
        List.of(echo),
        InstanceSupplier.NONE,
        Ticker.system(),
        InstantSource.system());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    modelRunner.close();
  }

  /** One call submitted and awaited. */
  @Benchmark
  public List<NamedTensor> roundTrip() {
    return modelRunner.run(inputs, outputs).join();
  }

  /** 32 calls submitted, then all awaited; the score counts bursts. */
  @Benchmark
  public int burst32() {
    List<CompletableFuture<List<NamedTensor>>> fs = new ArrayList<>(32);
    for (int i = 0; i < 32; i++) {
      fs.add(modelRunner.run(inputs, outputs));
    }
    int n = 0;
    for (CompletableFuture<List<NamedTensor>> f : fs) {
      n += f.join().size();
    }
    return n;
  }

  /** A backend that returns its first input as the output, at once. */
  static final class EchoInstance implements ModelInstance {
    private final ModelSignature signature =
        new ModelSignature(
            List.of(IoSpec.of("input", DataType.FP32, Shape.of(-1, 10))),
            List.of(IoSpec.of("output", DataType.FP32, Shape.of(-1, 10))));

    @Override
    public ModelSignature signature() {
      return signature;
    }

    @Override
    public List<NamedTensor> infer(List<NamedTensor> in, List<String> out) {
      return List.of(new NamedTensor(out.get(0), in.get(0).tensor()));
    }

    @Override
    public void close() {}
  }
}
