package io.caracal.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ScratchBuffersTest {

  @Test
  void reusesTheSameMemory_growsWhenNeeded_andIsPerThread() throws Exception {
    ScratchBuffers s = ScratchBuffers.ofThisThread();
    ByteBuffer a = s.get(0, 100);
    assertThat(a.isDirect()).isTrue();
    assertThat(a.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
    assertThat(a.position()).isZero();
    assertThat(a.limit()).isEqualTo(100);
    a.putInt(0, 42);
    ByteBuffer again = s.get(0, 60);
    assertThat(again.limit()).isEqualTo(60);
    assertThat(again.getInt(0)).as("same memory, not zeroed again").isEqualTo(42);
    assertThat(s.get(1, 8).getInt(0)).as("another index, other memory").isZero();
    ByteBuffer bigger = s.get(0, 1000);
    assertThat(bigger.limit()).isEqualTo(1000);
    assertThat(bigger.capacity()).isEqualTo(1000);
    assertThat(ScratchBuffers.ofThisThread()).isSameAs(s);
    ScratchBuffers other =
        CompletableFuture.supplyAsync(ScratchBuffers::ofThisThread, Thread::startVirtualThread)
            .get();
    assertThat(other).isNotSameAs(s);
  }

  @Test
  void concatIntoScratchBuffers_givesTheSameTensorsAsFreshOnes() {
    var r1 =
        java.util.List.of(
            new io.caracal.api.NamedTensor(
                "x", io.caracal.testing.TestTensors.fp32(io.caracal.api.Shape.of(1, 2), 1, 2)));
    var r2 =
        java.util.List.of(
            new io.caracal.api.NamedTensor(
                "x",
                io.caracal.testing.TestTensors.fp32(io.caracal.api.Shape.of(2, 2), 3, 4, 5, 6)));
    var fresh = BatchTensors.concat(java.util.List.of(r1, r2), 3);
    ScratchBuffers s = ScratchBuffers.ofThisThread();
    s.get(0, 64).putFloat(0, 99); // garbage left by an earlier batch
    var reused = BatchTensors.concat(java.util.List.of(r1, r2), 3, s::get);
    assertThat(reused).isEqualTo(fresh);
  }
}
