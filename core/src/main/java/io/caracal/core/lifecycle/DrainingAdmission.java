package io.caracal.core.lifecycle;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.core.ForwardingInferenceService;
import io.caracal.core.InferenceService;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The admission decorator of a graceful shutdown ({@link GracefulShutdown} drives it). While
 * serving it only counts the requests in flight. {@link #beginDrain()} makes {@link #isReady()}
 * false (liveness stays true) so load balancers stop sending traffic; {@link #stopAccepting()}
 * refuses new requests and repository calls with {@code ShuttingDown} and tells when the admitted
 * ones are done; {@link #failInFlight()} ends those still running at the exit timeout. Thread-safe
 * and non-blocking.
 */
public final class DrainingAdmission extends ForwardingInferenceService {

  /*
   * States: (STARTING ->) SERVING -> DRAINING (beginDrain) -> REFUSING (stopAccepting or
   * failInFlight); never back. The in-flight count is raised before the state is read, so
   * stopAccepting() either sees a request that is admitted or the request sees refusing (the pair
   * is sequentially consistent through the volatile and the atomic).
   */
  private volatile boolean opened; // false while STARTING: requests served, not ready yet
  private volatile boolean draining;
  private volatile boolean refusing;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Set<CompletableFuture<InferenceResponse>> outstanding =
      ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> idle = new CompletableFuture<>();

  /** Creates the decorator around {@code delegate}, serving and ready at once. */
  public DrainingAdmission(InferenceService delegate) {
    this(delegate, true);
  }

  private DrainingAdmission(InferenceService delegate, boolean opened) {
    super(delegate);
    this.opened = opened;
  }

  /**
   * Creates the decorator around {@code delegate} in its starting state: requests are served, but
   * {@link #isReady()} is false until {@link #open()}. A server opens it once every listener is
   * bound, so that a probe of one listener never says ready while another is still starting.
   */
  public static DrainingAdmission starting(InferenceService delegate) {
    return new DrainingAdmission(delegate, false);
  }

  /** Ends the starting state: ready from now on when the models are (until a drain begins). */
  public void open() {
    opened = true;
  }

  /**
   * {@inheritDoc} Every admitted request is counted until its future completes, so {@link
   * #stopAccepting()} can tell when the server is idle.
   */
  @Override
  public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
    inFlight.incrementAndGet();
    if (refusing) {
      leave();
      return CompletableFuture.failedFuture(shuttingDown());
    }
    CompletableFuture<InferenceResponse> out = delegate().infer(request).thenApply(r -> r);
    outstanding.add(out);
    out.whenComplete((r, e) -> {
      outstanding.remove(out);
      leave();
    });
    return out;
  }

  private void leave() {
    if (inFlight.decrementAndGet() == 0 && refusing) {
      idle.complete(null);
    }
  }

  @Override
  public boolean isReady() {
    return opened && !draining && super.isReady();
  }

  @Override
  public CompletableFuture<Void> loadModel(String model) {
    return refusing ? CompletableFuture.failedFuture(shuttingDown()) : super.loadModel(model);
  }

  @Override
  public CompletableFuture<Void> unloadModel(String model) {
    return refusing ? CompletableFuture.failedFuture(shuttingDown()) : super.unloadModel(model);
  }

  /** First step of a graceful shutdown: not ready from now on, while requests are still served. */
  public void beginDrain() {
    draining = true;
  }

  /**
   * Second step: new requests (and load/unload calls) fail with {@code ShuttingDown}; admitted
   * ones, queued or running, go on. Returns a future that completes once none is left in flight.
   * Implies {@link #beginDrain()}.
   */
  public CompletableFuture<Void> stopAccepting() {
    draining = true;
    refusing = true;
    if (inFlight.get() == 0) {
      idle.complete(null);
    }
    return idle;
  }

  /** Returns the number of admitted requests whose response is not complete yet. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Last step, when the exit timeout passed: completes every request still in flight with {@code
   * ShuttingDown} and returns how many there were. The backend calls behind them finish or fail on
   * their own; their results are dropped.
   */
  public int failInFlight() {
    draining = true;
    refusing = true;
    int n = 0;
    for (CompletableFuture<InferenceResponse> f : List.copyOf(outstanding)) {
      if (f.completeExceptionally(shuttingDown())) {
        n++;
      }
    }
    return n;
  }

  private static InferenceException shuttingDown() {
    return InferenceException.of(new InferenceError.ShuttingDown());
  }
}
