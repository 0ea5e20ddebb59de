package io.caracal.accesslog;

import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallRecord;
import java.util.Arrays;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log as a {@link CallListener}. The thread that finishes a call copies what its line
 * shows ({@link AccessEntry}: a few numbers and references, tens of nanoseconds) into a block of
 * entries of its own; one writer thread takes every thread's block once per {@value #LINGER_MILLIS}
 * ms, renders its lines ({@link AccessLine}) and hands them to the sink as one block ({@link
 * AccessLines}), by default one event of the {@code caracal.access} logger at INFO.
 *
 * <p>Why this shape (docs/performance.md, "Access log"): at tens of thousands of calls a second a
 * write per line cost the writer 8 µs of CPU per call, and a shared queue a copy, an allocation and
 * a lock that every request thread and the writer take. Rendering the line on the thread that
 * answered the call cost that thread about five times what the same code costs in a loop (most
 * likely because that thread's other work between two calls pushes the renderer's code and branches
 * out of the core's caches and predictors), and rendering from the records on the writer was slower
 * still (each record is written by several threads, over several cache lines). The writer renders a
 * block of entries in one loop, warm. A thread's block is locked by that thread for each entry and
 * by the writer only to swap it for an empty one, so the lock is almost never contended. Lines of
 * one thread keep their order; lines of different threads are written block by block, not
 * interleaved by time (each line carries its time).
 *
 * <p>A request thread never blocks and never waits for the disk: when its block already holds
 * {@code capacity} calls (the sink has fallen behind) the call is dropped and counted ({@link
 * #dropped()}). The writer sleeps while no call waits and is woken by the first one. Calls finished
 * on virtual threads (management calls) share one block. {@link #close} writes what is pending,
 * then stops the thread.
 */
public final class AccessLog implements CallListener, AutoCloseable {
  /** The logger the lines go to. */
  public static final String LOGGER = "caracal.access";

  /**
   * How long the writer lets lines gather once one is pending: the longest a line waits before it
   * is written, and what turns a busy server's log into few large writes.
   */
  static final long LINGER_MILLIS = 20;

  /** Lines one thread may have pending before its new ones are dropped. */
  public static final int DEFAULT_CAPACITY = 4096;

  /** The writer's text buffer, grown past this for one burst, is not kept for the next. */
  private static final int KEEP_BLOCK = 1 << 20;

  /** Entries a thread's block starts with; it grows by doubling up to the capacity. */
  private static final int INITIAL_ENTRIES = 256;

  /** A block of entries grown past this for one burst is not kept for the next. */
  private static final int KEEP_ENTRIES = 1024;

  private static final Logger log = LoggerFactory.getLogger(AccessLog.class);

  private final int capacity;
  private final Consumer<AccessLines> sink;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final CopyOnWriteArrayList<Pending> threads = new CopyOnWriteArrayList<>();
  private final ThreadLocal<Pending> mine = ThreadLocal.withInitial(this::register);
  private final Pending shared = new Pending(null);
  private final Thread writer;
  // the writer thread's
  private final AccessLine renderer = new AccessLine();
  private final AsciiJsonLine out = new AsciiJsonLine(64 * 1024);
  private AccessEntry[] spare = entries(INITIAL_ENTRIES);
  private volatile boolean idle;
  private volatile boolean closing;

  /** Writes to the {@code caracal.access} logger. */
  public static AccessLog toLogger() {
    Logger access = LoggerFactory.getLogger(LOGGER);
    return new AccessLog(DEFAULT_CAPACITY, lines -> access.info("{}", lines));
  }

  /**
   * Writes the lines to {@code sink} from one thread, a block of lines at a time.
   *
   * @param capacity lines one thread may have pending at most
   */
  public AccessLog(int capacity, Consumer<AccessLines> sink) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
    this.sink = sink;
    threads.add(shared);
    this.writer = Thread.ofPlatform().daemon().name("access-log").unstarted(this::run);
    writer.start();
  }

  private Pending register() {
    Pending p = new Pending(Thread.currentThread());
    threads.add(p);
    return p;
  }

  @Override
  public void finished(CallRecord call) {
    if (closing) {
      dropped.incrementAndGet();
      return;
    }
    Pending p = Thread.currentThread().isVirtual() ? shared : mine.get();
    boolean first;
    synchronized (p) {
      int n = p.count;
      if (n >= capacity) {
        dropped.incrementAndGet();
        return;
      }
      AccessEntry[] entries = p.entries;
      if (n == entries.length) {
        entries = p.entries = grown(entries, capacity);
      }
      try {
        entries[n].copy(call);
      } catch (RuntimeException e) { // a listener never throws into the transport
        dropped.incrementAndGet();
        log.debug("access log entry not kept", e);
        return;
      }
      p.count = n + 1;
      first = n == 0;
    }
    if (first && idle) {
      LockSupport.unpark(writer);
    }
  }

  /**
   * Calls not logged because their thread's block was full (or, which no test has seen, their line
   * failed to render), or because the log was closed.
   */
  public long dropped() {
    return dropped.get();
  }

  /** Lines handed to the sink. */
  public long written() {
    return written.get();
  }

  /*
   * The writer wakes once per burst, not once per call: with nothing pending it parks, after
   * saying so (idle); the thread whose line makes its block non-empty unparks it. Then it lingers
   * without being signalled, so that the lines of the next LINGER_MILLIS gather, and writes every
   * block. The idle flag and the blocks' locks order the two sides: either the writer sees the new
   * line when it looks again after setting idle, or the line's thread sees idle and wakes it.
   */
  private void run() {
    while (true) {
      if (writeAll() == 0) {
        if (closing) {
          return;
        }
        idle = true;
        if (pendingLines() == 0 && !closing) {
          LockSupport.park(this);
        }
        idle = false;
        continue;
      }
      if (!closing) {
        try {
          Thread.sleep(LINGER_MILLIS); // let the burst gather: not an ordering wait
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** Blocks the writer keeps: one per platform thread that logged and lives, and the shared one. */
  int threadBlocks() {
    return threads.size();
  }

  private int pendingLines() {
    int n = 0;
    for (Pending p : threads) {
      synchronized (p) {
        n += p.count;
      }
    }
    return n;
  }

  /** Swaps each block for an empty one and writes it; returns the lines written. */
  private int writeAll() {
    int total = 0;
    for (Pending p : threads) {
      boolean gone = p.owner != null && !p.owner.isAlive(); // then nothing more comes
      AccessEntry[] full;
      int count;
      synchronized (p) {
        count = p.count;
        if (count == 0) {
          if (gone) {
            threads.remove(p);
          }
          continue;
        }
        full = p.entries;
        p.entries = spare;
        p.count = 0;
      }
      int rendered = render(full, count);
      if (rendered > 0) {
        try {
          sink.accept(new AccessLines(out.bytes(), rendered));
          written.addAndGet(rendered);
        } catch (RuntimeException e) {
          log.warn("{} access log lines not written: {}", rendered, e.toString());
        }
      }
      spare = full.length > KEEP_ENTRIES ? entries(INITIAL_ENTRIES) : full;
      total += count;
      if (gone) {
        threads.remove(p);
      }
    }
    return total;
  }

  /**
   * Renders the first {@code count} entries into {@link #out}, each line with its line break;
   * returns how many it rendered.
   */
  private int render(AccessEntry[] entries, int count) {
    out.reset(KEEP_BLOCK);
    return renderer.appendAll(
        out,
        entries,
        count,
        e -> {
          dropped.incrementAndGet();
          log.debug("access log line not rendered", e);
        });
  }

  private static AccessEntry[] grown(AccessEntry[] entries, int capacity) {
    return filled(Arrays.copyOf(entries, Math.min(capacity, entries.length * 2)), entries.length);
  }

  private static AccessEntry[] entries(int n) {
    return filled(new AccessEntry[n], 0);
  }

  /** Puts a new entry in every slot of {@code entries} from {@code from} on; returns the array. */
  private static AccessEntry[] filled(AccessEntry[] entries, int from) {
    for (int i = from; i < entries.length; i++) {
      entries[i] = new AccessEntry();
    }
    return entries;
  }

  /** Writes the pending lines (waiting up to 5 s), then stops the writer thread. */
  @Override
  public void close() {
    closing = true;
    LockSupport.unpark(writer);
    try {
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      writer.interrupt();
    }
  }

  /** One thread's calls waiting for the writer; guarded by itself. */
  private static final class Pending {
    final @Nullable Thread owner; // null: the block that virtual threads share
    AccessEntry[] entries = entries(INITIAL_ENTRIES);
    int count;

    Pending(@Nullable Thread owner) {
      this.owner = owner;
    }
  }
}
