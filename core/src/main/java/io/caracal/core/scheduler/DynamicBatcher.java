package io.caracal.core.scheduler;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.ModelInstance;
import io.caracal.core.repository.ModelSpec.TimeoutAction;
import io.caracal.core.scheduler.SchedulerStats.CloseReason;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler of one model version: admission, priority queues, dynamic batching (Triton's
 * rules), deadlines, instances with failover, in-node scaling and statistics.
 *
 * <p><b>Threads.</b> {@link #run} is called from any thread and never blocks: admission is a CAS
 * on a per-level counter (full → {@code QueueFull} at once), then the request is posted to an
 * inbox. One platform thread, {@code batcher-<model>}, is the only writer of the queue state: it
 * drains the inbox (submissions, cancellations, finished executions, created instances), expires
 * deadlines, forms batches and hands them to instances. It parks until the next event or the next
 * instant on the {@link Ticker} that matters (a deadline, a max delay, a scale-down). Backend calls
 * run on named platform threads per instance ({@code exec-<model>-<n>}). In tests the batcher runs
 * in manual mode: no thread, the test calls {@link #step()} and runs the executors itself.
 *
 * <p><b>States</b> (an {@code AtomicReference}): {@code RUNNING → CLOSING → CLOSED}. In CLOSING
 * new requests fail with {@code ShuttingDown}, queued requests fail with {@code ShuttingDown},
 * running batches finish, then instances are closed and the state becomes CLOSED.
 *
 * <p><b>Failover.</b> A batch whose call fails with an internal error (anything but an
 * invalid-input {@code BackendException}) is retried once on another instance; the failing
 * instance takes no new work and is replaced in the background through the {@link
 * InstanceSupplier}; if the replacement fails to load, the old instance is put back in service.
 * While a batch waits in the retry queue its requests stay under the deadline timer and
 * cancellation: a REJECT request whose deadline passes fails there with {@code DeadlineExceeded},
 * a cancelled one leaves it, and a batch left empty is dropped (with preserve_ordering its place in
 * the response order is released); DELAY requests stay. Every request future is completed exactly
 * once (completion goes through {@code CompletableFuture.complete}, and a batch is owned by exactly
 * one place at a time: a queue, an instance, or the retry queue).
 */
public final class DynamicBatcher implements ModelRunner {
  private static final Logger log = LoggerFactory.getLogger(DynamicBatcher.class);
  private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private enum State {
    RUNNING,
    CLOSING,
    CLOSED
  }

  private final ModelId id;
  private final BatchPolicy policy;
  private final Ticker ticker;
  private final InstanceSupplier supplier;
  private final IntFunction<Executor> executors;
  private final Executor background;
  private final SchedulerStats stats;
  private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger[] admitted;
  private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
  private final @Nullable Thread thread; // null in manual mode

  // Batcher-owned state: read and written only by the batcher thread (or the test calling step()).
  private final List<ArrayDeque<Pending>> queues = new ArrayList<>();
  private final ArrayDeque<Pending> delayed = new ArrayDeque<>();
  private final ArrayDeque<Batch> retries = new ArrayDeque<>();
  // Ties go in arrival order: requests that time out together with DELAY stay in arrival order.
  private final PriorityQueue<Pending> deadlines =
      new PriorityQueue<>(Comparator.comparingLong((Pending p) -> p.deadline).thenComparingLong(p -> p.arrival));
  private final List<Worker> workers = new ArrayList<>();
  private final TreeMap<Long, Runnable> reorder = new TreeMap<>();
  private int nextWorker;
  private int creating;
  private long nextSeq;
  private long nextArrival;
  private long releasedSeq;
  private boolean failedQueued;

  /** A queued request. */
  private static final class Pending {
    final List<NamedTensor> inputs;
    final List<String> outputs;
    final int level;
    final long enqueued;
    final long deadline; // Long.MAX_VALUE = none
    final TimeoutAction action;
    final long size;
    final List<Object> key;
    final Map<String, ParameterValue> custom; // handed to the backend with the batch
    final CompletableFuture<List<NamedTensor>> future = new CancellableFuture<>();
    boolean queued; // batcher-owned
    long arrival; // batcher-owned: the order in which the batcher took the request in
    boolean late; // DELAY action: its timeout passed; runs after every other request
    boolean timed; // batcher-owned: has an entry in the deadline heap
    @Nullable Batch retry; // batcher-owned: the retry batch it waits in, null when none

    Pending(List<NamedTensor> inputs, List<String> outputs, int level, long enqueued, long deadline,
        TimeoutAction action, long size, List<Object> key, Map<String, ParameterValue> custom) {
      this.custom = custom;
      this.inputs = inputs;
      this.outputs = outputs;
      this.level = level;
      this.enqueued = enqueued;
      this.deadline = deadline;
      this.action = action;
      this.size = size;
      this.key = key;
    }
  }

  /**
   * A formed batch. Immutable except for the batcher-owned retry bookkeeping: while it waits in the
   * retry queue (never while an instance runs it) the batcher may {@link #drop} requests that ended.
   */
  private static final class Batch {
    List<Pending> requests;
    long size;
    final long seq;
    int attempts;
    @Nullable Worker failedOn;

    Batch(List<Pending> requests, long seq) {
      this.requests = List.copyOf(requests);
      long s = 0;
      for (Pending p : requests) {
        s += p.size;
      }
      this.size = s;
      this.seq = seq;
    }

    void drop(Pending p) {
      List<Pending> rest = new ArrayList<>(requests);
      rest.remove(p);
      requests = List.copyOf(rest);
      size -= p.size;
    }
  }

  /** One instance and its executor. Fields are batcher-owned. */
  private static final class Worker {
    final int number;
    final ModelInstance instance;
    final Executor executor;
    int running;
    boolean suspect; // failed a call; takes no work while its replacement loads
    boolean retired;
    long idleSince;

    Worker(int number, ModelInstance instance, Executor executor, long now) {
      this.number = number;
      this.instance = instance;
      this.executor = executor;
      this.idleSince = now;
    }
  }

  private record Submit(Pending p) {}

  private record Cancel(Pending p) {}

  private record Done(Worker w, Batch b, @Nullable List<List<NamedTensor>> outputs, @Nullable Throwable error) {}

  private record Created(@Nullable Worker replacing, @Nullable ModelInstance instance, @Nullable Throwable error) {}

  private record Close() {}

  private DynamicBatcher(
      ModelId id,
      BatchPolicy policy,
      List<ModelInstance> instances,
      InstanceSupplier supplier,
      Ticker ticker,
      InstantSource wallClock,
      IntFunction<Executor> executors,
      Executor background,
      boolean manual) {
    if (instances.isEmpty()) {
      throw new IllegalArgumentException("no instances for " + id);
    }
    this.id = id;
    this.policy = policy;
    this.ticker = ticker;
    this.supplier = supplier;
    this.executors = executors;
    this.background = background;
    this.stats = new SchedulerStats(wallClock);
    this.admitted = new AtomicInteger[policy.levels()];
    for (int l = 0; l < policy.levels(); l++) {
      admitted[l] = new AtomicInteger();
      queues.add(new ArrayDeque<>());
    }
    long now = ticker.read();
    for (ModelInstance i : instances) {
      workers.add(new Worker(nextWorker, i, executors.apply(nextWorker), now));
      nextWorker++;
    }
    if (manual) {
      thread = null;
    } else {
      thread = Thread.ofPlatform().name("batcher-" + id.name()).daemon(true).unstarted(this::loop);
      thread.setUncaughtExceptionHandler((t, e) -> log.error("uncaught exception on {}", t.getName(), e));
      thread.start();
    }
  }

  /**
   * Creates a batcher with its own threads: {@code batcher-<model>} and, per instance, {@code
   * slotsPerInstance} threads {@code exec-<model>-<n>}; instances are created on virtual threads.
   */
  public static DynamicBatcher start(
      ModelId id, BatchPolicy policy, List<ModelInstance> instances, InstanceSupplier supplier, Ticker ticker,
      InstantSource wallClock) {
    IntFunction<Executor> execs =
        n -> {
          AtomicInteger k = new AtomicInteger();
          ThreadPoolExecutor e =
              new ThreadPoolExecutor(
                  policy.slotsPerInstance(),
                  policy.slotsPerInstance(),
                  0,
                  TimeUnit.MILLISECONDS,
                  new LinkedBlockingQueue<>(),
                  r -> {
                    Thread t =
                        Thread.ofPlatform()
                            .name("exec-" + id.name() + "-" + n + (policy.slotsPerInstance() > 1 ? "-" + k.getAndIncrement() : ""))
                            .daemon(true)
                            .unstarted(r);
                    t.setUncaughtExceptionHandler((th, ex) -> log.error("uncaught exception on {}", th.getName(), ex));
                    return t;
                  });
          return e;
        };
    Executor bg = r -> Thread.ofVirtual().name("model-instance-" + id.name()).start(r);
    return new DynamicBatcher(id, policy, instances, supplier, ticker, wallClock, execs, bg, false);
  }

  /**
   * Creates a batcher in manual mode, for tests: no threads; the caller calls {@link #step()} after
   * each action, and runs the tasks handed to {@code executors} and {@code background}.
   */
  static DynamicBatcher manual(
      ModelId id, BatchPolicy policy, List<ModelInstance> instances, InstanceSupplier supplier, Ticker ticker,
      IntFunction<Executor> executors, Executor background) {
    return new DynamicBatcher(id, policy, instances, supplier, ticker, () -> java.time.Instant.EPOCH, executors, background, true);
  }

  /** Returns a factory of batchers with these server-wide settings. */
  public static RunnerFactory factory(int slotsPerInstance, int defaultQueueCapacity, Ticker ticker, InstantSource wallClock) {
    return new RunnerFactory() {
      @Override
      public ModelRunner create(ModelId id, io.caracal.core.repository.ModelSpec config, List<ModelInstance> instances) {
        return create(id, config, instances, InstanceSupplier.NONE);
      }

      @Override
      public ModelRunner create(
          ModelId id, io.caracal.core.repository.ModelSpec config, List<ModelInstance> instances, InstanceSupplier more) {
        BatchPolicy policy;
        try {
          policy = BatchPolicy.of(config, defaultQueueCapacity, slotsPerInstance);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("invalid config for '" + id.name() + "': " + e.getMessage(), e);
        }
        return start(id, policy, instances, more, ticker, wallClock);
      }
    };
  }

  @Override
  public SchedulerStats stats() {
    return stats;
  }

  @Override
  public CompletableFuture<List<NamedTensor>> run(List<NamedTensor> inputs, List<String> outputs) {
    return run(inputs, outputs, RunOptions.DEFAULT);
  }

  @Override
  public CompletableFuture<List<NamedTensor>> run(List<NamedTensor> inputs, List<String> outputs, RunOptions options) {
    if (state.get() != State.RUNNING) {
      return CompletableFuture.failedFuture(InferenceException.of(new InferenceError.ShuttingDown()));
    }
    if (options.priority() > policy.levels() && policy.levels() > 1) {
      return CompletableFuture.failedFuture(InferenceException.invalid("priority",
          "priority " + options.priority() + " is out of range: model '" + id.name() + "' has " + policy.levels() + " priority level(s)"));
    }
    // Without priority levels (one level) a request's priority is ignored, as Triton does.
    int level = options.priority() == 0 || policy.levels() == 1 ? policy.defaultLevel() : (int) options.priority();
    AtomicInteger count = admitted[level - 1];
    int cap = policy.capacities().get(level - 1);
    while (true) {
      int n = count.get();
      if (n >= cap) {
        stats.rejected();
        return CompletableFuture.failedFuture(InferenceException.of(new InferenceError.QueueFull(id.name(), cap)));
      }
      if (count.compareAndSet(n, n + 1)) {
        break;
      }
    }
    var qp = policy.queue(level);
    long timeoutMicros = options.timeoutMicros() > 0 && qp.allowTimeoutOverride() ? options.timeoutMicros() : qp.defaultTimeoutMicros();
    long now = ticker.read();
    long deadline = timeoutMicros > 0 ? saturatedAdd(now, timeoutMicros * 1000L) : Long.MAX_VALUE;
    long size = 1;
    List<Object> key = List.of(); // unbatched requests never mix
    if (policy.dynamic()) {
      size = BatchTensors.batchSize(inputs);
      key = size < 1 || size > policy.maxBatchSize() ? List.of(new Object()) : BatchTensors.key(inputs, outputs);
      size = Math.max(1, size);
    }
    Pending p =
        new Pending(List.copyOf(inputs), List.copyOf(outputs), level, now, deadline, qp.timeoutAction(), size, key, options.custom());
    post(new Submit(p));
    p.future.whenComplete(
        (r, e) -> {
          if (e instanceof CancellationException) {
            post(new Cancel(p));
          }
        });
    if (state.get() == State.CLOSED) {
      drainAfterClose();
    }
    return p.future;
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private void post(Object event) {
    inbox.add(event);
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  // ---------------------------------------------------------------- batcher thread

  private void loop() {
    while (true) {
      long wake;
      try {
        wake = step();
      } catch (Throwable t) {
        log.error("model {}: batcher step failed", id, t);
        wake = ticker.read() + TimeUnit.MILLISECONDS.toNanos(10);
      }
      if (state.get() == State.CLOSED) {
        drainAfterClose();
        return;
      }
      if (inbox.isEmpty()) {
        long delay = wake == Long.MAX_VALUE ? TimeUnit.SECONDS.toNanos(1) : wake - ticker.read();
        if (delay > 0) {
          LockSupport.parkNanos(this, delay);
        }
      }
    }
  }

  /**
   * Runs one round of the batcher: drains the inbox, expires deadlines, scales, forms and hands out
   * batches. Returns the ticker time at which it must run again even without events ({@code
   * Long.MAX_VALUE} = only on events). Batcher thread only (or the test in manual mode).
   */
  long step() {
    long now = ticker.read();
    Object e;
    while ((e = inbox.poll()) != null) {
      switch (e) {
        case Submit s -> onSubmit(s.p(), now);
        case Cancel c -> onCancel(c.p());
        case Done d -> onDone(d, now);
        case Created c -> onCreated(c, now);
        case Close c -> {}
        default -> throw new IllegalStateException("unknown event " + e);
      }
    }
    if (state.get() != State.RUNNING) {
      return closing(now);
    }
    long wake = expire(now);
    wake = Math.min(wake, dispatch(now));
    wake = Math.min(wake, scale(now));
    return wake;
  }

  private void onSubmit(Pending p, long now) {
    if (state.get() != State.RUNNING) {
      release(p);
      fail(p, InferenceException.of(new InferenceError.ShuttingDown()), now);
      return;
    }
    if (p.future.isDone()) {
      release(p);
      return;
    }
    p.queued = true;
    p.arrival = nextArrival++;
    queues.get(p.level - 1).add(p);
    if (p.deadline != Long.MAX_VALUE) {
      time(p);
    }
  }

  private void time(Pending p) {
    if (!p.timed) {
      p.timed = true;
      deadlines.add(p);
    }
  }

  private void onCancel(Pending p) {
    if (p.queued) {
      (p.late ? delayed : queues.get(p.level - 1)).remove(p);
      p.queued = false;
      release(p);
      stats.cancelled();
    } else if (p.retry != null) {
      leaveRetry(p);
    }
  }

  private void release(Pending p) {
    admitted[p.level - 1].decrementAndGet();
  }

  /** Applies timeouts (queued requests, REJECT requests waiting in a retry batch); returns the next deadline. */
  private long expire(long now) {
    Pending p;
    while ((p = deadlines.peek()) != null && (p.deadline <= now || !timing(p))) {
      deadlines.poll();
      p.timed = false;
      if (!timing(p)) {
        continue;
      }
      if (p.retry != null) {
        timeOut(p, now);
        leaveRetry(p);
      } else if (p.action == TimeoutAction.DELAY) {
        queues.get(p.level - 1).remove(p);
        p.late = true;
        delayed.add(p);
      } else {
        queues.get(p.level - 1).remove(p);
        p.queued = false;
        release(p);
        timeOut(p, now);
      }
    }
    return p == null ? Long.MAX_VALUE : p.deadline;
  }

  /** Whether a request's deadline still matters: queued and not yet late, or REJECT in a retry batch. */
  private static boolean timing(Pending p) {
    return p.queued ? !p.late : p.retry != null && p.action == TimeoutAction.REJECT;
  }

  private void timeOut(Pending p, long now) {
    stats.timedOut();
    fail(p, InferenceException.of(new InferenceError.DeadlineExceeded(id.name())), now);
  }

  /** Queues a batch for retry; its REJECT requests stay under their deadlines while it waits. */
  private void retry(Batch b) {
    retries.add(b);
    for (Pending p : b.requests) {
      p.retry = b;
      if (p.deadline != Long.MAX_VALUE && p.action == TimeoutAction.REJECT) {
        time(p);
      }
    }
  }

  /** Takes the next batch out of the retry queue (to run it, or to fail it at close). */
  private @Nullable Batch takeRetry() {
    Batch b = retries.poll();
    if (b != null) {
      for (Pending p : b.requests) {
        p.retry = null;
      }
    }
    return b;
  }

  /**
   * Takes a request that ended (deadline, cancellation) out of the retry batch it waits in; a batch
   * left empty is dropped, and with preserve_ordering gives up its place so later batches complete.
   */
  private void leaveRetry(Pending p) {
    Batch b = Objects.requireNonNull(p.retry, "not in a retry batch");
    p.retry = null;
    b.drop(p);
    if (b.requests.isEmpty()) {
      retries.remove(b);
      release(b.seq, () -> {});
    }
  }

  /** Hands batches to free instances; returns when to look again (max delay of a waiting batch). */
  private long dispatch(long now) {
    while (true) {
      Worker w = freeWorker(null);
      if (w == null) {
        return Long.MAX_VALUE;
      }
      if (!retries.isEmpty()) {
        Batch b = retries.peek();
        Worker other = freeWorker(b.failedOn);
        if (other == null && creating == 0 && workers.stream().allMatch(x -> x == b.failedOn || x.retired)) {
          other = freeWorker(null); // no other instance exists or is coming: the same one, once more
        }
        if (other == null) {
          return Long.MAX_VALUE; // wait for another instance (or the replacement)
        }
        takeRetry(); // b
        execute(other, b, now);
        continue;
      }
      purgeDone();
      Pending head = head();
      if (head == null) {
        return Long.MAX_VALUE;
      }
      List<Pending> batch = new ArrayList<>();
      CloseReason reason;
      if (!policy.dynamic()) {
        batch.add(head);
        reason = CloseReason.UNBATCHED;
      } else {
        long acc = 0;
        int preferredAt = 0;
        boolean cannotGrow = false;
        long oldest = Long.MAX_VALUE;
        for (Pending p : order()) {
          if (!p.key.equals(head.key) || acc + p.size > policy.maxBatchSize()) {
            cannotGrow = true;
            break;
          }
          acc += p.size;
          batch.add(p);
          oldest = Math.min(oldest, p.enqueued);
          if (policy.preferredBatchSizes().contains((int) acc)) {
            preferredAt = batch.size();
          }
          if (acc == policy.maxBatchSize()) {
            break;
          }
        }
        // As Triton: once the oldest request waited the max delay (a delay of 0 never expires),
        // everything pending that fits and mixes leaves; preferred sizes only count before that.
        boolean expired = policy.maxQueueDelayNanos() > 0 && now - oldest >= policy.maxQueueDelayNanos();
        if (acc == policy.maxBatchSize()) {
          reason = CloseReason.FULL;
        } else if (expired) {
          reason = CloseReason.DELAY_EXPIRED;
        } else if (preferredAt > 0) {
          batch = batch.subList(0, preferredAt);
          reason = CloseReason.PREFERRED;
        } else if (cannotGrow) {
          reason = CloseReason.FULL;
        } else if (policy.maxQueueDelayNanos() == 0) {
          reason = CloseReason.INSTANCE_FREE;
        } else {
          return oldest + policy.maxQueueDelayNanos();
        }
      }
      stats.batchClosed(reason);
      for (Pending p : batch) {
        (p.late ? delayed : queues.get(p.level - 1)).remove(p);
        p.queued = false;
        release(p);
        stats.queued(now - p.enqueued);
      }
      execute(w, new Batch(batch, nextSeq++), now);
    }
  }

  private void purgeDone() {
    for (ArrayDeque<Pending> q : queues) {
      removeDone(q);
    }
    removeDone(delayed);
  }

  private void removeDone(ArrayDeque<Pending> q) {
    for (Iterator<Pending> it = q.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.future.isDone()) {
        it.remove();
        p.queued = false;
        release(p);
      }
    }
  }

  private Pending head() {
    for (ArrayDeque<Pending> q : queues) {
      if (!q.isEmpty()) {
        return q.peek();
      }
    }
    return delayed.peek();
  }

  /** The queued requests in scheduling order: by level, then arrival; late ones last. */
  private Iterable<Pending> order() {
    List<Pending> all = new ArrayList<>();
    for (ArrayDeque<Pending> q : queues) {
      all.addAll(q);
    }
    all.addAll(delayed);
    return all;
  }

  /** The least-loaded instance with a free slot, other than {@code not}; null when none. */
  private @Nullable Worker freeWorker(@Nullable Worker not) {
    Worker best = null;
    for (Worker w : workers) {
      if (w != not && !w.suspect && !w.retired && w.running < policy.slotsPerInstance()
          && (best == null || w.running < best.running)) {
        best = w;
      }
    }
    return best;
  }

  private void execute(Worker w, Batch b, long now) {
    w.running++;
    b.attempts++;
    try {
      w.executor.execute(() -> call(w, b));
    } catch (RuntimeException e) {
      w.running--;
      inbox.add(new Done(w, b, null, e));
    }
  }

  /** Runs on an execution thread: concatenates, calls the backend, splits, reports. */
  private void call(Worker w, Batch b) {
    try {
      long t0 = ticker.read();
      List<NamedTensor> in;
      long[] sizes = new long[b.requests.size()];
      if (b.requests.size() == 1) {
        in = b.requests.get(0).inputs;
      } else {
        List<List<NamedTensor>> all = new ArrayList<>(sizes.length);
        for (int i = 0; i < sizes.length; i++) {
          all.add(b.requests.get(i).inputs);
          sizes[i] = b.requests.get(i).size;
        }
        in = w.instance.outputsMayShareInputs()
            ? BatchTensors.concat(all, b.size)
            : BatchTensors.concat(all, b.size, ScratchBuffers.ofThisThread()::get);
      }
      long t1 = ticker.read();
      List<Map<String, ParameterValue>> params = new ArrayList<>(b.requests.size());
      for (Pending p : b.requests) {
        params.add(p.custom);
      }
      List<NamedTensor> out = w.instance.infer(in, b.requests.get(0).outputs, params);
      long t2 = ticker.read();
      List<List<NamedTensor>> split;
      try {
        split = b.requests.size() == 1 ? List.of(out) : BatchTensors.split(out, sizes);
      } catch (RuntimeException e) {
        // The model's fault, not the instance's: fail the batch without failover.
        log.error("model {}: outputs of a batch of {} cannot be split: {}", id, b.size, e.getMessage());
        throw InferenceException.withStackTrace(new InferenceError.Internal(
            "model '" + id.name() + "' returned outputs that do not match the batch"));
      }
      long t3 = ticker.read();
      stats.executed(b.size, b.requests.size(), t1 - t0, t2 - t1, t3 - t2);
      if (!policy.preserveOrdering()) {
        for (int i = 0; i < split.size(); i++) {
          succeed(b.requests.get(i), split.get(i), t3);
        }
        post(new Done(w, b, List.of(), null));
      } else {
        post(new Done(w, b, split, null));
      }
    } catch (Throwable t) {
      post(new Done(w, b, null, t));
    }
  }

  // Statistics are recorded before the future completes, so that a client that reads them right
  // after its response sees its own request counted. A request cancelled in between is counted
  // as completed; it never completes twice (CompletableFuture completes once).
  private void succeed(Pending p, List<NamedTensor> outputs, long now) {
    if (!p.future.isDone()) {
      stats.succeeded(now - p.enqueued);
      p.future.complete(outputs);
    }
  }

  private void fail(Pending p, Throwable error, long now) {
    if (!p.future.isDone()) {
      stats.failed(now - p.enqueued);
      p.future.completeExceptionally(error);
    }
  }

  private void onDone(Done d, long now) {
    Worker w = d.w();
    w.running--;
    if (w.running == 0) {
      w.idleSince = now;
      if (w.retired) {
        closeWorker(w);
      }
    }
    Batch b = d.b();
    if (d.error() == null) {
      if (policy.preserveOrdering()) {
        List<List<NamedTensor>> outs = Objects.requireNonNull(d.outputs()); // set when error is not
        release(b.seq, () -> {
          for (int i = 0; i < outs.size(); i++) {
            succeed(b.requests.get(i), outs.get(i), ticker.read());
          }
        });
      }
      return;
    }
    Throwable error = d.error();
    boolean invalidInput = error instanceof BackendException be && be.isInvalidInput();
    if (invalidInput && b.requests.size() > 1 && !policy.preserveOrdering() && state.get() == State.RUNNING) {
      // One request may have poisoned the batch: run each alone, so only the bad one fails.
      for (Pending p : b.requests) {
        if (!p.future.isDone()) {
          retry(new Batch(List.of(p), nextSeq++));
        }
      }
      return;
    }
    if (!invalidInput && !(error instanceof InferenceException)) {
      stats.instanceFailed();
      log.warn("model {}: instance {} failed a batch of {} ({}); {}", id, w.number, b.size, error.toString(),
          b.attempts == 1 ? "retrying on another instance and replacing it" : "failing the batch");
      if (!w.suspect && !w.retired) {
        w.suspect = true;
        replace(w);
      }
      if (b.attempts == 1 && state.get() == State.RUNNING) {
        List<Pending> keep = new ArrayList<>();
        for (Pending p : b.requests) {
          if (p.future.isDone()) {
            continue;
          }
          if (p.deadline <= now && p.action == TimeoutAction.REJECT) {
            timeOut(p, now);
          } else {
            keep.add(p);
          }
        }
        if (keep.isEmpty()) {
          release(b.seq, () -> {});
          return;
        }
        Batch again = keep.size() == b.requests.size() ? b : new Batch(keep, b.seq);
        again.attempts = b.attempts;
        again.failedOn = w;
        retry(again);
        return;
      }
    }
    release(b.seq, () -> {
      for (Pending p : b.requests) {
        fail(p, error, ticker.read());
      }
    });
  }

  /** Completes batch {@code seq}'s requests now, or, with preserve_ordering, once every earlier batch completed. */
  private void release(long seq, Runnable completion) {
    if (!policy.preserveOrdering()) {
      completion.run();
      return;
    }
    reorder.put(seq, completion);
    Runnable r;
    while ((r = reorder.remove(releasedSeq)) != null) {
      releasedSeq++;
      r.run();
    }
  }

  private void replace(@Nullable Worker old) {
    creating++;
    background.execute(() -> create(old));
  }

  private void create(@Nullable Worker replacing) {
    try {
      post(new Created(replacing, supplier.create(), null));
    } catch (Throwable t) {
      post(new Created(replacing, null, t));
    }
  }

  private void onCreated(Created c, long now) {
    creating--;
    Worker old = c.replacing();
    if (c.error() != null) {
      log.warn("model {}: creating an instance failed: {}", id, c.error().toString());
      if (old != null) {
        stats.instanceReplaced(false);
        old.suspect = false; // better a suspect instance than none
      }
      return;
    }
    ModelInstance instance = Objects.requireNonNull(c.instance()); // set when error is not
    if (state.get() != State.RUNNING) {
      closeQuietly(instance);
      return;
    }
    Worker w = new Worker(nextWorker, instance, executors.apply(nextWorker), now);
    nextWorker++;
    workers.add(w);
    if (old != null) {
      stats.instanceReplaced(true);
      log.info("model {}: instance {} replaced by instance {}", id, old.number, w.number);
      retire(old);
    } else {
      stats.scaled(true);
      log.info("model {}: scaled up to {} instance(s)", id, activeCount());
    }
  }

  private void retire(Worker w) {
    w.retired = true;
    if (w.running == 0) {
      closeWorker(w);
    }
  }

  private void closeWorker(Worker w) {
    workers.remove(w);
    if (w.executor instanceof ExecutorService es) {
      es.shutdown();
    }
    background.execute(() -> closeQuietly(w.instance));
  }

  private void closeQuietly(ModelInstance i) {
    try {
      i.close();
    } catch (RuntimeException e) {
      log.warn("model {}: closing an instance failed", id, e);
    }
  }

  private int activeCount() {
    int n = 0;
    for (Worker w : workers) {
      if (!w.retired) {
        n++;
      }
    }
    return n;
  }

  /** Scales up while the oldest request waits too long, down after idleness; returns the next check. */
  private long scale(long now) {
    if (policy.maxInstances() == policy.minInstances() && policy.minInstances() <= activeCount()) {
      return Long.MAX_VALUE;
    }
    long wake = Long.MAX_VALUE;
    Pending head = head();
    if (head != null && creating == 0 && activeCount() < policy.maxInstances() && freeWorker(null) == null) {
      long due = head.enqueued + policy.scaleUpQueueDelayNanos();
      if (now >= due) {
        replace(null);
      } else {
        wake = due;
      }
    }
    if (activeCount() > policy.minInstances()) {
      for (Worker w : List.copyOf(workers)) {
        if (w.running == 0 && !w.retired && !w.suspect && activeCount() > policy.minInstances()) {
          long due = w.idleSince + policy.scaleDownIdleNanos();
          if (now >= due && head == null) {
            retire(w);
            stats.scaled(false);
            log.info("model {}: scaled down to {} instance(s)", id, activeCount());
          } else {
            wake = Math.min(wake, Math.max(due, now + 1));
          }
        }
      }
    }
    return wake;
  }

  /** CLOSING: fails what is queued, waits for running batches, then closes the instances. */
  private long closing(long now) {
    if (!failedQueued) {
      failedQueued = true;
      InferenceException down = InferenceException.of(new InferenceError.ShuttingDown());
      for (ArrayDeque<Pending> q : queues) {
        failAll(q, down, now);
      }
      failAll(delayed, down, now);
      Batch b;
      while ((b = takeRetry()) != null) {
        Batch bb = b;
        release(b.seq, () -> bb.requests.forEach(p -> fail(p, down, now)));
      }
    }
    for (Worker w : workers) {
      if (w.running > 0) {
        return Long.MAX_VALUE;
      }
    }
    if (creating > 0) {
      return Long.MAX_VALUE;
    }
    for (Worker w : List.copyOf(workers)) {
      workers.remove(w);
      if (w.executor instanceof ExecutorService es) {
        es.shutdown();
      }
      closeQuietly(w.instance);
    }
    state.set(State.CLOSED);
    drainAfterClose();
    return Long.MAX_VALUE;
  }

  private void failAll(ArrayDeque<Pending> q, Throwable error, long now) {
    Pending p;
    while ((p = q.poll()) != null) {
      p.queued = false;
      release(p);
      fail(p, error, now);
    }
  }

  /** After CLOSED: fails submissions that raced with the close (any thread may call this). */
  private void drainAfterClose() {
    Object e;
    while ((e = inbox.poll()) != null) {
      if (e instanceof Submit s) {
        s.p().future.completeExceptionally(InferenceException.of(new InferenceError.ShuttingDown()));
      } else if (e instanceof Created c && c.instance() != null) {
        closeQuietly(c.instance());
      }
    }
  }

  /**
   * Stops taking requests, fails queued ones with {@code ShuttingDown}, lets running batches finish
   * (up to 30 s), then closes the instances. In manual mode it returns at once; the test steps.
   */
  @Override
  public void close() {
    if (!state.compareAndSet(State.RUNNING, State.CLOSING)) {
      return;
    }
    post(new Close());
    if (thread == null) {
      return;
    }
    try {
      thread.join(TimeUnit.NANOSECONDS.toMillis(CLOSE_WAIT_NANOS));
      if (thread.isAlive()) {
        log.warn("model {}: batches still running after {} s", id, TimeUnit.NANOSECONDS.toSeconds(CLOSE_WAIT_NANOS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Returns whether an instance could take a batch now (tests). */
  boolean hasFreeInstanceForTest() {
    return retries.isEmpty() && freeWorker(null) != null;
  }

  /** Returns the number of instances in service (tests). Batcher thread or manual mode only. */
  int instanceCount() {
    return activeCount();
  }
}
