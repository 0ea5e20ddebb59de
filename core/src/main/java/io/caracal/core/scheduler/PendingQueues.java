package io.caracal.core.scheduler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The queued requests of one model version: a FIFO per priority level and one for late requests,
 * read in scheduling order (level 1 first, arrival order within a level, late requests last). Every
 * request that leaves gives its place back to the {@link Admission}. Batcher thread only.
 */
final class PendingQueues {
  /*
   * Owned by the batcher thread (or the test calling DynamicBatcher.step), not thread-safe.
   *
   * A request's states here, with Pending.queued and Pending.late:
   *   add            --> in its level's queue  (queued)
   *   makeLate       --> in the late queue     (queued, late): its DELAY timeout passed
   *   withdraw, take,
   *   purgeDone, drain --> gone                (not queued), its Admission place released
   * arrival numbers the requests in the order the batcher took them in; the Deadlines heap breaks
   * ties with it, so requests that become late together stay in arrival order.
   *
   * order() is a view, not a copy: BatchRule reads it, then take(n) removes that prefix of it.
   */

  private final List<ArrayDeque<Pending>> levels = new ArrayList<>();
  private final ArrayDeque<Pending> late = new ArrayDeque<>();
  private final Admission admission;
  private long nextArrival;

  /**
   * Creates empty queues for {@code levels} priority levels, releasing places to {@code admission}.
   */
  PendingQueues(int levels, Admission admission) {
    this.admission = admission;
    for (int l = 0; l < levels; l++) {
      this.levels.add(new ArrayDeque<>());
    }
  }

  /** Queues an admitted request at the back of its level. */
  void add(Pending p) {
    p.queued = true;
    p.arrival = nextArrival++;
    levels.get(p.level - 1).add(p);
  }

  /** Takes a queued request out (cancelled, or timed out); returns false when it was not queued. */
  boolean withdraw(Pending p) {
    if (!p.queued) {
      return false;
    }
    queueOf(p).remove(p);
    leave(p);
    return true;
  }

  /**
   * Moves a queued request whose DELAY timeout passed behind every request that has not timed out.
   */
  void makeLate(Pending p) {
    levels.get(p.level - 1).remove(p);
    p.late = true;
    late.add(p);
  }

  /**
   * Takes out the requests whose future already completed (cancelled before the batcher saw it).
   */
  void purgeDone() {
    for (ArrayDeque<Pending> q : levels) {
      removeDone(q);
    }
    removeDone(late);
  }

  private void removeDone(ArrayDeque<Pending> q) {
    for (Iterator<Pending> it = q.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (p.future.isDone()) {
        it.remove();
        leave(p);
      }
    }
  }

  /** Returns the first request in scheduling order, null when nothing is queued. */
  @Nullable Pending head() {
    for (ArrayDeque<Pending> q : levels) {
      if (!q.isEmpty()) {
        return q.peek();
      }
    }
    return late.peek();
  }

  /**
   * Returns the queued requests in scheduling order: a live view, valid until the queues change.
   */
  Iterable<Pending> order() {
    return InOrder::new;
  }

  /**
   * Takes the first {@code count} requests of the scheduling order out of the queues, in that
   * order.
   */
  List<Pending> take(int count) {
    List<Pending> out = new ArrayList<>(count);
    for (int q = 0; q <= levels.size() && out.size() < count; q++) {
      ArrayDeque<Pending> queue = q < levels.size() ? levels.get(q) : late;
      while (out.size() < count && !queue.isEmpty()) {
        Pending p = queue.poll();
        leave(p);
        out.add(p);
      }
    }
    return out;
  }

  /** Takes every request out, in scheduling order, handing each to {@code each} once it left. */
  void drain(Consumer<Pending> each) {
    for (ArrayDeque<Pending> q : levels) {
      drain(q, each);
    }
    drain(late, each);
  }

  private void drain(ArrayDeque<Pending> q, Consumer<Pending> each) {
    Pending p;
    while ((p = q.poll()) != null) {
      leave(p);
      each.accept(p);
    }
  }

  private ArrayDeque<Pending> queueOf(Pending p) {
    return p.late ? late : levels.get(p.level - 1);
  }

  private void leave(Pending p) {
    p.queued = false;
    admission.release(p.level);
  }

  /** Iterates the levels' queues, then the late queue. */
  private final class InOrder implements Iterator<Pending> {
    private int next; // the queue after the current one; levels.size() is the late queue
    private Iterator<Pending> current = Collections.emptyIterator();

    @Override
    public boolean hasNext() {
      while (!current.hasNext() && next <= levels.size()) {
        current = (next < levels.size() ? levels.get(next) : late).iterator();
        next++;
      }
      return current.hasNext();
    }

    @Override
    public Pending next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return current.next();
    }
  }
}
