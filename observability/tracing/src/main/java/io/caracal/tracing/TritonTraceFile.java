package io.caracal.tracing;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.caracal.api.BatchExecution;
import io.caracal.core.observe.CallListener;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.trace.TraceSettings;
import io.opentelemetry.sdk.trace.IdGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Triton's own trace mode: sampled calls (the same sampling as {@link TracingListener}) are written
 * as Triton's JSON array to the file the operator named at start, {@code [{"id", "model_name",
 * "model_version", "request_id", "parent_id"}, {"id", "timestamps": [{"name", "ns"}, ...]}, ...]},
 * timestamps in the server's monotonic nanoseconds as Triton's steady clock. With {@code
 * log_frequency} 0 every trace goes to the file when the server stops; with N, every N traces go to
 * {@code <file>.<index>} (index from 0), and the rest when it stops. Only those files are written,
 * on one background thread; a call never waits for the disk. Thread-safe.
 */
final class TritonTraceFile implements CallListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TritonTraceFile.class);

  /** A sampled call's trace number, kept in its record. */
  private record Trace(long id) {}

  private final TraceSettings settings;
  private final TraceSampler sampler;
  private final Path file;
  private final IdGenerator ids = IdGenerator.random();
  private final AtomicLong nextId = new AtomicLong();
  private final ExecutorService writer =
      Executors.newSingleThreadExecutor(
          Thread.ofPlatform().name("trace-file-writer").daemon().factory());
  private final ReentrantLock lock = new ReentrantLock();

  @GuardedBy("lock")
  private List<String> pending = new ArrayList<>();

  @GuardedBy("lock")
  private int fileIndex;

  @GuardedBy("lock")
  private boolean closed;

  TritonTraceFile(TraceSettings settings, TraceSampler sampler, Path file) {
    this.settings = settings;
    this.sampler = sampler;
    this.file = file;
  }

  @Override
  public void started(CallRecord call) {
    sampler.start(
        settings,
        call,
        (c, s) ->
            c.traced(
                s.parent().isValid() ? s.parent().getTraceId() : ids.generateTraceId(),
                ids.generateSpanId(),
                true,
                new Trace(nextId.incrementAndGet())));
  }

  @Override
  public void finished(CallRecord call) {
    if (!(call.traceState() instanceof Trace t)) {
      return;
    }
    String json = json(call, t.id());
    long frequency = settings.scope(call.requestedModel()).logFrequency();
    lock.lock();
    try {
      if (closed) {
        return;
      }
      pending.add(json);
      if (frequency > 0 && pending.size() >= frequency) {
        submit(file.resolveSibling(file.getFileName() + "." + fileIndex++), pending);
        pending = new ArrayList<>();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Writes what is left (to the file, or to the next indexed file) and waits up to 10 s. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (fileIndex == 0 && settings.get(null).logFrequency() == 0) {
        submit(file, pending);
      } else if (!pending.isEmpty()) {
        submit(file.resolveSibling(file.getFileName() + "." + fileIndex++), pending);
      }
      pending = new ArrayList<>();
    } finally {
      lock.unlock();
    }
    writer.shutdown();
    try {
      if (!writer.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("traces: the trace file was not written within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void submit(Path target, List<String> traces) {
    writer.execute(() -> {
      try {
        Files.writeString(target, "[" + String.join(",", traces) + "]", StandardCharsets.UTF_8);
      } catch (IOException e) {
        log.warn("traces: cannot write {}: {}", target, e.toString());
      }
    });
  }

  /** Triton's two objects of one trace. */
  static String json(CallRecord call, long id) {
    StringBuilder b = new StringBuilder(512);
    b.append("{\"id\":").append(id).append(",\"model_name\":");
    string(b, call.model() != null ? call.model() : call.requestedModel());
    b.append(",\"model_version\":").append(Math.max(call.version(), 0));
    b.append(",\"request_id\":");
    string(b, call.requestId());
    b.append(",\"parent_id\":0},{\"id\":").append(id).append(",\"timestamps\":[");
    stamp(b, "REQUEST_START", call.startNanos(), true);
    if (call.dequeuedNanos() >= 0) {
      stamp(b, "QUEUE_START", call.enqueuedNanos(), false);
    }
    BatchExecution e = call.execution();
    if (e != null) {
      stamp(b, "COMPUTE_START", e.startNanos(), false);
      stamp(b, "COMPUTE_INPUT_END", e.inputEndNanos(), false);
      stamp(b, "COMPUTE_OUTPUT_START", e.inferEndNanos(), false);
      stamp(b, "COMPUTE_END", e.endNanos(), false);
    }
    if (call.endNanos() >= 0) {
      stamp(b, "REQUEST_END", call.endNanos(), false);
    }
    return b.append("]}").toString();
  }

  private static void stamp(StringBuilder b, String name, long ns, boolean first) {
    b.append(first ? "" : ",").append("{\"name\":\"").append(name).append("\",\"ns\":").append(ns);
    b.append('}');
  }

  /** A JSON string: quotes, backslashes and control characters escaped. */
  private static void string(StringBuilder b, @org.jspecify.annotations.Nullable String s) {
    if (s == null) {
      b.append("\"\"");
      return;
    }
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }
}
