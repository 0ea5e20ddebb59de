package io.caracal.core.scheduler;

import io.caracal.core.repository.ModelSpec.TimeoutAction;
import io.caracal.core.scheduler.SchedulerStats.CloseReason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A plain sequential model of the scheduling rules the README states (Scheduling), written from the
 * rules and not from the batcher's code: bounded queues per priority level, queue timeouts with
 * both actions, Triton's batch-forming rules, instances with failover and replacement, and
 * preserve_ordering. The test tells it what happened from outside (submissions, cancellations, the
 * calls the instances saw and how they ended, the background tasks it ran), steps it when it steps
 * the batcher, and it says what the batcher had to do: which batch leaves at each step and on what
 * kind of instance, how and when every request ends, and by when the batcher must look again. A
 * difference throws an {@link AssertionError} that says what the rules expected.
 *
 * <p>The rules, as modelled here (one slot per instance):
 *
 * <ul>
 *   <li>Admission: a request is refused at once when its level already holds {@code capacity}
 *       requests (queued or late); a priority above the levels is refused when there are levels.
 *   <li>Queue timeouts: at the first step at or after its deadline a queued request fails ({@code
 *       REJECT}) or becomes late ({@code DELAY}): it stays queued behind every request that has not
 *       timed out, in the order of the deadlines (ties in arrival order). The timer also covers a
 *       request in a batch waiting to be retried: with {@code REJECT} it fails at the first step at
 *       or after its deadline and leaves the batch; with {@code DELAY} it stays. With {@code
 *       REJECT} it covers a request whose batch runs too: it fails at the first step at or after
 *       its deadline, and its batch runs on (a call none of whose requests waits any more is
 *       cancelled; the held calls here end as the test says).
 *   <li>Scheduling order: level 1 first, arrival order within a level, late requests last. A batch
 *       is the longest run from the front of that order whose requests mix with the first (same
 *       shape) and whose total fits max_batch_size. It leaves when it is full, and all of it leaves
 *       once its oldest request has waited the max queue delay (a delay of 0 never runs out):
 *       preferred sizes no longer matter then. Before that, the longest part of it whose size is a
 *       preferred size leaves, if there is one; otherwise all of it leaves when it was cut short by
 *       a request that does not fit or mix, or at once when the delay is 0. Without dynamic
 *       batching the first request leaves alone, at once.
 *   <li>Instances: a batch leaves only to an instance that is idle, not suspect and not retired. A
 *       batch to retry goes before any queued request, to another instance than the one that failed
 *       it (the same one only when no other exists or is coming); while it cannot go, nothing goes.
 *   <li>Failures: an internal failure makes the instance suspect and starts its replacement (once);
 *       its batch is retried once, without the requests that ended meanwhile; a second failure
 *       fails the batch. Rejected inputs in a batch of several requests (without preserve_ordering)
 *       run each request alone again. A batch waiting to be retried loses every request that ends
 *       while it waits (cancelled, or REJECT deadline passed); a batch left empty is dropped and
 *       never runs. A created replacement takes over and the old instance retires (closed once
 *       idle); a failed creation puts the suspect back in service.
 *   <li>Completion: a successful call answers its requests as it ends; with preserve_ordering,
 *       batches complete in the order they were formed (retries keep their place; a dropped retry
 *       gives its place up when it is dropped).
 * </ul>
 */
final class ReferenceScheduler {

  /** How a request ends. */
  enum Outcome {
    SUCCESS,
    QUEUE_FULL,
    BAD_PRIORITY,
    DEADLINE,
    CANCELLED,
    BACKEND_FAILED,
    BACKEND_INVALID
  }

  /** The scheduling settings under test. */
  record Rules(
      int maxBatch,
      boolean dynamic,
      List<Integer> preferred,
      long delayNanos,
      boolean preserveOrdering,
      int levels,
      int defaultLevel,
      int capacity,
      TimeoutAction action,
      long defaultTimeoutMicros,
      boolean allowOverride) {}

  /** A request as the model sees it. */
  static final class Req {
    final int id;
    final int level;
    final long size;
    final int shape;
    final boolean bad;
    final long arrival;
    final long deadline;
    boolean queued;
    boolean late;
    Outcome outcome;
    long seq = -1; // the batch it was formed into

    Req(int id, int level, long size, int shape, boolean bad, long arrival, long deadline) {
      this.id = id;
      this.level = level;
      this.size = size;
      this.shape = shape;
      this.bad = bad;
      this.arrival = arrival;
      this.deadline = deadline;
    }

    @Override
    public String toString() {
      return id
          + (level > 1 ? "@L" + level : "")
          + (size > 1 ? "x" + size : "")
          + (shape != 2 ? "w" + shape : "")
          + (late ? "(late)" : "");
    }
  }

  /** A formed batch. */
  static final class Batch {
    final List<Req> reqs;
    final long seq;
    int attempts;
    Worker failedOn;

    Batch(List<Req> reqs, long seq) {
      this.reqs = List.copyOf(reqs);
      this.seq = seq;
    }

    List<Integer> ids() {
      return reqs.stream().map(r -> r.id).toList();
    }

    long size() {
      return reqs.stream().mapToLong(r -> r.size).sum();
    }
  }

  /** An instance in service (or retiring). */
  static final class Worker {
    final int number;
    final HeldCalls.Instance instance;
    Batch running;
    boolean suspect;
    boolean retired;

    Worker(int number, HeldCalls.Instance instance) {
      this.number = number;
      this.instance = instance;
    }

    @Override
    public String toString() {
      return "#"
          + number
          + (running != null ? " busy" : "")
          + (suspect ? " suspect" : "")
          + (retired ? " retired" : "");
    }
  }

  /** Background work the batcher hands to its background executor, in order. */
  sealed interface Chore {}

  /** Create a replacement for {@code replacing}. */
  record Create(Worker replacing) implements Chore {}

  /** Close the instance of a retired worker. */
  record Close(Worker worker) implements Chore {}

  private sealed interface Event {}

  private record Cancel(Req r) implements Event {}

  private record Done(HeldCalls.Call call, Worker w, Batch b, HeldCalls.Ending ending)
      implements Event {}

  private record Created(Worker replacing, HeldCalls.Instance instance) implements Event {}

  private final Rules rules;
  private final List<ArrayDeque<Req>> levels = new ArrayList<>();
  private final ArrayDeque<Req> late = new ArrayDeque<>();
  private final int[] admitted;
  private final ArrayDeque<Batch> retries = new ArrayDeque<>();
  private final List<Worker> workers = new ArrayList<>();
  private final ArrayDeque<Chore> chores = new ArrayDeque<>();
  private final ArrayDeque<Event> inbox = new ArrayDeque<>();
  private final Map<HeldCalls.Call, Batch> calls = new HashMap<>();
  private final TreeMap<Long, Runnable> waiting =
      new TreeMap<>(); // finished batches held back by earlier ones
  private long completedBatches;
  private long nextSeq;
  private int nextWorker;
  private int creating;
  final List<Integer> workersCreated = new ArrayList<>();

  // What the statistics must say.
  long queueCount;
  long queueNanos;
  long queueMax;
  long executions;
  long executedElements;
  long timedOut;
  long cancelledQueued;
  long instanceFailures;
  long replacements;
  long replacementFailures;
  final Map<CloseReason, Long> closeReasons = new EnumMap<>(CloseReason.class);

  ReferenceScheduler(Rules rules, List<HeldCalls.Instance> instances) {
    this.rules = rules;
    this.admitted = new int[rules.levels()];
    for (int l = 0; l < rules.levels(); l++) {
      levels.add(new ArrayDeque<>());
    }
    for (HeldCalls.Instance i : instances) {
      addWorker(i);
    }
  }

  // ------------------------------------------------------------------ what the test reports

  /** A request submitted at {@code now}; its outcome is already set when it is refused at once. */
  Req submit(
      int id, long now, long priority, long timeoutMicros, long rows, int shape, boolean bad) {
    if (rules.levels() > 1 && priority > rules.levels()) {
      Req r = new Req(id, 0, rows, shape, bad, now, Long.MAX_VALUE);
      r.outcome = Outcome.BAD_PRIORITY;
      return r;
    }
    int level = priority == 0 || rules.levels() == 1 ? rules.defaultLevel() : (int) priority;
    long micros =
        timeoutMicros > 0 && rules.allowOverride() ? timeoutMicros : rules.defaultTimeoutMicros();
    long size = rules.dynamic() ? rows : 1;
    Req r =
        new Req(
            id, level, size, shape, bad, now, micros > 0 ? now + micros * 1000 : Long.MAX_VALUE);
    if (admitted[level - 1] >= rules.capacity()) {
      r.outcome = Outcome.QUEUE_FULL;
      return r;
    }
    admitted[level - 1]++;
    r.queued = true;
    levels.get(level - 1).add(r);
    return r;
  }

  /** The client cancelled the request's future. */
  void cancel(Req r) {
    if (r.outcome == null) {
      r.outcome = Outcome.CANCELLED;
      inbox.add(new Cancel(r));
    }
  }

  /**
   * The test ended a call; a successful one answers its requests on the spot unless ordering holds
   * them.
   */
  void finished(HeldCalls.Call call, HeldCalls.Ending ending) {
    Batch b = calls.remove(call);
    Worker w = worker(call.worker);
    if (ending == HeldCalls.Ending.ANSWER && !bad(b)) {
      executions++;
      executedElements += b.size();
      if (!rules.preserveOrdering()) {
        b.reqs.forEach(r -> complete(r, Outcome.SUCCESS));
      }
    }
    inbox.add(new Done(call, w, b, ending));
  }

  /** Returns the next background task the batcher must have queued, null when none. */
  Chore nextChore() {
    return chores.poll();
  }

  /** A replacement for {@code replacing} was created ({@code instance}) or failed (null). */
  void created(Worker replacing, HeldCalls.Instance instance) {
    inbox.add(new Created(replacing, instance));
  }

  // ------------------------------------------------------------------ a step of the rules

  /**
   * Applies what happened since the last step, then the timeouts, then hands out batches, checking
   * each against {@code handedOut} (the calls the batcher started in the same step, in order).
   * Returns the time by which the batcher must look again: the next queue deadline, or when the
   * waiting batch's delay runs out while an instance is free; {@code Long.MAX_VALUE} = only on an
   * event.
   */
  long step(long now, List<HeldCalls.Call> handedOut) {
    Event e;
    while ((e = inbox.poll()) != null) {
      switch (e) {
        case Cancel c -> withdraw(c.r());
        case Done d -> done(d);
        case Created c -> created(c);
      }
    }
    expire(now);
    dropEnded();
    long wake = handOut(now, handedOut);
    for (ArrayDeque<Req> q : levels) {
      for (Req r : q) {
        if (r.deadline != Long.MAX_VALUE) {
          wake = Math.min(wake, r.deadline);
        }
      }
    }
    if (rules.action() == TimeoutAction.REJECT) {
      for (Batch b : retries) {
        for (Req r : b.reqs) {
          wake = Math.min(wake, r.deadline);
        }
      }
      for (Worker w : workers) {
        if (w.running != null) {
          for (Req r : w.running.reqs) {
            if (r.outcome == null) {
              wake = Math.min(wake, r.deadline);
            }
          }
        }
      }
    }
    return wake;
  }

  private void withdraw(Req r) {
    if (r.queued) {
      (r.late ? late : levels.get(r.level - 1)).remove(r);
      r.queued = false;
      admitted[r.level - 1]--;
      cancelledQueued++;
    }
  }

  private void expire(long now) {
    List<Req> due = new ArrayList<>();
    for (ArrayDeque<Req> q : levels) {
      for (Req r : q) {
        if (r.deadline <= now) {
          due.add(r);
        }
      }
    }
    due.sort(Comparator.<Req>comparingLong(r -> r.deadline).thenComparingInt(r -> r.id));
    for (Req r : due) {
      levels.get(r.level - 1).remove(r);
      if (rules.action() == TimeoutAction.REJECT) {
        r.queued = false;
        admitted[r.level - 1]--;
        timedOut++;
        complete(r, Outcome.DEADLINE);
      } else {
        r.late = true;
        late.add(r);
      }
    }
    if (rules.action() == TimeoutAction.REJECT) {
      for (Batch b : retries) {
        for (Req r : b.reqs) {
          if (r.outcome == null && r.deadline <= now) {
            timedOut++;
            complete(r, Outcome.DEADLINE);
          }
        }
      }
      for (Worker w : workers) {
        if (w.running != null) {
          for (Req r : w.running.reqs) {
            if (r.outcome == null && r.deadline <= now) {
              timedOut++;
              complete(r, Outcome.DEADLINE);
            }
          }
        }
      }
    }
  }

  /**
   * Takes the requests that ended out of the batches waiting to be retried; drops emptied batches.
   */
  private void dropEnded() {
    List<Batch> waitingBatches = List.copyOf(retries);
    retries.clear();
    for (Batch b : waitingBatches) {
      List<Req> open = b.reqs.stream().filter(r -> r.outcome == null).toList();
      if (open.isEmpty()) {
        release(b.seq, () -> {});
      } else if (open.size() == b.reqs.size()) {
        retries.add(b);
      } else {
        Batch rest = new Batch(open, b.seq);
        rest.attempts = b.attempts;
        rest.failedOn = b.failedOn;
        retries.add(rest);
      }
    }
  }

  private long handOut(long now, List<HeldCalls.Call> handedOut) {
    int next = 0;
    long wake = Long.MAX_VALUE;
    while (true) {
      List<Worker> idle =
          workers.stream().filter(w -> w.running == null && !w.suspect && !w.retired).toList();
      if (idle.isEmpty()) {
        break;
      }
      if (!retries.isEmpty()) {
        Batch b = retries.peek();
        List<Worker> allowed = idle.stream().filter(w -> w != b.failedOn).toList();
        if (allowed.isEmpty()
            && creating == 0
            && workers.stream().allMatch(w -> w == b.failedOn || w.retired)) {
          allowed = idle;
        }
        if (allowed.isEmpty()) {
          break; // the retry waits for another instance, and everything waits behind it
        }
        start(expect(handedOut, next++, b, allowed, now, "retry"), retries.poll());
        continue;
      }
      Formed f = form(now);
      if (f == null) {
        break;
      }
      if (!f.leaves()) {
        wake = f.dueAt();
        break;
      }
      Batch b = new Batch(f.reqs(), nextSeq++);
      HeldCalls.Call c = expect(handedOut, next++, b, idle, now, f.why());
      closeReasons.merge(f.reason(), 1L, Long::sum);
      for (Req r : b.reqs) {
        (r.late ? late : levels.get(r.level - 1)).remove(r);
        r.queued = false;
        r.seq = b.seq;
        admitted[r.level - 1]--;
        long waited = now - r.arrival;
        queueCount++;
        queueNanos += waited;
        queueMax = Math.max(queueMax, waited);
      }
      start(c, b);
    }
    if (next < handedOut.size()) {
      throw new AssertionError(
          "the batcher handed out "
              + handedOut.get(next).ids
              + " at t="
              + now
              + " but the rules send nothing more; "
              + state(now));
    }
    return wake;
  }

  /**
   * A candidate batch: whether it leaves now, or when it will, and why (the statistics' reason).
   */
  record Formed(List<Req> reqs, boolean leaves, long dueAt, CloseReason reason, String why) {}

  /** Applies the batch-forming rules to the queue; null when the queue is empty. */
  private Formed form(long now) {
    return form(rules, order(), now);
  }

  /**
   * Applies the batch-forming rules to queued requests in scheduling order; null when there are
   * none.
   */
  static Formed form(Rules rules, List<Req> order, long now) {
    if (order.isEmpty()) {
      return null;
    }
    if (!rules.dynamic()) {
      return new Formed(List.of(order.get(0)), true, now, CloseReason.UNBATCHED, "unbatched");
    }
    Req first = order.get(0);
    List<Req> run = new ArrayList<>();
    long total = 0;
    boolean cut = false;
    for (Req r : order) {
      if (r.shape != first.shape || total + r.size > rules.maxBatch()) {
        cut = true;
        break;
      }
      run.add(r);
      total += r.size;
    }
    if (total == rules.maxBatch()) {
      return new Formed(run, true, now, CloseReason.FULL, "full");
    }
    long oldest = run.stream().mapToLong(r -> r.arrival).min().orElseThrow();
    if (rules.delayNanos() > 0 && now - oldest >= rules.delayNanos()) {
      return new Formed(
          run,
          true,
          now,
          CloseReason.DELAY_EXPIRED,
          "delay expired"); // preferred sizes no longer matter
    }
    for (int n = run.size(); n > 0; n--) {
      long s = run.subList(0, n).stream().mapToLong(r -> r.size).sum();
      if (rules.preferred().contains((int) s)) {
        return new Formed(run.subList(0, n), true, now, CloseReason.PREFERRED, "preferred " + s);
      }
    }
    if (cut) {
      return new Formed(run, true, now, CloseReason.FULL, "cut short");
    }
    if (rules.delayNanos() == 0) {
      return new Formed(run, true, now, CloseReason.INSTANCE_FREE, "no delay");
    }
    return new Formed(run, false, oldest + rules.delayNanos(), null, "waiting");
  }

  private List<Req> order() {
    List<Req> all = new ArrayList<>();
    levels.forEach(all::addAll);
    all.addAll(late);
    return all;
  }

  private HeldCalls.Call expect(
      List<HeldCalls.Call> handedOut, int i, Batch b, List<Worker> allowed, long now, String why) {
    if (i >= handedOut.size()) {
      throw new AssertionError(
          "the rules send "
              + b.reqs
              + " ("
              + why
              + ") at t="
              + now
              + " but the batcher sent nothing; "
              + state(now));
    }
    HeldCalls.Call c = handedOut.get(i);
    if (!c.ids.equals(b.ids())) {
      throw new AssertionError(
          "the rules send "
              + b.reqs
              + " ("
              + why
              + ") at t="
              + now
              + " but the batcher sent "
              + c.ids
              + "; "
              + state(now));
    }
    Worker w = worker(c.worker);
    if (w == null || !allowed.contains(w)) {
      throw new AssertionError(
          "batch "
              + c.ids
              + " went to instance #"
              + c.worker
              + ", allowed: "
              + allowed
              + "; "
              + state(now));
    }
    if (c.instance != w.instance) {
      throw new AssertionError("worker #" + c.worker + " called another worker's instance");
    }
    return c;
  }

  private void start(HeldCalls.Call c, Batch b) {
    b.attempts++;
    worker(c.worker).running = b;
    calls.put(c, b);
  }

  private void done(Done d) {
    Worker w = d.w();
    Batch b = d.b();
    w.running = null;
    if (w.retired) {
      closeWorker(w);
    }
    if (d.ending() == HeldCalls.Ending.ANSWER && !bad(b)) {
      if (rules.preserveOrdering()) {
        release(b.seq, () -> b.reqs.forEach(r -> complete(r, Outcome.SUCCESS)));
      }
      return;
    }
    boolean invalid = d.ending() == HeldCalls.Ending.ANSWER;
    if (invalid && b.reqs.size() > 1 && !rules.preserveOrdering()) {
      for (Req r : b.reqs) {
        if (r.outcome == null) {
          Batch alone = new Batch(List.of(r), nextSeq++);
          r.seq = alone.seq;
          retries.add(alone);
        }
      }
      return;
    }
    if (!invalid) {
      instanceFailures++;
      if (!w.suspect && !w.retired) {
        w.suspect = true;
        creating++;
        chores.add(new Create(w));
      }
      if (b.attempts == 1) {
        // The step applies the timeouts and drops the requests that ended before anything leaves.
        Batch retry = new Batch(b.reqs, b.seq);
        retry.attempts = b.attempts;
        retry.failedOn = w;
        retries.add(retry);
        return;
      }
    }
    Outcome o = invalid ? Outcome.BACKEND_INVALID : Outcome.BACKEND_FAILED;
    release(b.seq, () -> b.reqs.forEach(r -> complete(r, o)));
  }

  /** Completes a batch's requests, or with preserve_ordering once every earlier batch completed. */
  private void release(long seq, Runnable completion) {
    if (!rules.preserveOrdering()) {
      completion.run();
      return;
    }
    waiting.put(seq, completion);
    while (!waiting.isEmpty() && waiting.firstKey() == completedBatches) {
      waiting.pollFirstEntry().getValue().run();
      completedBatches++;
    }
  }

  private void created(Created c) {
    creating--;
    Worker old = c.replacing();
    if (c.instance() == null) {
      replacementFailures++;
      old.suspect = false;
      return;
    }
    replacements++;
    addWorker(c.instance());
    old.retired = true;
    if (old.running == null) {
      closeWorker(old);
    }
  }

  private void addWorker(HeldCalls.Instance i) {
    workers.add(new Worker(nextWorker, i));
    workersCreated.add(nextWorker);
    nextWorker++;
  }

  private void closeWorker(Worker w) {
    workers.remove(w);
    chores.add(new Close(w));
  }

  private static boolean bad(Batch b) {
    return b.reqs.stream().anyMatch(r -> r.bad);
  }

  private static void complete(Req r, Outcome o) {
    if (r.outcome == null) {
      r.outcome = o;
    }
  }

  // ------------------------------------------------------------------ queries

  private Worker worker(int number) {
    for (Worker w : workers) {
      if (w.number == number) {
        return w;
      }
    }
    return null;
  }

  /** Whether an instance could take a batch now and no retry holds the queue back. */
  boolean instanceFreeForQueue() {
    return retries.isEmpty()
        && workers.stream().anyMatch(w -> w.running == null && !w.suspect && !w.retired);
  }

  /** The queued requests (late ones included). */
  List<Req> queued() {
    return order();
  }

  /** Whether nothing is queued, retried, running or waiting for the batcher. */
  boolean idle() {
    return order().isEmpty()
        && retries.isEmpty()
        && calls.isEmpty()
        && inbox.isEmpty()
        && creating == 0;
  }

  boolean hasChores() {
    return !chores.isEmpty();
  }

  /** A one-line picture of the model, for failure messages. */
  String state(long now) {
    return "queues "
        + levels
        + " late "
        + late
        + " retries "
        + retries.stream().map(b -> b.ids().toString()).collect(Collectors.joining(","))
        + " workers "
        + workers
        + " creating "
        + creating
        + " t="
        + now;
  }
}
