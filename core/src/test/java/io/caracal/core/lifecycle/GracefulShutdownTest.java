package io.caracal.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.core.scheduler.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shutdown sequence on fake time: no sleeping. */
class GracefulShutdownTest {
  final FakeTicker ticker = new FakeTicker();
  final List<String> events = new ArrayList<>();
  final CompletableFuture<Void> idle = new CompletableFuture<>();
  int inFlight = 3;

  /** What happens while the sequence waits for the in-flight requests (fake time passes). */
  Runnable duringAwait = () -> {};

  final GracefulShutdown.Steps steps =
      new GracefulShutdown.Steps() {
        @Override
        public void notReady() {
          events.add("notReady");
        }

        @Override
        public CompletableFuture<Void> stopAccepting() {
          events.add("stopAccepting");
          return idle;
        }

        @Override
        public int inFlight() {
          return inFlight;
        }

        @Override
        public int failInFlight() {
          events.add("failInFlight");
          return inFlight;
        }

        @Override
        public void close() {
          events.add("close");
        }
      };

  final GracefulShutdown.Waiter waiter =
      new GracefulShutdown.Waiter() {
        @Override
        public void sleep(Duration d) {
          events.add("sleep " + d.toSeconds());
          ticker.advance(d.toNanos(), TimeUnit.NANOSECONDS);
        }

        @Override
        public boolean await(CompletableFuture<?> f, Duration timeout) {
          events.add("await " + timeout.toSeconds());
          duringAwait.run();
          if (f.isDone()) {
            return true;
          }
          ticker.advance(timeout.toNanos(), TimeUnit.NANOSECONDS);
          return false;
        }
      };

  GracefulShutdown.Result run(int drainSecs, int exitSecs) {
    return new GracefulShutdown(
            steps, Duration.ofSeconds(drainSecs), Duration.ofSeconds(exitSecs), ticker, waiter)
        .run();
  }

  @Test
  void inFlightFinishInTime_nothingFails() {
    duringAwait =
        () -> {
          ticker.advance(2, TimeUnit.SECONDS);
          inFlight = 0;
          idle.complete(null);
        };
    GracefulShutdown.Result r = run(5, 30);
    assertThat(events).containsExactly("notReady", "sleep 5", "stopAccepting", "await 30", "close");
    assertThat(r.finished()).isTrue();
    assertThat(r.failed()).isZero();
    assertThat(r.drainNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(5));
    assertThat(r.totalNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(7));
  }

  @Test
  void exitTimeoutPasses_whatIsLeftFails_thenClose() {
    GracefulShutdown.Result r = run(5, 30);
    assertThat(events)
        .containsExactly(
            "notReady", "sleep 5", "stopAccepting", "await 30", "failInFlight", "close");
    assertThat(r.finished()).isFalse();
    assertThat(r.failed()).isEqualTo(3);
    assertThat(r.totalNanos()).isEqualTo(TimeUnit.SECONDS.toNanos(35));
  }

  @Test
  void alreadyIdle_noWait() {
    idle.complete(null);
    GracefulShutdown.Result r = run(0, 30);
    assertThat(events).containsExactly("notReady", "sleep 0", "stopAccepting", "close");
    assertThat(r.finished()).isTrue();
    assertThat(r.totalNanos()).isZero();
  }

  @Test
  void interrupted_skipsTheWaits_stillCloses() {
    Thread.currentThread().interrupt();
    GracefulShutdown.Result r =
        new GracefulShutdown(
                steps,
                Duration.ofSeconds(5),
                Duration.ofSeconds(30),
                ticker,
                GracefulShutdown.Waiter.system())
            .run();
    assertThat(Thread.interrupted()).isTrue();
    assertThat(events).containsExactly("notReady", "stopAccepting", "failInFlight", "close");
    assertThat(r.finished()).isFalse();
  }

  @Test
  void negativeDurations_refused() {
    assertThatThrownBy(() ->
            new GracefulShutdown(steps, Duration.ofSeconds(-1), Duration.ZERO, ticker, waiter))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
