package io.caracal.api.backend;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CancellationTest {
  @Test
  void theRegisteredActionRunsOnceOnCancel() {
    Cancellation c = Cancellation.create();
    AtomicInteger runs = new AtomicInteger();
    c.onCancel(runs::incrementAndGet);
    assertThat(c.isCancelled()).isFalse();
    c.cancel();
    c.cancel();
    assertThat(c.isCancelled()).isTrue();
    assertThat(runs).hasValue(1);
  }

  @Test
  void anActionRegisteredAfterTheCancelRunsAtOnce() {
    Cancellation c = Cancellation.create();
    c.cancel();
    AtomicInteger runs = new AtomicInteger();
    c.onCancel(runs::incrementAndGet).close();
    assertThat(runs).hasValue(1);
  }

  @Test
  void aClosedRegistrationNeverRuns() {
    Cancellation c = Cancellation.create();
    AtomicInteger runs = new AtomicInteger();
    c.onCancel(runs::incrementAndGet).close();
    c.cancel();
    assertThat(runs).hasValue(0);
    assertThat(c.isCancelled()).isTrue();
  }
}
