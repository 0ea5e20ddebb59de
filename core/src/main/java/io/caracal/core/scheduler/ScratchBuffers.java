package io.caracal.core.scheduler;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Direct buffers one execution thread reuses for the batched inputs it assembles: a batch's input
 * is needed only while the backend call runs on that thread, so the next batch on the same thread
 * can write over it. Reuse spares each batch a fresh {@code allocateDirect}, which zeroes the
 * memory (as costly as the copy itself) and leaves the old buffer to the garbage collector. Used
 * only with backends whose outputs never share memory with their inputs ({@link
 * io.caracal.api.backend.ModelInstance#outputsMayShareInputs()}). Buffers grow by doubling and are
 * freed with the thread.
 */
final class ScratchBuffers {
  private static final ThreadLocal<ScratchBuffers> PER_THREAD =
      ThreadLocal.withInitial(ScratchBuffers::new);

  private final List<ByteBuffer> buffers = new ArrayList<>();

  private ScratchBuffers() {}

  /** Returns the calling thread's buffers. */
  static ScratchBuffers ofThisThread() {
    return PER_THREAD.get();
  }

  /**
   * Returns buffer {@code index} with room for {@code bytes}: little-endian, position 0, limit
   * {@code bytes}. Valid until the next call with the same index on this thread.
   */
  ByteBuffer get(int index, int bytes) {
    while (buffers.size() <= index) {
      buffers.add(null);
    }
    ByteBuffer b = buffers.get(index);
    if (b == null || b.capacity() < bytes) {
      int capacity =
          b == null
              ? bytes
              : (int) Math.min(Integer.MAX_VALUE - 8, Math.max((long) bytes, 2L * b.capacity()));
      b = ByteBuffer.allocateDirect(capacity);
      buffers.set(index, b);
    }
    return b.duplicate().clear().limit(bytes).slice().order(ByteOrder.LITTLE_ENDIAN);
  }
}
