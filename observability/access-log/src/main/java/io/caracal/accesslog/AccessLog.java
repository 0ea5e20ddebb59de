package io.caracal.accesslog;

import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallRecord;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log as a {@link CallListener}: the thread that finishes a call renders its line
 * ({@link AccessLine}, a few hundred nanoseconds) while the call's record is still in that core's
 * cache, and the line joins a bounded queue; one writer thread takes a line and what follows it
 * within 20 ms (up to {@value #BATCH} lines) and hands them to the sink as one block, by default
 * the {@code caracal.access} logger at INFO. At tens of thousands of calls a second that is one
 * logger event and one write per 256 calls instead of per call (a write per line cost the writer
 * thread 8 µs of CPU per call); rendering on the writer instead cost it about a microsecond a call,
 * most of it reading records another core had written 20 ms before. A request thread never blocks
 * and never waits for the disk: when the queue is full the line is dropped and counted ({@link
 * #dropped()}). {@link #close} writes what is queued, then stops the thread.
 */
public final class AccessLog implements CallListener, AutoCloseable {
  /** The logger the lines go to. */
  public static final String LOGGER = "caracal.access";

  /** Calls written at most in one block. */
  static final int BATCH = 256;

  /**
   * How long the writer lets calls queue up once it has one: the longest a line waits before it is
   * written, and what turns a busy server's log into few large writes.
   */
  static final long LINGER_MILLIS = 20;

  /** Calls queued at most before new ones are dropped. */
  public static final int DEFAULT_CAPACITY = 16_384;

  private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
  private static final byte[] STOP = new byte[0];

  /** A block's buffer grown past this for one large block is not kept for the next. */
  private static final int KEEP_BLOCK = 1 << 20;

  private final BlockingQueue<byte[]> queue;
  private final Consumer<String> sink;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final Thread writer;
  private final ThreadLocal<AccessLine> renderers = ThreadLocal.withInitial(AccessLine::new);
  private final AsciiJsonLine block = new AsciiJsonLine(64 * 1024); // the writer thread's

  /** Writes to the {@code caracal.access} logger. */
  public static AccessLog toLogger() {
    Logger access = LoggerFactory.getLogger(LOGGER);
    return new AccessLog(DEFAULT_CAPACITY, access::info);
  }

  /**
   * Writes each line to {@code sink} from one thread.
   *
   * @param capacity calls queued at most
   */
  public AccessLog(int capacity, Consumer<String> sink) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.sink = sink;
    this.writer = Thread.ofPlatform().daemon().name("access-log").unstarted(this::run);
    writer.start();
  }

  @Override
  public void finished(CallRecord call) {
    byte[] line;
    try {
      line = renderers.get().line(call);
    } catch (RuntimeException e) { // a listener never throws into the transport
      dropped.incrementAndGet();
      log.debug("access log line not rendered", e);
      return;
    }
    if (!queue.offer(line)) {
      dropped.incrementAndGet();
    }
  }

  /**
   * Calls not logged because the queue was full (or, which no test has seen, their line failed to
   * render).
   */
  public long dropped() {
    return dropped.get();
  }

  /** Lines handed to the sink. */
  public long written() {
    return written.get();
  }

  /*
   * The writer wakes once per burst, not once per call: it blocks in take() only when the queue
   * is empty, then lingers without being signalled (a producer's offer() then wakes nobody) and
   * writes everything that queued meanwhile, in blocks of BATCH. Waking per call cost a futex
   * wake-up on the request thread and a context switch on this one for every line (about 10 µs of
   * CPU per call at 10,000 calls a second).
   */
  private void run() {
    java.util.List<byte[]> batch = new java.util.ArrayList<>(BATCH);
    while (true) {
      byte[] first;
      try {
        first = queue.take();
        if (first != STOP) {
          Thread.sleep(LINGER_MILLIS); // let the burst queue up: not an ordering wait
        }
      } catch (InterruptedException e) {
        return;
      }
      batch.add(first);
      while (true) {
        queue.drainTo(batch, BATCH - batch.size());
        if (batch.isEmpty()) {
          break;
        }
        int at = batch.indexOf(STOP);
        if (at >= 0) {
          batch.subList(at, batch.size()).clear(); // nothing is queued after STOP
          write(batch);
          return;
        }
        write(batch);
        batch.clear();
      }
    }
  }

  private void write(java.util.List<byte[]> batch) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      sink.accept(join(batch));
      written.addAndGet(batch.size());
    } catch (RuntimeException e) {
      log.warn("{} access log lines not written: {}", batch.size(), e.toString());
    }
  }

  /** Returns the lines (ASCII) one per line, without a final line break. */
  private String join(java.util.List<byte[]> lines) {
    block.reset(KEEP_BLOCK);
    for (int i = 0; i < lines.size(); i++) {
      if (i > 0) {
        block.put('\n');
      }
      block.ascii(lines.get(i));
    }
    return block.text();
  }

  /** Writes the queued lines (waiting up to 5 s), then stops the writer thread. */
  @Override
  public void close() {
    try {
      if (!queue.offer(STOP, 5, TimeUnit.SECONDS)) {
        writer.interrupt();
      }
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      writer.interrupt();
      Thread.currentThread().interrupt();
    }
  }
}
