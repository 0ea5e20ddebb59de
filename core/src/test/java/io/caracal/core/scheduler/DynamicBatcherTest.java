package io.caracal.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.CallCancelledException;
import io.caracal.api.backend.Cancellation;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelSignature;
import io.caracal.core.repository.ModelSpec.QueuePolicy;
import io.caracal.core.repository.ModelSpec.TimeoutAction;
import io.caracal.core.scheduler.SchedulerStats.CloseReason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The batcher in manual mode: a fake ticker, scripted instances, executors the test runs. */
class DynamicBatcherTest {
  private static final ModelId ID = new ModelId("m", 1);

  final FakeTicker ticker = new FakeTicker();
  final List<Manual> execs = new ArrayList<>();
  final Manual background = new Manual();
  final List<Fake> instances = new ArrayList<>();
  final AtomicInteger created = new AtomicInteger();
  DynamicBatcher batcher;

  /** An executor whose tasks run when the test says so. */
  static final class Manual implements Executor {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable r) {
      tasks.add(r);
    }

    boolean runOne() {
      Runnable r = tasks.poll();
      if (r != null) {
        r.run();
      }
      return r != null;
    }
  }

  /** An echo instance (OUT = IN) that records batch sizes and fails the calls it is told to. */
  static final class Fake implements ModelInstance {
    final List<Long> batches = Collections.synchronizedList(new ArrayList<>());
    final List<List<Map<String, ParameterValue>>> parameters =
        Collections.synchronizedList(new ArrayList<>());
    final List<Cancellation> cancellations = Collections.synchronizedList(new ArrayList<>());
    volatile int failNext;
    volatile boolean closed;

    @Override
    public ModelSignature signature() {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<NamedTensor> infer(List<NamedTensor> inputs, List<String> outputs)
        throws BackendException {
      ByteBuffer d = inputs.get(0).tensor().data();
      for (int i = 0; i < d.remaining(); i += 4) {
        if (d.getInt(i) == -1) {
          throw new BackendException("bad value -1", true, null);
        }
      }
      if (failNext > 0) {
        failNext--;
        throw new BackendException("device lost", false, null);
      }
      Tensor in = inputs.get(0).tensor();
      batches.add(in.shape().dim(0));
      return List.of(
          new NamedTensor("OUT", in),
          new NamedTensor("OUT2", Tensor.ofStrings(Shape.of(in.shape().dim(0)), strings(in))));
    }

    @Override
    public List<NamedTensor> infer(
        List<NamedTensor> inputs,
        List<String> outputs,
        List<Map<String, ParameterValue>> requestParameters)
        throws BackendException {
      parameters.add(requestParameters);
      return infer(inputs, outputs);
    }

    /** Like a runtime that checks its terminate flag: a call cancelled before it ran fails. */
    @Override
    public List<NamedTensor> infer(
        List<NamedTensor> inputs,
        List<String> outputs,
        List<Map<String, ParameterValue>> requestParameters,
        Cancellation cancellation)
        throws BackendException {
      cancellations.add(cancellation);
      if (cancellation.isCancelled()) {
        throw new CallCancelledException("terminated");
      }
      return infer(inputs, outputs, requestParameters);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  static List<String> strings(Tensor t) {
    ByteBuffer b = t.data();
    List<String> out = new ArrayList<>();
    for (long r = 0; r < t.shape().dim(0); r++) {
      out.add("row" + b.getInt((int) (r * 8)));
    }
    return out;
  }

  static BatchPolicy policy(
      int max,
      List<Integer> preferred,
      long delayMicros,
      boolean ordering,
      int levels,
      List<QueuePolicy> queues,
      int instances,
      int maxInstances) {
    List<Integer> caps =
        queues.stream().map(q -> q.maxQueueSize() > 0 ? q.maxQueueSize() : 1000).toList();
    return new BatchPolicy(
        max,
        max > 0,
        preferred,
        delayMicros * 1000,
        ordering,
        levels,
        1,
        queues,
        caps,
        1,
        instances,
        maxInstances,
        50_000_000L,
        1_000_000_000L);
  }

  static BatchPolicy simple(int max, long delayMicros, int queue) {
    return policy(
        max,
        List.of(),
        delayMicros,
        false,
        1,
        List.of(new QueuePolicy(TimeoutAction.REJECT, 0, true, queue)),
        1,
        1);
  }

  void start(BatchPolicy p, int n) {
    for (int i = 0; i < n; i++) {
      instances.add(new Fake());
    }
    batcher =
        DynamicBatcher.manual(
            ID,
            p,
            List.copyOf(instances),
            () -> {
              created.incrementAndGet();
              Fake f = new Fake();
              instances.add(f);
              return f;
            },
            ticker,
            k -> {
              Manual m = new Manual();
              execs.add(m);
              return m;
            },
            background);
  }

  static int counter;

  /** A request of {@code rows} rows [id, row]. */
  static List<NamedTensor> request(int rows) {
    ByteBuffer b = ByteBuffer.allocate(rows * 8).order(ByteOrder.LITTLE_ENDIAN);
    int id = ++counter;
    for (int r = 0; r < rows; r++) {
      b.putInt(id * 1000 + r).putInt(r);
    }
    return List.of(new NamedTensor("IN", Tensor.of(DataType.INT32, Shape.of(rows, 2), b.flip())));
  }

  CompletableFuture<List<NamedTensor>> submit(int rows, RunOptions o) {
    List<NamedTensor> in = request(rows);
    return batcher
        .run(in, List.of("OUT", "OUT2"), o)
        .thenApply(out -> {
          assertThat(out.get(0).tensor()).isEqualTo(in.get(0).tensor()); // split back exactly
          assertThat(out.get(1).tensor().bytesElements()).hasSize(rows);
          assertThat(out.get(1).tensor())
              .isEqualTo(Tensor.ofStrings(Shape.of(rows), strings(in.get(0).tensor())));
          return out;
        });
  }

  CompletableFuture<List<NamedTensor>> submit(int rows) {
    return submit(rows, RunOptions.DEFAULT);
  }

  /** Steps the batcher and runs every ready execution until nothing moves. */
  void settle() {
    boolean moved = true;
    while (moved) {
      batcher.step();
      moved = false;
      for (Manual m : List.copyOf(execs)) {
        while (m.runOne()) {
          moved = true;
        }
      }
    }
  }

  static InferenceError error(CompletableFuture<?> f) {
    assertThat(f).isCompletedExceptionally();
    try {
      f.get();
      throw new AssertionError("not failed");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      return c instanceof InferenceException ie ? ie.error() : null;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void gauges_countQueuedAndInflightUntilAnswered() {
    start(simple(4, 100, 0), 1);
    assertThat(batcher.gauges()).isEqualTo(new RunnerGauges(List.of(0), 0, 1));
    List<CompletableFuture<?>> fs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      fs.add(submit(1));
    }
    batcher.step(); // a batch of 4 left the queue for the instance; it has not run yet
    assertThat(batcher.gauges().queueDepths()).containsExactly(2);
    assertThat(batcher.gauges().inflight()).isEqualTo(6);
    settle();
    assertThat(batcher.gauges().queueDepth()).isEqualTo(2);
    assertThat(batcher.gauges().inflight()).isEqualTo(2);
    ticker.advance(100, TimeUnit.MICROSECONDS);
    settle();
    assertThat(batcher.gauges()).isEqualTo(new RunnerGauges(List.of(0), 0, 1));
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
  }

  @Test
  void fullBatchAtOnceThenRestAfterMaxDelay() {
    start(simple(4, 100, 0), 1);
    List<CompletableFuture<?>> fs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      fs.add(submit(1));
    }
    settle();
    assertThat(instances.get(0).batches).containsExactly(4L);
    ticker.advance(99, TimeUnit.MICROSECONDS);
    settle();
    assertThat(instances.get(0).batches).containsExactly(4L);
    ticker.advance(1, TimeUnit.MICROSECONDS);
    settle();
    assertThat(instances.get(0).batches).containsExactly(4L, 2L);
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(batcher.stats().closeReasons())
        .containsEntry(CloseReason.FULL, 1L)
        .containsEntry(CloseReason.DELAY_EXPIRED, 1L);
    var s = batcher.stats().snapshot(ID);
    assertThat(s.inferenceCount()).isEqualTo(6);
    assertThat(s.executionCount()).isEqualTo(2);
    assertThat(s.inference().success().count()).isEqualTo(6);
    assertThat(s.batches()).extracting(b -> b.batchSize()).containsExactly(2L, 4L);
  }

  @Test
  void observersSeeTheirQueueWaitAndTheBatchTheyRanIn_unobservedRequestsCostNothing() {
    start(simple(4, 100, 0), 1);
    List<io.caracal.api.BatchExecution> seen = new ArrayList<>();
    long[] waits = new long[2];
    io.caracal.api.RequestObserver first =
        new io.caracal.api.RequestObserver() {
          @Override
          public void dequeued(long enqueued, long dequeued) {
            waits[0] = dequeued - enqueued;
          }

          @Override
          public void executed(io.caracal.api.BatchExecution e) {
            seen.add(e);
          }
        };
    io.caracal.api.RequestObserver second =
        new io.caracal.api.RequestObserver() {
          @Override
          public void dequeued(long enqueued, long dequeued) {
            waits[1] = dequeued - enqueued;
          }

          @Override
          public void executed(io.caracal.api.BatchExecution e) {
            seen.add(e);
          }
        };
    submit(1, RunOptions.DEFAULT.withObserver(first));
    ticker.advance(40, TimeUnit.MICROSECONDS);
    submit(2, RunOptions.DEFAULT.withObserver(second));
    submit(1); // not observed
    ticker.advance(60, TimeUnit.MICROSECONDS);
    settle();
    assertThat(waits).containsExactly(100_000L, 60_000L);
    assertThat(seen).hasSize(2);
    io.caracal.api.BatchExecution e = seen.get(0);
    assertThat(seen.get(1)).isSameAs(e);
    assertThat(e.size()).isEqualTo(4);
    assertThat(e.closeReason()).isEqualTo("full");
    assertThat(e.members()).containsExactly(first, second, io.caracal.api.RequestObserver.NONE);
    assertThat(e.isFirst(first)).isTrue();
    assertThat(e.isFirst(second)).isFalse();
    assertThat(e.model()).isEqualTo(ID.name());
    assertThat(e.endNanos()).isGreaterThanOrEqualTo(e.startNanos());

    submit(1); // a batch nobody observes reports to nobody
    ticker.advance(100, TimeUnit.MICROSECONDS);
    settle();
    assertThat(seen).hasSize(2);
  }

  @Test
  void customParametersReachTheBackendPerRequest_inBatchOrder() {
    start(simple(4, 100, 0), 1);
    Map<String, ParameterValue> a = Map.of("tenant", new ParameterValue.Str("a"));
    Map<String, ParameterValue> b =
        Map.of("tenant", new ParameterValue.Str("b"), "boost", new ParameterValue.Int(2));
    submit(1, RunOptions.of(a));
    submit(
        2,
        RunOptions.of(
            Map.of("priority", new ParameterValue.Int(0), "timeout", new ParameterValue.Int(0))));
    submit(1, RunOptions.of(b));
    ticker.advance(100, TimeUnit.MICROSECONDS);
    settle();
    assertThat(instances.get(0).batches).containsExactly(4L);
    // priority and timeout are the server's own; only custom parameters reach the backend
    assertThat(instances.get(0).parameters).containsExactly(List.of(a, Map.of(), b));
  }

  @Test
  void requestsCountByTheirBatchSizeAndShapesNeverMix() {
    start(simple(8, 0, 0), 1);
    var a = submit(3);
    var b = submit(5);
    var c =
        batcher.run(
            List.of(
                new NamedTensor(
                    "IN", Tensor.of(DataType.INT32, Shape.of(1, 3), ByteBuffer.allocate(12)))),
            List.of("OUT", "OUT2"));
    var d = submit(1);
    settle();
    assertThat(instances.get(0).batches).containsExactly(8L, 1L, 1L);
    assertThat(List.of(a, b, c, d)).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
  }

  @Test
  void preferredSizeChosenWhenTheQueueAllows() {
    start(policy(8, List.of(2, 4), 1_000_000, false, 1, List.of(QueuePolicy.ofDefault()), 1, 1), 1);
    for (int i = 0; i < 5; i++) {
      submit(1);
    }
    batcher.step();
    execs.get(0).runOne();
    assertThat(instances.get(0).batches).containsExactly(4L);
    assertThat(batcher.stats().closeReasons()).containsEntry(CloseReason.PREFERRED, 1L);
  }

  /**
   * Triton: preferred sizes matter only while the oldest request's max_queue_delay has not expired.
   * After it, everything pending that fits and mixes leaves, even when a preferred part of it could
   * be formed and the batch is cut short by a request of another shape.
   */
  @Test
  void afterTheDelayExpiredEverythingPendingLeaves_notThePreferredPart() {
    start(policy(8, List.of(2), 100, false, 1, List.of(QueuePolicy.ofDefault()), 1, 1), 1);
    var busy = submit(2); // a preferred size: leaves at once and keeps the only instance busy
    batcher.step();
    List<CompletableFuture<?>> fs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      fs.add(submit(1));
    }
    // another shape: cuts the batch of the three short
    var other =
        batcher.run(
            List.of(
                new NamedTensor(
                    "IN", Tensor.of(DataType.INT32, Shape.of(1, 3), ByteBuffer.allocate(12)))),
            List.of("OUT", "OUT2"));
    batcher.step();
    ticker.advance(
        150, TimeUnit.MICROSECONDS); // the delay of the three expires while the instance is busy
    batcher.step();
    assertThat(execs.get(0).tasks).hasSize(1); // only the first batch: nothing else was sent
    execs.get(0).runOne(); // the first batch runs; the instance frees
    batcher.step();
    execs.get(0).runOne();
    assertThat(instances.get(0).batches)
        .as("the whole pending batch, not the preferred 2 of it")
        .containsExactly(2L, 3L);
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    settle();
    assertThat(instances.get(0).batches).containsExactly(2L, 3L, 1L);
    assertThat(List.of(busy, other)).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(batcher.stats().closeReasons())
        .containsEntry(CloseReason.PREFERRED, 1L) // the first batch, before any delay expired
        .containsEntry(CloseReason.DELAY_EXPIRED, 2L) // the three, then the other shape alone
        .doesNotContainKey(CloseReason.FULL);
  }

  /**
   * After the delay expired, what is pending leaves up to max_batch_size: a full batch, then the
   * rest.
   */
  @Test
  void afterTheDelayExpiredThePendingBatchStopsAtMaxBatchSize() {
    start(policy(4, List.of(2), 100, false, 1, List.of(QueuePolicy.ofDefault()), 1, 1), 1);
    submit(2);
    batcher.step(); // preferred: the instance is busy
    for (int i = 0; i < 7; i++) {
      submit(1);
    }
    ticker.advance(100, TimeUnit.MICROSECONDS);
    settle();
    assertThat(instances.get(0).batches).containsExactly(2L, 4L, 3L);
    assertThat(batcher.stats().closeReasons())
        .containsEntry(CloseReason.PREFERRED, 1L)
        .containsEntry(CloseReason.FULL, 1L)
        .containsEntry(CloseReason.DELAY_EXPIRED, 1L);
  }

  @Test
  void rejectsExactlyWhenTheQueueIsFull() {
    start(simple(4, 1000, 2), 1);
    var a = submit(1);
    var b = submit(1);
    var c = submit(1);
    assertThat(error(c)).isInstanceOf(InferenceError.QueueFull.class);
    a.cancel(false);
    batcher.step();
    var d = submit(1);
    assertThat(d).isNotDone();
    ticker.advance(1, TimeUnit.MILLISECONDS);
    settle();
    assertThat(b).isCompleted();
    assertThat(d).isCompleted();
    assertThat(instances.get(0).batches).containsExactly(2L);
  }

  @Test
  void higherPriorityGoesFirst() {
    start(
        policy(
            1,
            List.of(),
            0,
            false,
            2,
            List.of(QueuePolicy.ofDefault(), QueuePolicy.ofDefault()),
            1,
            1),
        1);
    var first = submit(1, new RunOptions(2, 0));
    batcher.step(); // busy with first
    var low = submit(1, new RunOptions(2, 0));
    var high = submit(1, new RunOptions(1, 0));
    batcher.step();
    execs.get(0).runOne();
    batcher.step();
    execs.get(0).runOne();
    assertThat(first).isCompleted();
    assertThat(high).isCompleted();
    assertThat(low).isNotDone();
    settle();
    assertThat(low).isCompleted();
    assertThat(error(batcher.run(request(1), List.of("OUT"), new RunOptions(3, 0))))
        .isInstanceOf(InferenceError.InvalidInput.class);
  }

  @Test
  void timeoutRejectAnswersAtTheDeadlineAndNeverReachesTheBackend() {
    start(
        policy(
            4,
            List.of(),
            10_000,
            false,
            1,
            List.of(new QueuePolicy(TimeoutAction.REJECT, 500, true, 0)),
            1,
            1),
        1);
    var a = submit(1);
    var b = submit(1, new RunOptions(0, 200));
    ticker.advance(199, TimeUnit.MICROSECONDS);
    settle();
    assertThat(b).isNotDone();
    ticker.advance(1, TimeUnit.MICROSECONDS);
    settle();
    assertThat(error(b)).isInstanceOf(InferenceError.DeadlineExceeded.class);
    ticker.advance(300, TimeUnit.MICROSECONDS);
    settle();
    assertThat(error(a)).isInstanceOf(InferenceError.DeadlineExceeded.class);
    assertThat(instances.get(0).batches).isEmpty();
  }

  /*
   * A batch handed to an instance's executor and not yet finished is running, as far as the batcher
   * knows: these tests let deadlines pass and clients cancel between the hand-over and the call.
   */

  @Test
  void aRunningRequestWhoseDeadlinePassesAnswersAtOnceAndItsAbandonedCallIsCancelled() {
    start(simple(4, 0, 0), 1);
    var a = submit(1, new RunOptions(0, 200));
    batcher.step(); // a runs
    Fake f = instances.get(0);
    assertThat(batcher.step()).as("wakes at a's deadline").isEqualTo(ticker.read() + 200_000);
    ticker.advance(200, TimeUnit.MICROSECONDS);
    batcher.step();
    assertThat(error(a)).isInstanceOf(InferenceError.DeadlineExceeded.class);
    settle(); // the call starts only now: it sees the cancellation and fails
    assertThat(f.cancellations).hasSize(1);
    assertThat(f.cancellations.get(0).isCancelled()).isTrue();
    assertThat(batcher.stats().counters())
        .as("a stopped call is not the instance's failure")
        .containsEntry("instance_failures", 0L);
    assertThat(created).hasValue(0);
    assertThat(batcher.instanceCount()).isEqualTo(1);
    var b = submit(1); // the instance takes the next request
    settle();
    assertThat(b).isCompleted();
    assertThat(f.batches).hasSize(1);
  }

  @Test
  void aRunningBatchIsCancelledOnlyWhenNoRequestWaitsForItAnyMore() {
    start(simple(4, 0, 0), 1);
    var expires = submit(1, new RunOptions(0, 100));
    var cancelled = submit(1, new RunOptions(0, 0));
    var waits = submit(1, new RunOptions(0, 300));
    batcher.step(); // one batch of three runs
    ticker.advance(100, TimeUnit.MICROSECONDS);
    cancelled.cancel(false);
    batcher.step();
    assertThat(error(expires)).isInstanceOf(InferenceError.DeadlineExceeded.class);
    settle(); // one request still waits: the call runs to its end
    assertThat(waits).isCompleted();
    assertThat(waits.isCompletedExceptionally()).isFalse();
    assertThat(instances.get(0).cancellations.get(0).isCancelled()).isFalse();
    assertThat(instances.get(0).batches).containsExactly(3L);
  }

  @Test
  void aRunningBatchWhoseClientsAllLeftIsCancelled() {
    start(simple(4, 0, 0), 1);
    var a = submit(1);
    var b = submit(1);
    batcher.step();
    a.cancel(false);
    batcher.step();
    assertThat(instances.get(0).cancellations).isEmpty(); // not yet called
    b.cancel(false);
    settle();
    assertThat(instances.get(0).cancellations.get(0).isCancelled()).isTrue();
    assertThat(batcher.stats().counters()).containsEntry("instance_failures", 0L);
    assertThat(created).hasValue(0);
  }

  @Test
  void timeoutDelayRunsLateRequestsAfterTheOthers() {
    start(
        policy(
            1,
            List.of(),
            0,
            true,
            1,
            List.of(new QueuePolicy(TimeoutAction.DELAY, 100, false, 0)),
            1,
            1),
        1);
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    var busy = submit(1);
    batcher.step(); // instance busy
    var late = submit(1).thenRun(() -> order.add(1));
    ticker.advance(150, TimeUnit.MICROSECONDS);
    var fresh = submit(1).thenRun(() -> order.add(2));
    batcher.step(); // late's timeout passed: it goes behind fresh
    settle();
    assertThat(List.of(busy, late, fresh))
        .allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(order).containsExactly(2, 1);
  }

  /** Found by DynamicBatcherPropertyTest: equal deadlines left the deadline heap in heap order. */
  @Test
  void lateRequestsThatTimeOutTogetherKeepTheirArrivalOrder() {
    start(
        policy(
            1,
            List.of(),
            0,
            false,
            1,
            List.of(new QueuePolicy(TimeoutAction.DELAY, 100, false, 0)),
            1,
            1),
        1);
    List<Integer> order = Collections.synchronizedList(new ArrayList<>());
    submit(1);
    batcher.step(); // instance busy
    for (int i = 1; i <= 6; i++) {
      int n = i;
      submit(1).thenRun(() -> order.add(n)); // same instant, same timeout: equal deadlines
    }
    batcher.step();
    ticker.advance(150, TimeUnit.MICROSECONDS);
    settle();
    assertThat(order).containsExactly(1, 2, 3, 4, 5, 6);
  }

  @Test
  void preserveOrderingHoldsLaterBatchesBack() {
    start(policy(2, List.of(), 0, true, 1, List.of(QueuePolicy.ofDefault()), 2, 2), 2);
    var a = submit(2);
    batcher.step();
    var b = submit(2);
    batcher.step();
    execs.get(1).runOne(); // the second batch finishes first
    batcher.step();
    assertThat(b).isNotDone();
    execs.get(0).runOne();
    batcher.step();
    assertThat(a).isCompleted();
    assertThat(b).isCompleted();
  }

  @Test
  void failedInstanceIsRetriedElsewhereAndReplaced() {
    start(simple(4, 0, 0), 2);
    instances.get(0).failNext = 1;
    List<CompletableFuture<?>> fs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      fs.add(submit(1));
    }
    batcher.step();
    execs.get(0).runOne(); // fails
    settle();
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(instances.get(1).batches).containsExactly(4L);
    assertThat(background.runOne()).isTrue(); // the replacement loads
    settle();
    background.runOne(); // the old instance is closed
    assertThat(created).hasValue(1);
    assertThat(instances.get(0).closed).isTrue();
    assertThat(batcher.instanceCount()).isEqualTo(2);
    assertThat(batcher.stats().counters())
        .containsEntry("instance_failures", 1L)
        .containsEntry("instance_replacements", 1L);
  }

  @Test
  void singleInstanceFailureRetriesOnTheReplacement() {
    start(simple(4, 0, 0), 1);
    instances.get(0).failNext = 1;
    var f = submit(2);
    batcher.step();
    execs.get(0).runOne();
    batcher.step();
    assertThat(f).isNotDone();
    background.runOne();
    settle();
    assertThat(f).isCompleted();
    assertThat(instances.get(1).batches).containsExactly(2L);
  }

  @Test
  void secondFailureFailsTheBatchOnce() {
    start(simple(4, 0, 0), 2);
    instances.get(0).failNext = 1;
    instances.get(1).failNext = 1;
    var f = submit(1);
    settle();
    assertThat(error(f)).isNull(); // the BackendException, mapped by the service
    assertThatThrownBy(f::get).hasCauseInstanceOf(BackendException.class);
  }

  /**
   * A batch waiting for its retry (its instance failed it, the only other one is busy) stays under
   * the queue timeouts: a REJECT request in it answers 504 at its deadline, a DELAY one keeps
   * waiting, and the rest of the batch runs once an instance is free.
   */
  @Test
  void rejectTimeoutAnswersAtTheDeadlineWhileItsBatchWaitsForTheRetry() {
    start(
        policy(
            2,
            List.of(),
            0,
            false,
            2,
            List.of(
                new QueuePolicy(TimeoutAction.REJECT, 0, true, 0),
                new QueuePolicy(TimeoutAction.DELAY, 100, false, 0)),
            2,
            2),
        2);
    long t0 = ticker.read();
    var a = submit(1, new RunOptions(1, 200)); // REJECT at t0 + 200 us
    var b = submit(1, new RunOptions(2, 0)); // DELAY at t0 + 100 us
    batcher.step(); // [a, b] on instance 0
    var c = submit(2);
    batcher.step(); // [c] on instance 1
    instances.get(0).failNext = 1;
    execs.get(0).runOne(); // instance 0 fails [a, b]
    assertThat(batcher.step()).as("wakes at a's deadline").isEqualTo(t0 + 200_000);
    assertThat(batcher.hasFreeInstanceForTest()).isFalse(); // the retry waits: instance 1 is busy
    ticker.advance(199, TimeUnit.MICROSECONDS);
    batcher.step();
    assertThat(a).isNotDone();
    ticker.advance(1, TimeUnit.MICROSECONDS);
    batcher.step();
    assertThat(error(a)).isInstanceOf(InferenceError.DeadlineExceeded.class);
    assertThat(b).isNotDone(); // DELAY: keeps waiting in the retry batch
    assertThat(batcher.stats().counters())
        .containsEntry("timed_out", 1L)
        .containsEntry("instance_failures", 1L);
    assertThat(batcher.stats().snapshot(ID).inference().fail().count()).isEqualTo(1);
    execs.get(1).runOne(); // [c] ends; instance 1 takes the retry
    settle();
    assertThat(c).isCompleted();
    assertThat(b).isCompleted();
    assertThat(instances.get(1).batches).containsExactly(2L, 1L); // the retry without a
    assertThat(instances.get(0).batches).isEmpty();
  }

  /**
   * With preserve_ordering, a retry batch that its deadline empties is dropped and gives up its
   * place: the later batch completes as soon as it ends.
   */
  @Test
  void retryBatchEmptiedByTheDeadlineDoesNotHoldLaterBatchesBack() {
    start(
        policy(
            2,
            List.of(),
            0,
            true,
            1,
            List.of(new QueuePolicy(TimeoutAction.REJECT, 0, true, 0)),
            2,
            2),
        2);
    var a = submit(2, new RunOptions(0, 200));
    batcher.step(); // batch 0 [a] on instance 0
    var c = submit(2);
    batcher.step(); // batch 1 [c] on instance 1
    instances.get(0).failNext = 1;
    execs.get(0).runOne();
    batcher.step(); // [a] waits for its retry
    ticker.advance(200, TimeUnit.MICROSECONDS);
    batcher.step();
    assertThat(error(a)).isInstanceOf(InferenceError.DeadlineExceeded.class);
    execs.get(1).runOne();
    batcher.step();
    assertThat(c).isCompleted(); // not held behind the dropped batch 0
    var d = submit(2);
    settle();
    assertThat(d).isCompleted();
    assertThat(instances.get(1).batches).containsExactly(2L, 2L); // [a] never ran again
    assertThat(batcher.hasFreeInstanceForTest()).isTrue();
  }

  /**
   * A request cancelled while its batch waits for the retry leaves the batch; a batch left empty is
   * dropped without a call, and with preserve_ordering does not hold later batches back.
   */
  @Test
  void cancelledRequestsLeaveTheirRetryBatch() {
    start(policy(2, List.of(), 0, true, 1, List.of(QueuePolicy.ofDefault()), 3, 3), 3);
    var a = submit(1);
    var b = submit(1);
    batcher.step(); // batch 0 [a, b] on instance 0
    var c = submit(1);
    batcher.step(); // batch 1 [c] on instance 1
    var d = submit(2);
    batcher.step(); // batch 2 [d] on instance 2
    instances.get(0).failNext = 1;
    instances.get(1).failNext = 1;
    execs.get(0).runOne();
    execs.get(1).runOne();
    batcher.step(); // [a, b] and [c] wait for instance 2
    a.cancel(false);
    c.cancel(false);
    batcher.step();
    execs.get(2).runOne(); // [d] ends, held behind batch 0
    batcher.step();
    assertThat(d).isNotDone();
    settle(); // the retry [b] runs on instance 2; [c] is gone
    assertThat(b).isCompleted();
    assertThat(d).isCompleted();
    assertThat(instances.get(2).batches).containsExactly(2L, 1L);
    assertThat(List.of(a, c)).allMatch(CompletableFuture::isCancelled);
    assertThat(batcher.hasFreeInstanceForTest()).isTrue();
  }

  @Test
  void anInvalidInputFailsOnlyItsOwnRequest() {
    start(simple(4, 0, 0), 1);
    ByteBuffer bad =
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(-1).putInt(0).flip();
    List<NamedTensor> badIn =
        List.of(new NamedTensor("IN", Tensor.of(DataType.INT32, Shape.of(1, 2), bad)));
    var a = submit(1);
    var b = batcher.run(badIn, List.of("OUT", "OUT2"));
    var c = submit(2);
    settle();
    assertThat(a).isCompleted();
    assertThat(c).isCompleted();
    assertThatThrownBy(b::get).hasCauseInstanceOf(BackendException.class);
    assertThat(instances.get(0).batches).containsExactly(1L, 2L);
    assertThat(batcher.stats().counters()).containsEntry("instance_failures", 0L);
  }

  @Test
  void closeFailsQueuedRequestsAndClosesInstances() {
    start(simple(1, 0, 0), 1);
    var running = submit(1);
    batcher.step();
    var queued = submit(1);
    batcher.close();
    batcher.step();
    assertThat(error(queued)).isInstanceOf(InferenceError.ShuttingDown.class);
    assertThat(error(submit(1))).isInstanceOf(InferenceError.ShuttingDown.class);
    assertThat(instances.get(0).closed).isFalse();
    settle();
    assertThat(running).isCompleted();
    assertThat(instances.get(0).closed).isTrue();
  }

  @Test
  void cancelledDependentWithdrawsTheQueuedRequest() {
    start(simple(4, 1000, 1), 1);
    var f = submit(1).handle((r, e) -> e); // a later stage, as a transport holds it
    f.cancel(false);
    batcher.step();
    var g = submit(1);
    assertThat(g).isNotDone(); // the slot was freed
    ticker.advance(1, TimeUnit.MILLISECONDS);
    settle();
    assertThat(instances.get(0).batches).containsExactly(1L);
    assertThat(g).isCompleted();
  }

  @Test
  void scalesUpUnderQueueDelayAndDownWhenIdle() {
    start(policy(1, List.of(), 0, false, 1, List.of(QueuePolicy.ofDefault()), 1, 2), 1);
    var a = submit(1);
    var b = submit(1);
    batcher.step();
    ticker.advance(50, TimeUnit.MILLISECONDS);
    batcher.step();
    assertThat(background.runOne()).isTrue();
    batcher.step();
    assertThat(batcher.instanceCount()).isEqualTo(2);
    settle();
    assertThat(a).isCompleted();
    assertThat(b).isCompleted();
    ticker.advance(1, TimeUnit.SECONDS);
    batcher.step();
    assertThat(batcher.instanceCount()).isEqualTo(1);
    assertThat(batcher.stats().counters())
        .containsEntry("scale_ups", 1L)
        .containsEntry("scale_downs", 1L);
  }

  @Test
  void realThreadsServeConcurrentClients() throws Exception {
    List<ModelInstance> list = List.of(new Fake(), new Fake());
    BatchPolicy p = policy(8, List.of(4), 500, false, 1, List.of(QueuePolicy.ofDefault()), 2, 2);
    try (DynamicBatcher real =
        DynamicBatcher.start(
            ID,
            p,
            list,
            InstanceSupplier.NONE,
            Ticker.system(),
            java.time.InstantSource.system())) {
      List<CompletableFuture<List<NamedTensor>>> fs = new ArrayList<>();
      List<List<NamedTensor>> ins = new ArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        List<List<NamedTensor>> mine = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          mine.add(request(1 + i % 2));
        }
        synchronized (ins) {
          ins.addAll(mine);
        }
        clients.add(
            Thread.ofPlatform()
                .start(() -> {
                  try {
                    go.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  for (List<NamedTensor> in : mine) {
                    var f =
                        real.run(in, List.of("OUT", "OUT2"))
                            .thenApply(out -> {
                              assertThat(out.get(0).tensor()).isEqualTo(in.get(0).tensor());
                              return out;
                            });
                    synchronized (fs) {
                      fs.add(f);
                    }
                  }
                }));
      }
      go.countDown();
      for (Thread c : clients) {
        c.join();
      }
      CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertThat(fs).hasSize(400).allMatch(f -> !f.isCompletedExceptionally());
      assertThat(real.stats().snapshot(ID).inferenceCount()).isEqualTo(600);
    }
  }
}
