package io.caracal.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.ModelId;
import io.caracal.api.ModelStatistics;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.ModelInstance;
import io.caracal.core.repository.ModelSpec.QueuePolicy;
import io.caracal.core.repository.ModelSpec.TimeoutAction;
import io.caracal.core.scheduler.ReferenceScheduler.Outcome;
import io.caracal.core.scheduler.ReferenceScheduler.Req;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random sequences of arrivals (levels, shapes, sizes, timeouts, bad inputs), cancellations, time
 * steps, backend calls that succeed or fail, and instance replacements that load or fail, over a
 * matrix of batching policies; after every operation the batcher is stepped and compared with
 * {@link ReferenceScheduler}, an independent sequential model of the rules. Checked at every step:
 *
 * <ul>
 *   <li>each batch handed out is the one the rules form (priorities, arrival order, late requests
 *       last, shapes not mixed, preferred sizes when the queue allows, max delay) on an instance
 *       the rules allow, and none above max_batch_size;
 *   <li>refusal ({@code QueueFull}) exactly when the level's queue is full;
 *   <li>every request ends when and how the rules say (answer equal to its input, queue timeout
 *       with REJECT or DELAY, cancellation, backend failure), and never before;
 *   <li>the batcher asks to run again no later than the next deadline or delay expiry, and while an
 *       instance is free no queued request has waited the max delay;
 * </ul>
 *
 * and at the end of a sequence: every future completed exactly once, no request answered by two
 * calls, responses in batch order with preserve_ordering, statistics equal to the model's counts
 * (queue-wait maximum and why each batch closed included), every instance closed.
 *
 * <p>Backend calls are held open ({@link HeldCalls}) and time is a {@link FakeTicker}, so a run is
 * deterministic. Sequences are seeded: a failure names the seed and the last operations; {@code
 * -Dcaracal.seed=N} reruns only that seed.
 */
class DynamicBatcherPropertyTest {
  private static final ModelId ID = new ModelId("prop", 1);
  private static final int CONFIGS = 48;
  private static final int SEQUENCES = 8;
  private static final int OPERATIONS = 300;

  /** One batching policy of the matrix. */
  record Config(
      int maxBatch,
      boolean dynamic,
      List<Integer> preferred,
      long delayMicros,
      int levels,
      int queueSize,
      TimeoutAction action,
      boolean preserveOrdering,
      int instances) {
    @Override
    public String toString() {
      return (dynamic
              ? "max " + maxBatch + " preferred " + preferred + " delay " + delayMicros + "us"
              : "unbatched")
          + " levels "
          + levels
          + " queue "
          + queueSize
          + " "
          + action
          + (preserveOrdering ? " ordered" : "")
          + " instances "
          + instances;
    }
  }

  /**
   * A balanced matrix: every value of every dimension appears about equally often, mixed at random.
   */
  static Stream<Arguments> configs() {
    Random r = new Random(20_240_601);
    List<Integer> max = spread(List.of(1, 4, 8), r);
    List<Boolean> dynamic = spread(List.of(true, true, true, false), r);
    List<List<Integer>> preferred =
        spread(List.of(List.of(), List.of(2), List.of(2, 4), List.of(3, 6)), r);
    List<Long> delay = spread(List.of(0L, 100L, 1000L), r);
    List<Integer> levels = spread(List.of(1, 2, 3), r);
    List<Integer> queue = spread(List.of(1, 3, 8, 64), r);
    List<TimeoutAction> action = spread(List.of(TimeoutAction.REJECT, TimeoutAction.DELAY), r);
    List<Boolean> ordering = spread(List.of(false, true), r);
    List<Integer> instances = spread(List.of(1, 2, 3), r);
    return IntStream.range(0, CONFIGS)
        .mapToObj(i -> {
          int m = max.get(i);
          List<Integer> p = preferred.get(i).stream().filter(s -> s <= m).toList();
          return Arguments.of(
              i,
              new Config(
                  m,
                  dynamic.get(i),
                  p,
                  delay.get(i),
                  levels.get(i),
                  queue.get(i),
                  action.get(i),
                  ordering.get(i),
                  instances.get(i)));
        });
  }

  private static <T> List<T> spread(List<T> values, Random r) {
    List<T> out = new ArrayList<>();
    for (int i = 0; i < CONFIGS; i++) {
      out.add(values.get(i % values.size()));
    }
    Collections.shuffle(out, r);
    return out;
  }

  @ParameterizedTest(name = "#{0} {1}")
  @MethodSource("configs")
  void batcherFollowsTheReferenceModel(int index, Config config) {
    String only = System.getProperty("caracal.seed");
    for (int s = 0; s < SEQUENCES; s++) {
      long seed = index * 100L + s;
      if (only != null && !only.isBlank() && Long.parseLong(only.trim()) != seed) {
        continue;
      }
      Sequence run = new Sequence(config, seed);
      try {
        run.play();
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            "config #"
                + index
                + " ("
                + config
                + "), seed "
                + seed
                + " (rerun with -Dcaracal.seed="
                + seed
                + "): "
                + e.getMessage()
                + "\nlast operations:\n"
                + run.trace(),
            e);
      } finally {
        run.held.releaseAll();
      }
    }
  }

  /** One seeded sequence against one policy. */
  static final class Sequence {
    final Config config;
    final Random rnd;
    final FakeTicker ticker = new FakeTicker();
    final HeldCalls held = new HeldCalls(ticker);
    final DynamicBatcherTest.Manual background = new DynamicBatcherTest.Manual();
    final List<HeldCalls.Instance> instances = new ArrayList<>();
    final ReferenceScheduler ref;
    final DynamicBatcher batcher;
    final List<Tracked> all = new ArrayList<>();
    final Map<Integer, Tracked> unverified = new LinkedHashMap<>();
    final Map<Integer, Integer> answeredBy = new HashMap<>();
    final List<Integer> completions = Collections.synchronizedList(new ArrayList<>());
    final ArrayDeque<String> trace = new ArrayDeque<>();
    long nextEvent = Long.MAX_VALUE;
    int nextId;
    boolean failCreate;
    int supplierCalls;
    HeldCalls.Instance lastCreated;

    /** A request, its future and its input. */
    record Tracked(Req req, CompletableFuture<List<NamedTensor>> future, Tensor input) {}

    Sequence(Config c, long seed) {
      this.config = c;
      this.rnd = new Random(seed);
      long defaultTimeout =
          rnd.nextInt(3) == 0 ? 100 + rnd.nextInt((int) (2 * c.delayMicros()) + 400) : 0;
      boolean override = rnd.nextBoolean();
      int defaultLevel = 1 + rnd.nextInt(c.levels());
      QueuePolicy qp = new QueuePolicy(c.action(), defaultTimeout, override, c.queueSize());
      BatchPolicy policy =
          new BatchPolicy(
              c.maxBatch(),
              c.dynamic(),
              c.preferred(),
              c.delayMicros() * 1000,
              c.preserveOrdering(),
              c.levels(),
              defaultLevel,
              Collections.nCopies(c.levels(), qp),
              Collections.nCopies(c.levels(), c.queueSize()),
              1,
              c.instances(),
              c.instances(),
              50_000_000L,
              1_000_000_000L);
      for (int i = 0; i < c.instances(); i++) {
        instances.add(held.new Instance(i));
      }
      ref =
          new ReferenceScheduler(
              new ReferenceScheduler.Rules(
                  c.maxBatch(),
                  c.dynamic(),
                  c.preferred(),
                  c.delayMicros() * 1000,
                  c.preserveOrdering(),
                  c.levels(),
                  defaultLevel,
                  c.queueSize(),
                  c.action(),
                  defaultTimeout,
                  override),
              instances);
      batcher =
          DynamicBatcher.manual(
              ID, policy, List.copyOf(instances), this::create, ticker, held::executor, background);
      note(
          "default level "
              + defaultLevel
              + ", default timeout "
              + defaultTimeout
              + "us, override "
              + override);
    }

    private ModelInstance create() {
      supplierCalls++;
      if (failCreate) {
        throw new IllegalStateException("out of memory");
      }
      lastCreated = held.new Instance(instances.size());
      instances.add(lastCreated);
      return lastCreated;
    }

    void play() {
      step();
      for (int op = 0; op < OPERATIONS; op++) {
        int k = rnd.nextInt(100);
        if (k < 35) {
          submit();
        } else if (k < 42) {
          cancel();
        } else if (k < 60) {
          advance();
        } else if (k < 80) {
          finish();
        } else if (k < 88) {
          runChore(rnd.nextInt(100) < 25);
        }
        step();
      }
      drain();
      checkEveryRequest();
      checkStatistics();
      closeAndCheck();
    }

    // ---------------------------------------------------------------- operations

    void submit() {
      int id = ++nextId;
      long priority;
      if (config.levels() > 1) {
        int k = rnd.nextInt(100);
        priority = k < 30 ? 0 : k < 95 ? 1 + rnd.nextInt(config.levels()) : config.levels() + 1;
      } else {
        priority = rnd.nextInt(3); // ignored without levels
      }
      long rows =
          config.dynamic() ? 1 + rnd.nextInt(Math.min(config.maxBatch(), 3)) : 1 + rnd.nextInt(2);
      int width = rnd.nextInt(100) < 15 ? 3 : 2;
      boolean bad = rnd.nextInt(100) < 4;
      long timeout =
          rnd.nextBoolean() ? 0 : 1 + rnd.nextInt((int) (2 * config.delayMicros()) + 500);
      Tensor in = tensor(id, rows, width, bad);
      Req r = ref.submit(id, ticker.read(), priority, timeout, rows, width, bad);
      CompletableFuture<List<NamedTensor>> f =
          batcher.run(
              List.of(new NamedTensor("IN", in)),
              List.of("OUT"),
              new RunOptions(priority, timeout));
      f.whenComplete((v, e) -> completions.add(id));
      Tracked t = new Tracked(r, f, in);
      all.add(t);
      unverified.put(id, t);
      note(
          "submit "
              + r
              + " priority "
              + priority
              + " timeout "
              + timeout
              + "us"
              + (bad ? " bad" : "")
              + (r.outcome != null ? " -> " + r.outcome : ""));
      verify(t); // refused at once, or not done
    }

    void cancel() {
      List<Tracked> open = all.stream().filter(t -> t.req().outcome == null).toList();
      if (open.isEmpty()) {
        return;
      }
      Tracked t = open.get(rnd.nextInt(open.size()));
      note("cancel " + t.req());
      t.future().cancel(false);
      ref.cancel(t.req());
    }

    void advance() {
      long now = ticker.read();
      int k = rnd.nextInt(100);
      long to;
      if (k < 30 && nextEvent != Long.MAX_VALUE) {
        to = nextEvent;
      } else if (k < 45 && nextEvent != Long.MAX_VALUE && nextEvent - 1 > now) {
        to = nextEvent - 1;
      } else {
        to = now + rnd.nextInt((int) config.delayMicros() + 300) * 1000L + rnd.nextInt(1000);
      }
      note("advance " + (to - now) + "ns");
      ticker.advance(to - now, TimeUnit.NANOSECONDS);
    }

    void finish() {
      List<HeldCalls.Call> open = held.open();
      if (open.isEmpty()) {
        return;
      }
      finish(
          open.get(rnd.nextInt(open.size())),
          rnd.nextInt(100) < 15 ? HeldCalls.Ending.FAIL : HeldCalls.Ending.ANSWER);
    }

    void finish(HeldCalls.Call c, HeldCalls.Ending ending) {
      note("finish " + c.ids + " on #" + c.worker + " " + ending);
      if (ending == HeldCalls.Ending.ANSWER && c.ids.stream().noneMatch(id -> byId(id).req().bad)) {
        c.ids.forEach(id -> answeredBy.merge(id, 1, Integer::sum));
      }
      ref.finished(c, ending);
      held.finish(c, ending);
    }

    void runChore(boolean failing) {
      ReferenceScheduler.Chore chore = ref.nextChore();
      if (chore == null) {
        assertThat(background.tasks).as("background tasks the rules do not expect").isEmpty();
        return;
      }
      assertThat(background.tasks)
          .as("the background task the rules expect: %s", chore)
          .isNotEmpty();
      switch (chore) {
        case ReferenceScheduler.Create c -> {
          failCreate = failing;
          int before = supplierCalls;
          background.runOne();
          assertThat(supplierCalls)
              .as("a replacement for #%d is created", c.replacing().number)
              .isEqualTo(before + 1);
          note("replacement for #" + c.replacing().number + (failing ? " fails" : " loads"));
          ref.created(c.replacing(), failing ? null : lastCreated);
        }
        case ReferenceScheduler.Close c -> {
          background.runOne();
          note("close #" + c.worker().number);
          assertThat(c.worker().instance.closed)
              .as("retired instance #%d closed", c.worker().number)
              .isTrue();
          assertThat(c.worker().instance.inside).as("closed while running").isZero();
        }
      }
    }

    // ---------------------------------------------------------------- checks

    void step() {
      long now = ticker.read();
      long wake = batcher.step();
      List<HeldCalls.Call> calls = held.takeStarted();
      for (HeldCalls.Call c : calls) {
        if (config.dynamic()) {
          assertThat(c.rows)
              .as("batch %s above max_batch_size", c.ids)
              .isLessThanOrEqualTo(config.maxBatch());
        } else {
          assertThat(c.ids).as("unbatched call").hasSize(1);
        }
        assertThat(c.dispatchedAt).isEqualTo(now);
      }
      nextEvent = ref.step(now, calls);
      assertThat(wake)
          .as("the batcher's next wake-up after t=%d", now)
          .isGreaterThan(now)
          .isLessThanOrEqualTo(nextEvent);
      assertThat(held.executorsCreated).as("instances in service").isEqualTo(ref.workersCreated);
      if (ref.instanceFreeForQueue()) {
        for (Req r : ref.queued()) {
          assertThat(now - r.arrival)
              .as("request %s waits past the max delay with an instance free", r)
              .isLessThan(Math.max(1, config.delayMicros() * 1000));
        }
      }
      for (var it = unverified.values().iterator(); it.hasNext(); ) {
        if (verify(it.next())) {
          it.remove();
        }
      }
    }

    /** Checks a request's future against the model; returns whether it ended. */
    boolean verify(Tracked t) {
      Req r = t.req();
      CompletableFuture<List<NamedTensor>> f = t.future();
      if (r.outcome == null) {
        assertThat(f.isDone())
            .as("request %s ended before the rules end it: %s", r, describe(f))
            .isFalse();
        return false;
      }
      assertThat(f.isDone()).as("request %s should have ended: %s", r, r.outcome).isTrue();
      Throwable error = f.isCompletedExceptionally() ? f.handle((v, e) -> e).join() : null;
      error = error instanceof CompletionException ce ? ce.getCause() : error;
      switch (r.outcome) {
        case SUCCESS -> {
          assertThat(error).as("request %s", r).isNull();
          assertThat(f.join().get(0).tensor()).as("answer of %s", r).isEqualTo(t.input());
        }
        case CANCELLED -> assertThat(f.isCancelled()).as("request %s cancelled", r).isTrue();
        case QUEUE_FULL ->
            assertThat(inference(error))
                .as("request %s", r)
                .isInstanceOf(InferenceError.QueueFull.class);
        case BAD_PRIORITY ->
            assertThat(inference(error))
                .as("request %s", r)
                .isInstanceOf(InferenceError.InvalidInput.class);
        case DEADLINE ->
            assertThat(inference(error))
                .as("request %s", r)
                .isInstanceOf(InferenceError.DeadlineExceeded.class);
        case BACKEND_FAILED, BACKEND_INVALID -> {
          assertThat(error).as("request %s", r).isInstanceOf(BackendException.class);
          assertThat(((BackendException) error).isInvalidInput())
              .isEqualTo(r.outcome == Outcome.BACKEND_INVALID);
        }
      }
      return true;
    }

    private static InferenceError inference(Throwable e) {
      return e instanceof InferenceException ie ? ie.error() : null;
    }

    private static String describe(CompletableFuture<?> f) {
      return f.isCancelled()
          ? "cancelled"
          : f.isCompletedExceptionally() ? "failed: " + f.handle((v, e) -> e).join() : "answered";
    }

    /** Finishes every call, runs every background task and lets time pass until nothing is left. */
    void drain() {
      note("drain");
      for (int i = 0; i < 10_000 && !(ref.idle() && !ref.hasChores()); i++) {
        List<HeldCalls.Call> open = held.open();
        if (!open.isEmpty()) {
          finish(open.get(0), HeldCalls.Ending.ANSWER);
        } else if (ref.hasChores()) {
          runChore(false);
        } else {
          long now = ticker.read();
          long to = nextEvent != Long.MAX_VALUE ? nextEvent : now + config.delayMicros() * 1000 + 1;
          ticker.advance(to - now, TimeUnit.NANOSECONDS);
        }
        step();
      }
      assertThat(ref.idle() && !ref.hasChores())
          .as("drained: %s", ref.state(ticker.read()))
          .isTrue();
      assertThat(background.tasks).as("background tasks left").isEmpty();
    }

    void checkEveryRequest() {
      assertThat(unverified.values()).as("requests that never ended").isEmpty();
      List<Integer> done = List.copyOf(completions);
      assertThat(done)
          .as("every future completes exactly once")
          .hasSize(all.size())
          .doesNotHaveDuplicates();
      for (Tracked t : all) {
        int answers = answeredBy.getOrDefault(t.req().id, 0);
        if (t.req().outcome == Outcome.SUCCESS) {
          assertThat(answers).as("calls that answered %s", t.req()).isEqualTo(1);
        } else {
          assertThat(answers)
              .as("calls that answered %s", t.req())
              .isLessThanOrEqualTo(1); // e.g. cancelled while running
        }
      }
      if (config.preserveOrdering()) {
        long last = -1;
        for (int id : done) {
          Req r = byId(id).req();
          if (r.outcome == Outcome.SUCCESS
              || r.outcome == Outcome.BACKEND_FAILED
              || r.outcome == Outcome.BACKEND_INVALID) {
            assertThat(r.seq)
                .as("request %s (batch %d) completed after batch %d", r, r.seq, last)
                .isGreaterThanOrEqualTo(last);
            last = r.seq;
          }
        }
      }
    }

    void checkStatistics() {
      ModelStatistics s = batcher.stats().snapshot(ID);
      assertThat(s.inference().success().count()).as("successes").isEqualTo(count(Outcome.SUCCESS));
      assertThat(s.inference().queue().count())
          .as("requests that left the queue")
          .isEqualTo(ref.queueCount);
      assertThat(s.inference().queue().nanos()).as("total queue wait").isEqualTo(ref.queueNanos);
      assertThat(s.tail().queueMaxNanos()).as("longest queue wait").isEqualTo(ref.queueMax);
      assertThat(s.executionCount()).as("successful calls").isEqualTo(ref.executions);
      assertThat(s.inferenceCount()).as("elements answered").isEqualTo(ref.executedElements);
      assertThat(batcher.stats().closeReasons())
          .as("why batches closed")
          .isEqualTo(ref.closeReasons);
      assertThat(batcher.stats().counters())
          .containsEntry("rejected", count(Outcome.QUEUE_FULL))
          .containsEntry("timed_out", ref.timedOut)
          .containsEntry("cancelled", ref.cancelledQueued)
          .containsEntry("instance_failures", ref.instanceFailures)
          .containsEntry("instance_replacements", ref.replacements)
          .containsEntry("instance_replacement_failures", ref.replacementFailures);
    }

    void closeAndCheck() {
      batcher.close();
      batcher.step();
      assertThat(instances).as("every instance closed").allMatch(i -> i.closed);
      assertThat(
              inference(
                  batcher
                      .run(List.of(new NamedTensor("IN", tensor(0, 1, 2, false))), List.of("OUT"))
                      .handle((v, e) -> e)
                      .join()))
          .isInstanceOf(InferenceError.ShuttingDown.class);
    }

    // ---------------------------------------------------------------- helpers

    private long count(Outcome o) {
      return all.stream().filter(t -> t.req().outcome == o).count();
    }

    private Tracked byId(int id) {
      return all.get(id - 1);
    }

    /** Rows {@code [id * 1000 + row, row...]}; a bad request has -1 in its first row. */
    static Tensor tensor(int id, long rows, int width, boolean bad) {
      ByteBuffer b = ByteBuffer.allocate((int) rows * width * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int r = 0; r < rows; r++) {
        b.putInt(id * 1000 + r);
        for (int col = 1; col < width; col++) {
          b.putInt(bad && r == 0 && col == 1 ? -1 : r);
        }
      }
      return Tensor.of(DataType.INT32, Shape.of(rows, width), b.flip());
    }

    private void note(String what) {
      trace.add("t=" + ticker.read() + " " + what);
      if (trace.size() > 40) {
        trace.poll();
      }
    }

    String trace() {
      return String.join("\n", trace);
    }
  }
}
