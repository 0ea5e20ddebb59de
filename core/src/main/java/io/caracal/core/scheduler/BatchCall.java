package io.caracal.core.scheduler;

import io.caracal.api.BatchExecution;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.RequestObserver;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.CallCancelledException;
import io.caracal.core.repository.ModelSpec.TimeoutAction;
import io.caracal.core.scheduler.InstancePool.Worker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs formed batches on instances: assembles a batch's inputs, calls the instance, splits the
 * outputs and completes each request's future; when a call fails, decides the batch's fate (retry
 * elsewhere, each request alone, or fail it). {@link #start} and {@link #onDone} run on the batcher
 * thread, the call itself on the instance's execution thread.
 */
final class BatchCall {
  /*
   * A batch belongs to exactly one place at a time: the batcher hands it to start(), which counts
   * it on its worker and gives it to the worker's executor; from then until the Done event is
   * applied only the execution thread touches it (and only reads it). The execution thread
   * completes the futures of a successful batch itself (without preserve_ordering), then posts
   * Done; onDone, on the batcher thread, takes the worker's count back and handles the rest:
   *
   *   stopped: CallCancelledException after the batch's cancellation (no request waits for it)
   *                                   --> nothing more (the instance stays in service)
   *   success, preserve_ordering      --> the ordered release completes the futures in batch order
   *   invalid input (BackendException with isInvalidInput), several requests, no preserve_ordering,
   *     batcher running               --> each open request is retried alone (only the bad one fails)
   *   internal failure (anything but invalid input or an InferenceException)
   *                                   --> the instance is suspect and replaced (InstancePool); on a
   *     first attempt while running, the batch is retried once on another instance, without the
   *     requests that ended meanwhile (a REJECT request whose deadline passed fails now); a batch
   *     left empty gives up its place in the ordered release
   *   otherwise                       --> every request fails with the error (in batch order)
   *
   * Statistics of a call (input assembly, infer, output split) are recorded on the execution
   * thread; SchedulerStats is thread-safe. Failures log under DynamicBatcher's logger.
   */

  private static final Logger log = LoggerFactory.getLogger(DynamicBatcher.class);

  /**
   * A call that ended: {@code outputs} per request when it succeeded (held for preserve_ordering),
   * or the error.
   */
  record Done(
      Worker worker,
      Batch batch,
      @Nullable List<List<NamedTensor>> outputs,
      @Nullable Throwable error) {}

  private final ModelId id;
  private final boolean preserveOrdering;
  private final Ticker ticker;
  private final SchedulerStats stats;
  private final Inbox inbox;
  private final InstancePool pool;
  private final RetryQueue retries;
  private final OrderedRelease ordered;
  private final Deadlines deadlines;
  private final BooleanSupplier accepting;

  /**
   * Creates the batch calls of one model version.
   *
   * @param inbox where finished calls are reported to the batcher
   * @param accepting whether the batcher still runs (RUNNING): failed batches are retried only then
   */
  BatchCall(
      ModelId id,
      boolean preserveOrdering,
      Ticker ticker,
      SchedulerStats stats,
      Inbox inbox,
      InstancePool pool,
      RetryQueue retries,
      OrderedRelease ordered,
      Deadlines deadlines,
      BooleanSupplier accepting) {
    this.id = id;
    this.preserveOrdering = preserveOrdering;
    this.ticker = ticker;
    this.stats = stats;
    this.inbox = inbox;
    this.pool = pool;
    this.retries = retries;
    this.ordered = ordered;
    this.deadlines = deadlines;
    this.accepting = accepting;
  }

  /**
   * Hands batch {@code b} to instance {@code w}'s executor; its REJECT requests stay under the
   * deadline timer while it runs. Batcher thread.
   */
  void start(Worker w, Batch b) {
    pool.started(w);
    b.attempts++;
    for (Pending p : b.requests) {
      p.running = b;
      if (p.deadline != Long.MAX_VALUE && p.action == TimeoutAction.REJECT) {
        deadlines.time(p);
      }
    }
    try {
      w.executor.execute(() -> call(w, b));
    } catch (RuntimeException e) {
      pool.refused(w);
      inbox.postFromBatcher(new Done(w, b, null, e));
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
        in =
            w.instance.outputsMayShareInputs()
                ? BatchTensors.concat(all, b.size)
                : BatchTensors.concat(all, b.size, ScratchBuffers.ofThisThread()::get);
      }
      long t1 = ticker.read();
      List<Map<String, ParameterValue>> params = new ArrayList<>(b.requests.size());
      for (Pending p : b.requests) {
        params.add(p.custom);
      }
      List<NamedTensor> out =
          w.instance.infer(in, b.requests.get(0).outputs, params, b.cancellation);
      long t2 = ticker.read();
      List<List<NamedTensor>> split;
      try {
        split = b.requests.size() == 1 ? List.of(out) : BatchTensors.split(out, sizes);
      } catch (RuntimeException e) {
        // The model's fault, not the instance's: fail the batch without failover.
        log.error(
            "model {}: outputs of a batch of {} cannot be split: {}", id, b.size, e.getMessage());
        throw InferenceException.withStackTrace(
            new InferenceError.Internal(
                "model '" + id.name() + "' returned outputs that do not match the batch"));
      }
      long t3 = ticker.read();
      stats.executed(b.size, b.requests.size(), t1 - t0, t2 - t1, t3 - t2);
      report(w, b, t0, t1, t2, t3);
      if (!preserveOrdering) {
        for (int i = 0; i < split.size(); i++) {
          b.requests.get(i).succeed(split.get(i), t3, stats);
        }
        inbox.post(new Done(w, b, List.of(), null));
      } else {
        inbox.post(new Done(w, b, split, null));
      }
    } catch (Throwable t) {
      inbox.post(new Done(w, b, null, t));
    }
  }

  /** Tells the members' observers, if any request is observed, how their batch ran. */
  private void report(Worker w, Batch b, long t0, long t1, long t2, long t3) {
    List<RequestObserver> members = null;
    for (int i = 0; i < b.requests.size(); i++) {
      if (b.requests.get(i).observer != RequestObserver.NONE) {
        members = new ArrayList<>(b.requests.size());
        break;
      }
    }
    if (members == null) {
      return;
    }
    for (Pending p : b.requests) {
      members.add(p.observer);
    }
    String reason = b.reason == null ? "retry" : b.reason.name().toLowerCase(java.util.Locale.ROOT);
    BatchExecution e =
        new BatchExecution(
            id.name(), id.version(), b.size, reason, w.number, members, t0, t1, t2, t3);
    for (RequestObserver o : e.members()) {
      try {
        o.executed(e);
      } catch (RuntimeException ex) {
        log.warn("model {}: a request observer failed: {}", id, ex.toString());
      }
    }
  }

  /**
   * Applies a finished call at ticker time {@code now}: completes, retries or fails its batch.
   * Batcher thread.
   */
  void onDone(Done d, long now) {
    Worker w = d.worker();
    pool.finished(w, now);
    Batch b = d.batch();
    for (Pending p : b.requests) {
      p.running = null;
    }
    Throwable error = d.error();
    if (error instanceof CallCancelledException && b.cancellation.isCancelled()) {
      // Stopped because nobody waits for it (each request timed out or was cancelled, and has its
      // answer): not the instance's failure.
      log.debug("model {}: instance {} stopped an abandoned batch of {}", id, w.number, b.size);
      ordered.release(
          b.seq,
          () -> {
            for (Pending p : b.requests) {
              if (!p.future.isDone()) { // none: the batch is cancelled once all have ended
                p.timeOut(id.name(), ticker.read(), stats);
              }
            }
          });
      return;
    }
    if (error == null) {
      List<List<NamedTensor>> outs = d.outputs();
      if (preserveOrdering && outs != null) {
        ordered.release(
            b.seq,
            () -> {
              for (int i = 0; i < outs.size(); i++) {
                b.requests.get(i).succeed(outs.get(i), ticker.read(), stats);
              }
            });
      }
      return;
    }
    boolean invalidInput = error instanceof BackendException be && be.isInvalidInput();
    if (invalidInput && b.requests.size() > 1 && !preserveOrdering && accepting.getAsBoolean()) {
      // One request may have poisoned the batch: run each alone, so only the bad one fails.
      for (Pending p : b.requests) {
        if (!p.future.isDone()) {
          retries.add(new Batch(List.of(p), ordered.next()));
        }
      }
      return;
    }
    if (!invalidInput && !(error instanceof InferenceException)) {
      stats.instanceFailed();
      log.warn(
          "model {}: instance {} failed a batch of {} ({}); {}",
          id,
          w.number,
          b.size,
          error.toString(),
          b.attempts == 1 ? "retrying on another instance and replacing it" : "failing the batch");
      pool.suspect(w);
      if (b.attempts == 1 && accepting.getAsBoolean()) {
        retryElsewhere(w, b, now);
        return;
      }
    }
    ordered.release(
        b.seq,
        () -> {
          for (Pending p : b.requests) {
            p.fail(error, ticker.read(), stats);
          }
        });
  }

  /**
   * Queues a batch that {@code w} failed for one more attempt elsewhere, without the requests that
   * ended.
   */
  private void retryElsewhere(Worker w, Batch b, long now) {
    List<Pending> keep = new ArrayList<>();
    for (Pending p : b.requests) {
      if (p.future.isDone()) {
        continue;
      }
      if (p.deadline <= now && p.action == TimeoutAction.REJECT) {
        p.timeOut(id.name(), now, stats);
      } else {
        keep.add(p);
      }
    }
    if (keep.isEmpty()) {
      ordered.release(b.seq, () -> {});
      return;
    }
    Batch again = keep.size() == b.requests.size() ? b : new Batch(keep, b.seq, b.reason);
    again.attempts = b.attempts;
    again.failedOn = w;
    retries.add(again);
  }
}
