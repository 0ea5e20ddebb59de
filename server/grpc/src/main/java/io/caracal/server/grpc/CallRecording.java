package io.caracal.server.grpc;

import com.google.protobuf.MessageLite;
import io.caracal.api.InferenceException;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.observe.CallTracker;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Reports gRPC calls to the {@link CallTracker}: a unary call is one {@link CallRecord} from its
 * headers to its close (made available to the service through {@link #RECORD}); a streaming call
 * leaves its requests to the service, which records each one, and gets only its {@link Origin}.
 * Adds the W3C {@code traceparent} of a traced call to the response headers (or to the trailers of
 * a trailers-only answer).
 */
final class CallRecording implements ServerInterceptor {
  /** The record of the current unary call, for the service to hand to core. */
  static final Context.Key<CallRecord> RECORD = Context.key("caracal-call-record");

  /** Where the current call came from, for the records of a stream's requests. */
  static final Context.Key<Origin> ORIGIN = Context.key("caracal-call-origin");

  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TRACESTATE =
      Metadata.Key.of("tracestate", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> USER_AGENT =
      Metadata.Key.of("user-agent", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * The transport facts of a call.
   *
   * @param client the peer's address, if known
   * @param userAgent the client's user agent, if sent
   * @param propagation the client's {@code traceparent} and {@code tracestate}
   */
  record Origin(
      @Nullable String client, @Nullable String userAgent, Map<String, String> propagation) {}

  private final CallTracker calls;
  private final AtomicLong sequence = new AtomicLong();

  CallRecording(CallTracker calls) {
    this.calls = calls;
  }

  CallTracker calls() {
    return calls;
  }

  /** Returns a new server-side id for a call or a stream's request. */
  String nextId() {
    return "grpc-" + sequence.incrementAndGet();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Origin origin = origin(call, headers);
    MethodDescriptor<Q, R> method = call.getMethodDescriptor();
    if (method.getType() != MethodDescriptor.MethodType.UNARY) {
      return Contexts.interceptCall(
          Context.current().withValue(ORIGIN, origin), call, headers, next);
    }
    CallRecord record = start(method.getFullMethodName(), origin, nextId());
    Recorded<Q, R> recorded = new Recorded<>(call, record);
    Context ctx = Context.current().withValue(RECORD, record).withValue(ORIGIN, origin);
    ServerCall.Listener<Q> inner = Contexts.interceptCall(ctx, recorded, headers, next);
    return new SimpleForwardingServerCallListener<>(inner) {
      @Override
      public void onMessage(Q message) {
        if (message instanceof MessageLite m) {
          record.bytesIn(m.getSerializedSize());
        }
        super.onMessage(message);
      }

      @Override
      public void onCancel() {
        recorded.finish(Status.CANCELLED);
        super.onCancel();
      }
    };
  }

  /** Starts the record of a call (or a stream's request) to {@code fullMethod}. */
  CallRecord start(String fullMethod, Origin origin, String id) {
    return calls.start(
        CallRecord.Protocol.GRPC,
        fullMethod.substring(fullMethod.lastIndexOf('/') + 1),
        fullMethod,
        id,
        origin.client(),
        origin.userAgent(),
        origin.propagation());
  }

  /** Finishes {@code record} with {@code status} and {@code bytesOut}. */
  void finish(CallRecord record, Status status, long bytesOut) {
    calls.finish(record, status.getCode().value(), status.getCode().name(), kind(status), bytesOut);
  }

  /**
   * What failed, for logs and metrics: the {@code InferenceError} GrpcErrors mapped (carried as the
   * status's cause, which never goes on the wire), else the status code's name.
   */
  static @Nullable String kind(Status status) {
    if (status.isOk()) {
      return null;
    }
    if (status.getCause() instanceof InferenceException ie) {
      return ie.error().getClass().getSimpleName();
    }
    return status.getCode() == Status.Code.CANCELLED ? "Cancelled" : status.getCode().name();
  }

  private static Origin origin(ServerCall<?, ?> call, Metadata headers) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String client =
        remote instanceof InetSocketAddress a && a.getAddress() != null
            ? a.getAddress().getHostAddress()
            : null;
    String parent = headers.get(TRACEPARENT);
    Map<String, String> propagation = Map.of();
    if (parent != null) {
      String state = headers.get(TRACESTATE);
      propagation =
          state == null
              ? Map.of("traceparent", parent)
              : Map.of("traceparent", parent, "tracestate", state);
    }
    return new Origin(client, headers.get(USER_AGENT), propagation);
  }

  /** A unary call that reports its answer once. */
  private final class Recorded<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private final CallRecord record;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile boolean headersSent;
    private volatile long bytesOut;

    Recorded(ServerCall<Q, R> call, CallRecord record) {
      super(call);
      this.record = record;
    }

    @Override
    public void sendHeaders(Metadata headers) {
      String parent = record.traceparent();
      if (parent != null) {
        headers.put(TRACEPARENT, parent);
      }
      headersSent = true;
      super.sendHeaders(headers);
    }

    @Override
    public void sendMessage(R message) {
      if (message instanceof MessageLite m) {
        bytesOut += m.getSerializedSize();
      }
      super.sendMessage(message);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      String parent = record.traceparent();
      if (!headersSent && parent != null) {
        trailers.put(TRACEPARENT, parent);
      }
      super.close(status, trailers);
      finish(status);
    }

    void finish(Status status) {
      if (finished.compareAndSet(false, true)) {
        CallRecording.this.finish(record, status, bytesOut);
      }
    }
  }
}
