package io.caracal.core.scheduler;

import io.caracal.api.NamedTensor;
import io.caracal.api.Tensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelSignature;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Backend calls that stay open until the test ends them, so that a test sees each batch the moment
 * the batcher hands it out, and decides later when and how it finishes. Each call runs on a virtual
 * thread of its own that blocks in {@link Instance#infer} until {@link #finish}; the test thread
 * waits for every hand-off ({@link #takeStarted}) and every finish, so the interleaving is the
 * test's alone and the run is deterministic. Requests are rows {@code [id * 1000 + row, v...]} of
 * INT32; a value -1 makes the instance reject the inputs.
 */
final class HeldCalls {
  private static final long WAIT_SECONDS = 30;

  /**
   * How the test ends a call; a call with a -1 in its inputs fails as invalid input unless FAIL.
   */
  enum Ending {
    /** The instance answers (echo), or rejects bad inputs. */
    ANSWER,
    /** The instance fails internally ("device lost"). */
    FAIL
  }

  /** One backend call: where and when it was handed out, and the requests it carries. */
  static final class Call {
    final int worker;
    final long dispatchedAt;
    final CompletableFuture<Void> started = new CompletableFuture<>();
    final CompletableFuture<Ending> gate = new CompletableFuture<>();
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    volatile List<Integer> ids = List.of();
    volatile long rows;
    volatile Instance instance;

    Call(int worker, long dispatchedAt) {
      this.worker = worker;
      this.dispatchedAt = dispatchedAt;
    }
  }

  private final Ticker ticker;
  private final ThreadLocal<Call> current = new ThreadLocal<>();
  private final ConcurrentLinkedQueue<Call> handedOut = new ConcurrentLinkedQueue<>();
  private final List<Call> open = new ArrayList<>();
  final List<Integer> executorsCreated = new ArrayList<>();

  HeldCalls(Ticker ticker) {
    this.ticker = ticker;
  }

  /** The executor of worker {@code n}: every task becomes a held call on a virtual thread. */
  Executor executor(int n) {
    executorsCreated.add(n);
    return task -> {
      Call c = new Call(n, ticker.read());
      handedOut.add(c);
      Thread.ofVirtual()
          .name("held-call-" + n)
          .start(() -> {
            current.set(c);
            try {
              task.run();
            } finally {
              c.finished.complete(null);
            }
          });
    };
  }

  /**
   * Returns the calls handed out since the last time, in hand-out order, each inside its instance.
   */
  List<Call> takeStarted() {
    List<Call> out = new ArrayList<>();
    Call c;
    while ((c = handedOut.poll()) != null) {
      CompletableFuture.anyOf(c.started, c.finished)
          .orTimeout(WAIT_SECONDS, TimeUnit.SECONDS)
          .join();
      if (!c.started.isDone()) {
        throw new AssertionError(
            "a call on worker " + c.worker + " ended without reaching its instance");
      }
      open.add(c);
      out.add(c);
    }
    return out;
  }

  /** The calls inside an instance, not yet finished. */
  List<Call> open() {
    return List.copyOf(open);
  }

  /** Ends a call and waits until its thread is done (responses completed, the batcher told). */
  void finish(Call c, Ending ending) {
    open.remove(c);
    c.gate.complete(ending);
    c.finished.orTimeout(WAIT_SECONDS, TimeUnit.SECONDS).join();
  }

  /** Lets every open call end, so that no thread outlives a failed test. */
  void releaseAll() {
    for (Call c : open) {
      c.gate.complete(Ending.FAIL);
    }
    open.clear();
  }

  /** An echo instance (OUT = IN) whose calls are held. */
  final class Instance implements ModelInstance {
    final int number;
    volatile boolean closed;
    volatile int inside;

    Instance(int number) {
      this.number = number;
    }

    @Override
    public List<NamedTensor> infer(List<NamedTensor> inputs, List<String> outputs)
        throws BackendException {
      Call c = current.get();
      Tensor in = inputs.get(0).tensor();
      c.ids = ids(in);
      c.rows = in.shape().dim(0);
      c.instance = this;
      inside++;
      c.started.complete(null);
      Ending ending = c.gate.orTimeout(WAIT_SECONDS, TimeUnit.SECONDS).join();
      inside--;
      if (ending == Ending.FAIL) {
        throw new BackendException("device lost", false, null);
      }
      if (hasBadValue(in)) {
        throw new BackendException("bad value -1", true, null);
      }
      return List.of(new NamedTensor("OUT", in));
    }

    @Override
    public ModelSignature signature() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** The request ids of a batch, in batch order (each request's rows are contiguous). */
  static List<Integer> ids(Tensor t) {
    ByteBuffer b = t.data();
    long width = t.shape().dim(1);
    List<Integer> ids = new ArrayList<>();
    for (long r = 0; r < t.shape().dim(0); r++) {
      int id = b.getInt(b.position() + (int) (r * width * 4)) / 1000;
      if (ids.isEmpty() || ids.get(ids.size() - 1) != id) {
        ids.add(id);
      }
    }
    return ids;
  }

  static boolean hasBadValue(Tensor t) {
    ByteBuffer b = t.data();
    for (int i = b.position(); i + 4 <= b.limit(); i += 4) {
      if (b.getInt(i) == -1) {
        return true;
      }
    }
    return false;
  }
}
