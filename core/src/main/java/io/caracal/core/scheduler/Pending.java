package io.caracal.core.scheduler;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.RequestObserver;
import io.caracal.core.repository.ModelSpec.TimeoutAction;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A request admitted by a {@link DynamicBatcher}: its inputs, its scheduling attributes, its
 * future, and the batcher's notes on where it waits.
 */
final class Pending implements BatchRule.Candidate {
  /*
   * Threads. The final fields are written by the thread that calls DynamicBatcher.run, before the
   * request is posted to the inbox (the queue publishes them safely), and only read afterwards:
   * by the batcher thread, and by the execution thread that runs the request's batch (inputs,
   * outputs, size, custom). The mutable fields are read and written by the batcher thread only.
   *
   * Where a request is (exactly one place at a time):
   *   inbox --> queued (PendingQueues; queued = true, late once a DELAY timeout passed)
   *   queued --> in a batch on an instance (BatchCall) --> done
   *   in a batch that failed --> in a retry batch (RetryQueue; retry != null) --> in a batch ...
   *   any of these --> done (deadline, cancellation, shutdown)
   * running names the batch while an instance runs it (set by BatchCall.start, cleared by onDone): a
   * REJECT request whose deadline passes then, or that is cancelled, ends at once, and the call is
   * cancelled (Batch.cancellation) once no request of the batch is left waiting for it.
   * timed says whether the request has an entry in the Deadlines heap.
   *
   * The future completes exactly once (CompletableFuture completes once). Statistics are recorded
   * before the future completes, so that a client that reads them right after its response sees
   * its own request counted. A request cancelled in between is counted as completed.
   */

  final List<NamedTensor> inputs;
  final List<String> outputs;
  final int level;
  final long enqueued;
  final long deadline; // Long.MAX_VALUE = none
  final TimeoutAction action;
  final long size;
  final List<Object> key;
  final Map<String, ParameterValue> custom; // handed to the backend with the batch
  final RequestObserver observer;
  final CompletableFuture<List<NamedTensor>> future = new CancellableFuture<>();
  boolean queued;
  long arrival; // the order in which the batcher took the request in
  boolean late; // DELAY action: its timeout passed; runs after every other request
  boolean timed; // has an entry in the deadline heap
  @Nullable Batch retry; // the retry batch it waits in
  @Nullable Batch running; // the batch an instance runs it in

  /** Creates a request submitted at ticker time {@code enqueued}. */
  Pending(
      List<NamedTensor> inputs,
      List<String> outputs,
      int level,
      long enqueued,
      long deadline,
      TimeoutAction action,
      long size,
      List<Object> key,
      Map<String, ParameterValue> custom,
      RequestObserver observer) {
    this.custom = custom;
    this.observer = observer;
    this.inputs = inputs;
    this.outputs = outputs;
    this.level = level;
    this.enqueued = enqueued;
    this.deadline = deadline;
    this.action = action;
    this.size = size;
    this.key = key;
  }

  @Override
  public Object key() {
    return key;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public long enqueued() {
    return enqueued;
  }

  /** Answers the request (unless it already ended), counting it as a success. */
  void succeed(List<NamedTensor> outputs, long now, SchedulerStats stats) {
    if (!future.isDone()) {
      stats.succeeded(now - enqueued);
      future.complete(outputs);
    }
  }

  /** Fails the request (unless it already ended), counting it as a failure. */
  void fail(Throwable error, long now, SchedulerStats stats) {
    if (!future.isDone()) {
      stats.failed(now - enqueued);
      future.completeExceptionally(error);
    }
  }

  /** Fails the request with {@code DeadlineExceeded}: its timeout passed (queued or running). */
  void timeOut(String model, long now, SchedulerStats stats) {
    stats.timedOut();
    fail(InferenceException.of(new InferenceError.DeadlineExceeded(model)), now, stats);
  }
}
