package io.caracal.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

  @Test
  void until_returnsOnceTheConditionHolds() throws InterruptedException {
    AtomicInteger checks = new AtomicInteger();
    Await.until("the third check", Duration.ofMinutes(1), () -> checks.incrementAndGet() == 3);
    assertThat(checks).hasValue(3);
  }

  @Test
  void until_throwsNamingTheState_whenTheTimeoutPasses() {
    AtomicInteger checks = new AtomicInteger();
    assertThatThrownBy(() ->
            Await.until("the model to load", Duration.ZERO, () -> checks.incrementAndGet() < 0))
        .isInstanceOf(AssertionError.class)
        .hasMessage("timed out after PT0S waiting for the model to load");
    assertThat(checks).hasValue(1);
  }
}
