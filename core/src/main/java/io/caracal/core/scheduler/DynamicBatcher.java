package io.caracal.core.scheduler;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.backend.ModelInstance;
import io.caracal.core.repository.ModelSpec.TimeoutAction;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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
 * <p><b>Threads.</b> {@link #run} is called from any thread and never blocks: admission is a CAS on
 * a per-level counter (full → {@code QueueFull} at once), then the request is posted to an inbox.
 * One platform thread, {@code batcher-<model>}, is the only writer of the queue state: it drains
 * the inbox (submissions, cancellations, finished executions, created instances), expires
 * deadlines, forms batches and hands them to instances. It parks until the next event or the next
 * instant on the {@link Ticker} that matters (a deadline, a max delay, a scale-down). Backend calls
 * run on named platform threads per instance ({@code exec-<model>-<n>}). In tests the batcher runs
 * in manual mode: no thread, the test calls {@link #step()} and runs the executors itself.
 *
 * <p><b>States</b> (an {@code AtomicReference}): {@code RUNNING → CLOSING → CLOSED}. In CLOSING new
 * requests fail with {@code ShuttingDown}, queued requests fail with {@code ShuttingDown}, running
 * batches finish, then instances are closed and the state becomes CLOSED.
 *
 * <p><b>Failover.</b> A batch whose call fails with an internal error (anything but an
 * invalid-input {@code BackendException}) is retried once on another instance; the failing instance
 * takes no new work and is replaced in the background through the {@link InstanceSupplier}; if the
 * replacement fails to load, the old instance is put back in service. While a batch waits in the
 * retry queue its requests stay under the deadline timer and cancellation: a REJECT request whose
 * deadline passes fails there with {@code DeadlineExceeded}, a cancelled one leaves it, and a batch
 * left empty is dropped (with preserve_ordering its place in the response order is released); DELAY
 * requests stay. A REJECT request whose deadline passes while its batch runs fails at once, and so
 * does a cancelled one; once no request of a running batch waits for it, the call is cancelled
 * ({@link io.caracal.api.backend.Cancellation}: ONNX Runtime terminates the run) and its error is
 * not counted against the instance. Every request future is completed exactly once (completion goes
 * through {@code CompletableFuture.complete}, and a batch is owned by exactly one place at a time:
 * a queue, an instance, or the retry queue).
 */
public final class DynamicBatcher implements ModelRunner {
  /*
   * The façade: it owns the public API, the state machine, the inbox and the batcher thread, and
   * composes the parts, each with one job:
   *
   *   Admission      per-level bounds, CAS from any thread                    thread-safe
   *   PendingQueues  queued requests in scheduling order                      batcher thread
   *   Deadlines      queue timeouts, soonest first                            batcher thread
   *   BatchRule      Triton's batch-forming rule, a pure function             stateless
   *   RetryQueue     batches that failed once and wait for an instance        batcher thread
   *   OrderedRelease batch numbers and preserve_ordering                      batcher thread
   *   InstancePool   instances, executors, replacement, scaling               batcher thread
   *   BatchCall      one batch on an instance: assemble, infer, split, fail over
   *                                                                            execution + batcher
   *   Inbox          events for the batcher thread, posted by any thread      thread-safe
   *
   * A round of the batcher thread (step): apply the inbox's events (Submit -> PendingQueues and
   * Deadlines; Cancel -> out of its queue or retry batch; BatchCall.Done -> BatchCall.onDone;
   * InstancePool.Created -> InstancePool.onCreated; Close -> nothing, the state says it); then,
   * while RUNNING: expire deadlines (REJECT fails, DELAY goes late, a retry batch loses the
   * request), dispatch (while an instance is free: the retry queue first, to another instance
   * than the one that failed the batch unless none other exists or is coming; then what BatchRule
   * lets leave), scale; it returns the earliest ticker time at which something becomes due.
   * After CLOSING: fail what is queued or waits for a retry (once), wait for running batches and
   * instance creations, close the instances, CLOSED.
   *
   * The fields below that are not final or thread-safe (failedQueued, and every part's state) are
   * read and written only by the batcher thread, or by the test that calls step() in manual mode.
   */

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
  private final SchedulerStats stats;
  private final AtomicReference<State> state = new AtomicReference<>(State.RUNNING);
  private final @Nullable Thread thread; // null in manual mode
  private final Inbox inbox;
  private final Admission admission;

  // Batcher-owned parts.
  private final PendingQueues queues;
  private final Deadlines deadlines = new Deadlines();
  private final BatchRule rule;
  private final OrderedRelease ordered;
  private final RetryQueue retries;
  private final InstancePool pool;
  private final BatchCall calls;
  private boolean failedQueued;
  private final AtomicInteger inflight = new AtomicInteger();
  private volatile int instances; // pool.activeCount(), published by the batcher thread

  private record Submit(Pending p) {}

  private record Cancel(Pending p) {}

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
    this.stats = new SchedulerStats(wallClock);
    this.admission = new Admission(policy.capacities());
    this.queues = new PendingQueues(policy.levels(), admission);
    this.rule = new BatchRule(policy);
    this.ordered = new OrderedRelease(policy.preserveOrdering());
    this.retries = new RetryQueue(deadlines, ordered);
    this.thread =
        manual
            ? null
            : Thread.ofPlatform().name("batcher-" + id.name()).daemon(true).unstarted(this::loop);
    this.inbox = new Inbox(thread);
    this.pool =
        new InstancePool(
            id,
            policy,
            instances,
            supplier,
            executors,
            background,
            stats,
            inbox,
            this::accepting,
            ticker.read());
    this.calls =
        new BatchCall(
            id,
            policy.preserveOrdering(),
            ticker,
            stats,
            inbox,
            pool,
            retries,
            ordered,
            deadlines,
            this::accepting);
    this.instances = pool.activeCount();
    if (thread != null) {
      thread.setUncaughtExceptionHandler(
          (t, e) -> log.error("uncaught exception on {}", t.getName(), e));
      thread.start();
    }
  }

  /**
   * Creates a batcher with its own threads: {@code batcher-<model>} and, per instance, {@code
   * slotsPerInstance} threads {@code exec-<model>-<n>}; instances are created on virtual threads.
   */
  public static DynamicBatcher start(
      ModelId id,
      BatchPolicy policy,
      List<ModelInstance> instances,
      InstanceSupplier supplier,
      Ticker ticker,
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
                            .name(
                                "exec-"
                                    + id.name()
                                    + "-"
                                    + n
                                    + (policy.slotsPerInstance() > 1
                                        ? "-" + k.getAndIncrement()
                                        : ""))
                            .daemon(true)
                            .unstarted(r);
                    t.setUncaughtExceptionHandler(
                        (th, ex) -> log.error("uncaught exception on {}", th.getName(), ex));
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
      ModelId id,
      BatchPolicy policy,
      List<ModelInstance> instances,
      InstanceSupplier supplier,
      Ticker ticker,
      IntFunction<Executor> executors,
      Executor background) {
    return new DynamicBatcher(
        id,
        policy,
        instances,
        supplier,
        ticker,
        () -> java.time.Instant.EPOCH,
        executors,
        background,
        true);
  }

  /** Returns a factory of batchers with these server-wide settings. */
  public static RunnerFactory factory(
      int slotsPerInstance, int defaultQueueCapacity, Ticker ticker, InstantSource wallClock) {
    return new RunnerFactory() {
      @Override
      public ModelRunner create(
          ModelId id, io.caracal.core.repository.ModelSpec config, List<ModelInstance> instances) {
        return create(id, config, instances, InstanceSupplier.NONE);
      }

      @Override
      public ModelRunner create(
          ModelId id,
          io.caracal.core.repository.ModelSpec config,
          List<ModelInstance> instances,
          InstanceSupplier more) {
        BatchPolicy policy;
        try {
          policy = BatchPolicy.of(config, defaultQueueCapacity, slotsPerInstance);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "invalid config for '" + id.name() + "': " + e.getMessage(), e);
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
  public RunnerGauges gauges() {
    List<Integer> depths = new java.util.ArrayList<>(admission.levels());
    for (int l = 1; l <= admission.levels(); l++) {
      depths.add(admission.held(l));
    }
    return new RunnerGauges(depths, inflight.get(), instances);
  }

  @Override
  public CompletableFuture<List<NamedTensor>> run(List<NamedTensor> inputs, List<String> outputs) {
    return run(inputs, outputs, RunOptions.DEFAULT);
  }

  @Override
  public CompletableFuture<List<NamedTensor>> run(
      List<NamedTensor> inputs, List<String> outputs, RunOptions options) {
    if (state.get() != State.RUNNING) {
      return CompletableFuture.failedFuture(
          InferenceException.of(new InferenceError.ShuttingDown()));
    }
    if (options.priority() > policy.levels() && policy.levels() > 1) {
      return CompletableFuture.failedFuture(
          InferenceException.invalid(
              "priority",
              "priority "
                  + options.priority()
                  + " is out of range: model '"
                  + id.name()
                  + "' has "
                  + policy.levels()
                  + " priority level(s)"));
    }
    // Without priority levels (one level) a request's priority is ignored, as Triton does.
    int level =
        options.priority() == 0 || policy.levels() == 1
            ? policy.defaultLevel()
            : (int) options.priority();
    if (!admission.tryAdmit(level)) {
      stats.rejected();
      return CompletableFuture.failedFuture(
          InferenceException.of(
              new InferenceError.QueueFull(id.name(), admission.capacity(level))));
    }
    var qp = policy.queue(level);
    long timeoutMicros =
        options.timeoutMicros() > 0 && qp.allowTimeoutOverride()
            ? options.timeoutMicros()
            : qp.defaultTimeoutMicros();
    long now = ticker.read();
    long deadline = timeoutMicros > 0 ? saturatedAdd(now, timeoutMicros * 1000L) : Long.MAX_VALUE;
    long size = 1;
    List<Object> key = List.of(); // unbatched requests never mix
    if (policy.dynamic()) {
      size = BatchTensors.batchSize(inputs);
      key =
          size < 1 || size > policy.maxBatchSize()
              ? List.of(new Object())
              : BatchTensors.key(inputs, outputs);
      size = Math.max(1, size);
    }
    Pending p =
        new Pending(
            List.copyOf(inputs),
            List.copyOf(outputs),
            level,
            now,
            deadline,
            qp.timeoutAction(),
            size,
            key,
            options.custom(),
            options.observer());
    inbox.post(new Submit(p));
    inflight.incrementAndGet();
    p.future.whenComplete((r, e) -> {
      inflight.decrementAndGet();
      if (e instanceof CancellationException) {
        inbox.post(new Cancel(p));
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

  private boolean accepting() {
    return state.get() == State.RUNNING;
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
        case BatchCall.Done d -> calls.onDone(d, now);
        case InstancePool.Created c -> pool.onCreated(c, now);
        case Close c -> {}
        default -> throw new IllegalStateException("unknown event " + e);
      }
    }
    if (state.get() != State.RUNNING) {
      return closing(now);
    }
    long wake = expire(now);
    wake = Math.min(wake, dispatch(now));
    wake = Math.min(wake, pool.scale(now, queues.head()));
    instances = pool.activeCount();
    return wake;
  }

  private void onSubmit(Pending p, long now) {
    if (state.get() != State.RUNNING) {
      admission.release(p.level);
      p.fail(InferenceException.of(new InferenceError.ShuttingDown()), now, stats);
      return;
    }
    if (p.future.isDone()) {
      admission.release(p.level);
      return;
    }
    queues.add(p);
    if (p.deadline != Long.MAX_VALUE) {
      deadlines.time(p);
    }
  }

  private void onCancel(Pending p) {
    if (queues.withdraw(p)) {
      stats.cancelled();
    } else if (p.retry != null) {
      retries.leave(p);
    } else if (p.running != null) {
      p.running.cancelIfAbandoned();
    }
  }

  /**
   * Applies timeouts (queued requests, REJECT requests waiting in a retry batch or running: they
   * answer at once, and a running batch none of whose requests waits any more is cancelled);
   * returns the next deadline.
   */
  private long expire(long now) {
    Pending p;
    while ((p = deadlines.pollExpired(now)) != null) {
      if (p.running != null) {
        if (!p.future.isDone()) { // answered by its call before the batcher saw the call end
          p.timeOut(id.name(), now, stats);
          p.running.cancelIfAbandoned();
        }
      } else if (p.retry != null) {
        p.timeOut(id.name(), now, stats);
        retries.leave(p);
      } else if (p.action == TimeoutAction.DELAY) {
        queues.makeLate(p);
      } else {
        queues.withdraw(p);
        p.timeOut(id.name(), now, stats);
      }
    }
    return deadlines.next();
  }

  /** Hands batches to free instances; returns when to look again (max delay of a waiting batch). */
  private long dispatch(long now) {
    while (true) {
      InstancePool.Worker w = pool.free(null);
      if (w == null) {
        return Long.MAX_VALUE;
      }
      Batch retry = retries.peek();
      if (retry != null) {
        InstancePool.Worker other = pool.free(retry.failedOn);
        if (other == null && pool.noneBut(retry.failedOn)) {
          other = pool.free(null); // no other instance exists or is coming: the same one, once more
        }
        if (other == null) {
          return Long.MAX_VALUE; // wait for another instance (or the replacement)
        }
        calls.start(other, java.util.Objects.requireNonNull(retries.take(), "peeked batch"));
        continue;
      }
      queues.purgeDone();
      switch (rule.decide(queues.order(), now)) {
        case BatchRule.Wait later -> {
          return later.until();
        }
        case BatchRule.Leave leave -> {
          stats.batchClosed(leave.reason());
          List<Pending> batch = queues.take(leave.count());
          for (Pending p : batch) {
            stats.queued(now - p.enqueued);
            p.observer.dequeued(p.enqueued, now);
          }
          calls.start(w, new Batch(batch, ordered.next(), leave.reason()));
        }
      }
    }
  }

  /** CLOSING: fails what is queued, waits for running batches, then closes the instances. */
  private long closing(long now) {
    if (!failedQueued) {
      failedQueued = true;
      InferenceException down = InferenceException.of(new InferenceError.ShuttingDown());
      queues.drain(p -> p.fail(down, now, stats));
      Batch b;
      while ((b = retries.take()) != null) {
        Batch bb = b;
        ordered.release(b.seq, () -> bb.requests.forEach(p -> p.fail(down, now, stats)));
      }
    }
    if (pool.busy()) {
      return Long.MAX_VALUE;
    }
    pool.closeAll();
    state.set(State.CLOSED);
    drainAfterClose();
    return Long.MAX_VALUE;
  }

  /** After CLOSED: fails submissions that raced with the close (any thread may call this). */
  private void drainAfterClose() {
    Object e;
    while ((e = inbox.poll()) != null) {
      if (e instanceof Submit s) {
        s.p()
            .future
            .completeExceptionally(InferenceException.of(new InferenceError.ShuttingDown()));
      } else if (e instanceof InstancePool.Created c && c.instance() != null) {
        pool.closeQuietly(c.instance());
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
    inbox.post(new Close());
    Thread t = thread;
    if (t == null) {
      return;
    }
    try {
      t.join(TimeUnit.NANOSECONDS.toMillis(CLOSE_WAIT_NANOS));
      if (t.isAlive()) {
        log.warn(
            "model {}: batches still running after {} s",
            id,
            TimeUnit.NANOSECONDS.toSeconds(CLOSE_WAIT_NANOS));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Returns whether an instance could take a batch now (tests). */
  boolean hasFreeInstanceForTest() {
    return retries.isEmpty() && pool.free(null) != null;
  }

  /** Returns the number of instances in service (tests). Batcher thread or manual mode only. */
  int instanceCount() {
    return pool.activeCount();
  }
}
