package io.caracal.core.scheduler;

import io.caracal.api.ModelId;
import io.caracal.api.backend.ModelInstance;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instances of one model version and their execution threads: which one takes the next batch,
 * replacement of an instance that failed, and in-node scaling between the policy's minimum and
 * maximum. Batcher thread only, except where a method says otherwise.
 */
final class InstancePool {
  /*
   * Owned by the batcher thread, not thread-safe: the workers list, each Worker's mutable fields,
   * nextWorker and creating. New instances are created on the background executor (a virtual
   * thread in production), which posts a Created event; the batcher applies it in onCreated. Each
   * worker has its own executor (instance n: threads exec-<model>-<n>), shut down when the worker
   * is closed; instances are closed on the background executor, except at the batcher's close.
   *
   * A worker's states (running counts the batches it runs, at most slotsPerInstance):
   *   in service --failed a call--> suspect (takes no work; its replacement is being created)
   *   suspect --replacement created--> retired (no work; closed once running == 0)
   *   suspect --creation failed--> in service (better a suspect instance than none)
   *   in service --idle scaleDownIdle above the minimum, nothing queued--> retired
   * Scaling up: while the head of the queue waited scaleUpQueueDelay with no free instance, below
   * the maximum and with no creation under way, one more instance is created.
   *
   * The pool logs under DynamicBatcher's logger: operators configure the scheduler's logging there.
   */

  private static final Logger log = LoggerFactory.getLogger(DynamicBatcher.class);

  /** One instance and its executor. Fields are batcher-owned. */
  static final class Worker {
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

  /**
   * A created instance ({@code error} null) or a failed creation, replacing {@code replacing}
   * (null: scaling up).
   */
  record Created(
      @Nullable Worker replacing, @Nullable ModelInstance instance, @Nullable Throwable error) {}

  private final ModelId id;
  private final BatchPolicy policy;
  private final InstanceSupplier supplier;
  private final IntFunction<Executor> executors;
  private final Executor background;
  private final SchedulerStats stats;
  private final Inbox inbox;
  private final BooleanSupplier accepting;
  private final List<Worker> workers = new ArrayList<>();
  private int nextWorker;
  private int creating;

  /**
   * Creates the pool of the initial instances, at ticker time {@code now}.
   *
   * @param executors the executor of instance {@code n}
   * @param background where instances are created and closed
   * @param inbox where created instances are reported
   * @param accepting whether the batcher still runs (RUNNING): an instance created after that is
   *     closed
   */
  InstancePool(
      ModelId id,
      BatchPolicy policy,
      List<ModelInstance> instances,
      InstanceSupplier supplier,
      IntFunction<Executor> executors,
      Executor background,
      SchedulerStats stats,
      Inbox inbox,
      BooleanSupplier accepting,
      long now) {
    this.id = id;
    this.policy = policy;
    this.supplier = supplier;
    this.executors = executors;
    this.background = background;
    this.stats = stats;
    this.inbox = inbox;
    this.accepting = accepting;
    for (ModelInstance i : instances) {
      add(i, now);
    }
  }

  private Worker add(ModelInstance instance, long now) {
    Worker w = new Worker(nextWorker, instance, executors.apply(nextWorker), now);
    nextWorker++;
    workers.add(w);
    return w;
  }

  /** Returns the least-loaded instance with a free slot, other than {@code not}; null when none. */
  @Nullable Worker free(@Nullable Worker not) {
    Worker best = null;
    for (Worker w : workers) {
      if (w != not
          && !w.suspect
          && !w.retired
          && w.running < policy.slotsPerInstance()
          && (best == null || w.running < best.running)) {
        best = w;
      }
    }
    return best;
  }

  /**
   * Returns whether no instance but {@code failedOn} is in service or coming (so a retry may go
   * back to it).
   */
  boolean noneBut(@Nullable Worker failedOn) {
    return creating == 0 && workers.stream().allMatch(x -> x == failedOn || x.retired);
  }

  /** Counts a batch handed to {@code w}. */
  void started(Worker w) {
    w.running++;
  }

  /** Uncounts a batch whose hand-off {@code w}'s executor refused. */
  void refused(Worker w) {
    w.running--;
  }

  /**
   * Counts a batch that {@code w} finished at {@code now}; a retired instance left idle is closed.
   */
  void finished(Worker w, long now) {
    w.running--;
    if (w.running == 0) {
      w.idleSince = now;
      if (w.retired) {
        closeWorker(w);
      }
    }
  }

  /**
   * Takes an instance that failed a call out of service and starts creating its replacement (once).
   */
  void suspect(Worker w) {
    if (!w.suspect && !w.retired) {
      w.suspect = true;
      replace(w);
    }
  }

  private void replace(@Nullable Worker old) {
    creating++;
    background.execute(() -> create(old));
  }

  /** Runs on the background executor: creates an instance and reports it. */
  private void create(@Nullable Worker replacing) {
    try {
      inbox.post(new Created(replacing, supplier.create(), null));
    } catch (Throwable t) {
      inbox.post(new Created(replacing, null, t));
    }
  }

  /**
   * Puts a created instance in service (retiring the one it replaces), or handles a failed
   * creation.
   */
  void onCreated(Created c, long now) {
    creating--;
    Worker old = c.replacing();
    ModelInstance instance = c.instance();
    if (c.error() != null || instance == null) {
      log.warn("model {}: creating an instance failed: {}", id, String.valueOf(c.error()));
      if (old != null) {
        stats.instanceReplaced(false);
        old.suspect = false; // better a suspect instance than none
      }
      return;
    }
    if (!accepting.getAsBoolean()) {
      closeQuietly(instance);
      return;
    }
    Worker w = add(instance, now);
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
    remove(w);
    background.execute(() -> closeQuietly(w.instance));
  }

  /** Takes a worker out of the pool and lets its execution threads end. */
  private void remove(Worker w) {
    workers.remove(w);
    if (w.executor instanceof ExecutorService es) {
      es.shutdown();
    }
  }

  /** Closes an instance, logging a failure. Any thread. */
  void closeQuietly(ModelInstance i) {
    try {
      i.close();
    } catch (RuntimeException e) {
      log.warn("model {}: closing an instance failed", id, e);
    }
  }

  /** Returns the number of instances in service (not retired). */
  int activeCount() {
    int n = 0;
    for (Worker w : workers) {
      if (!w.retired) {
        n++;
      }
    }
    return n;
  }

  /**
   * Scales up while {@code head}, the first queued request (null: none), waits too long, down after
   * idleness; returns the ticker time of the next check ({@code Long.MAX_VALUE}: only on events).
   */
  long scale(long now, @Nullable Pending head) {
    if (policy.maxInstances() == policy.minInstances() && policy.minInstances() <= activeCount()) {
      return Long.MAX_VALUE;
    }
    long wake = Long.MAX_VALUE;
    if (head != null
        && creating == 0
        && activeCount() < policy.maxInstances()
        && free(null) == null) {
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

  /** Returns whether a batch is running or an instance is being created. */
  boolean busy() {
    for (Worker w : workers) {
      if (w.running > 0) {
        return true;
      }
    }
    return creating > 0;
  }

  /**
   * Closes every instance now, on the calling thread, and shuts their executors down (the batcher's
   * close).
   */
  void closeAll() {
    for (Worker w : List.copyOf(workers)) {
      remove(w);
      closeQuietly(w.instance);
    }
  }
}
