package io.caracal.core.lifecycle;

import io.caracal.core.scheduler.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order of a graceful shutdown (SIGTERM), independent of the transports:
 *
 * <ol>
 *   <li><b>drain</b>: readiness turns false at once (liveness stays true) and requests are still
 *       served for the drain delay, so load balancers and Kubernetes endpoints stop routing here;
 *   <li><b>stop</b>: the listeners stop accepting connections and new requests on open ones fail
 *       with {@code ShuttingDown} (503); admitted requests, queued or running, go on;
 *   <li><b>finish</b>: wait until none is in flight, at most the exit timeout;
 *   <li><b>close</b>: what is left fails with {@code ShuttingDown}, the transports close, every
 *       model unloads.
 * </ol>
 *
 * Waiting goes through a {@link Waiter}, and durations are read from a {@link Ticker}, so tests
 * drive the whole sequence with fake time. {@link #run()} blocks; call it from the shutdown thread,
 * never from an event loop.
 */
public final class GracefulShutdown {
  private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);

  /** The parts of a server a shutdown acts on, in the order {@link #run()} calls them. */
  public interface Steps {
    /** Readiness false (HTTP and gRPC), everything else unchanged. */
    void notReady();

    /**
     * Closes the listeners and refuses new requests; returns a future completed when no admitted
     * request is left in flight.
     */
    CompletableFuture<Void> stopAccepting();

    /** Returns the number of requests still in flight. */
    int inFlight();

    /** Fails what is still in flight with {@code ShuttingDown}; returns how many. */
    int failInFlight();

    /** Closes the transports and unloads the models. */
    void close();
  }

  /** How the sequence waits: real sleeping in production, fake time in tests. */
  public interface Waiter {
    /** Waits for {@code d}. */
    void sleep(Duration d) throws InterruptedException;

    /** Waits for {@code f} for at most {@code timeout}; returns whether it completed. */
    boolean await(CompletableFuture<?> f, Duration timeout) throws InterruptedException;

    /** The waiter over the system clock. */
    static Waiter system() {
      return new Waiter() {
        @Override
        public void sleep(Duration d) throws InterruptedException {
          if (!d.isZero() && !d.isNegative()) {
            Thread.sleep(d);
          }
        }

        @Override
        public boolean await(CompletableFuture<?> f, Duration timeout) throws InterruptedException {
          try {
            f.get(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
            return true;
          } catch (TimeoutException e) {
            return false;
          } catch (ExecutionException e) {
            return true;
          }
        }
      };
    }
  }

  /**
   * What happened.
   *
   * @param finished whether every in-flight request finished within the exit timeout
   * @param failed requests failed with {@code ShuttingDown} at the exit timeout
   * @param drainNanos time from the start to the moment the listeners stopped accepting
   * @param totalNanos time from the start to the end of the close
   */
  public record Result(boolean finished, int failed, long drainNanos, long totalNanos) {}

  private final Steps steps;
  private final Duration drainDelay;
  private final Duration exitTimeout;
  private final Ticker ticker;
  private final Waiter waiter;

  /**
   * @param drainDelay how long requests are still served after readiness turned false
   * @param exitTimeout how long admitted requests may take to finish after the listeners stopped
   */
  public GracefulShutdown(
      Steps steps, Duration drainDelay, Duration exitTimeout, Ticker ticker, Waiter waiter) {
    this.steps = Objects.requireNonNull(steps, "steps");
    this.drainDelay = requireNonNegative(drainDelay, "drainDelay");
    this.exitTimeout = requireNonNegative(exitTimeout, "exitTimeout");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.waiter = Objects.requireNonNull(waiter, "waiter");
  }

  private static Duration requireNonNegative(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative()) {
      throw new IllegalArgumentException(what + " must not be negative: " + d);
    }
    return d;
  }

  /**
   * Runs the sequence to its end. An interrupt skips the remaining waits (what is left fails) but
   * the close still happens.
   */
  public Result run() {
    long start = ticker.read();
    boolean interrupted = false;
    steps.notReady();
    log.info(
        "shutdown: not ready; still serving for the drain delay of {} s",
        drainDelay.toMillis() / 1000.0);
    try {
      waiter.sleep(drainDelay);
    } catch (InterruptedException e) {
      interrupted = true;
    }
    CompletableFuture<Void> idle = steps.stopAccepting();
    long stopped = ticker.read();
    log.info(
        "shutdown: stopped accepting; {} request(s) in flight, waiting up to {} s",
        steps.inFlight(),
        exitTimeout.toMillis() / 1000.0);
    boolean finished = idle.isDone();
    if (!finished && !interrupted) {
      try {
        finished = waiter.await(idle, exitTimeout);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    int failed = 0;
    if (!finished) {
      failed = steps.failInFlight();
      log.warn(
          "shutdown: exit timeout of {} s passed; {} request(s) failed with 'the server is shutting down'",
          exitTimeout.toMillis() / 1000.0,
          failed);
    }
    steps.close();
    long end = ticker.read();
    log.info("shutdown: done in {} ms", TimeUnit.NANOSECONDS.toMillis(end - start));
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return new Result(finished, failed, stopped - start, end - start);
  }
}
