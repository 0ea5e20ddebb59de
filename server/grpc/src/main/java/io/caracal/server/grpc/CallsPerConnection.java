package io.caracal.server.grpc;

import io.grpc.Attributes;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the calls open at once on one connection, whatever the client did with the server's
 * SETTINGS. HTTP/2's {@code MAX_CONCURRENT_STREAMS} (grpc-java's {@code
 * maxConcurrentCallsPerConnection}) binds a client only once it acknowledges the server's SETTINGS
 * frame; a client that never does could open streams without end, each holding a call's state until
 * the heap ran out (issue 12). Here a call beyond the bound is closed at once with {@code
 * RESOURCE_EXHAUSTED}, which frees its stream; refusals are counted and logged at most once a
 * minute, one line each.
 */
final class CallsPerConnection implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(CallsPerConnection.class);

  private final int max;
  private final ConcurrentHashMap<Attributes, Integer> open = new ConcurrentHashMap<>();
  private final Refusals refused = new Refusals();

  /** Allows {@code max} calls open at once per connection. */
  CallsPerConnection(int max) {
    this.max = max;
  }

  /** Calls refused so far. */
  long refused() {
    return refused.count();
  }

  /** Calls open now, on every connection. */
  int open() {
    return open.values().stream().mapToInt(Integer::intValue).sum();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Attributes connection = call.getAttributes(); // one object per transport (connection)
    int[] now = new int[1];
    open.compute(connection, (c, n) -> now[0] = n == null ? 1 : n + 1);
    if (now[0] > max) {
      release(connection);
      refuse();
      call.close(
          Status.RESOURCE_EXHAUSTED.withDescription(
              "too many concurrent calls on one connection (at most " + max + ")"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean done = new AtomicBoolean();
    Runnable end =
        () -> {
          if (done.compareAndSet(false, true)) {
            release(connection);
          }
        };
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      @Override
      public void onComplete() {
        end.run();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        end.run();
        super.onCancel();
      }
    };
  }

  private void release(Attributes connection) {
    open.computeIfPresent(connection, (c, n) -> n <= 1 ? null : n - 1);
  }

  private void refuse() {
    refused.refuse(n ->
        log.warn(
            "refused a gRPC call: more than {} calls open on one connection ({} refused so far)",
            max,
            n));
  }
}
