package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdminCallsTest {

  @Test
  void runsAtMostTheLimit_perInstance_andFreesTheSlotWhenACallEnds() throws Exception {
    AdminCalls calls = new AdminCalls(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> first = calls.<String>start(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "done";
    }).orElseThrow();
    assertThat(calls.start(() -> "second")).as("the only slot is taken").isEmpty();
    assertThat(new AdminCalls(1).start(() -> "other server").orElseThrow().get(10, TimeUnit.SECONDS))
        .as("another server has its own slots").isEqualTo("other server");
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("done");
    CompletableFuture<String> failing = calls.<String>start(() -> {
      throw new IllegalStateException("boom");
    }).orElseThrow();
    assertThatThrownBy(() -> failing.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
    assertThat(calls.start(() -> "third").orElseThrow().get(10, TimeUnit.SECONDS)).as("a failed call gave its slot back").isEqualTo("third");
    assertThatThrownBy(() -> new AdminCalls(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
