package io.caracal.server.grpc;

import io.caracal.core.auth.AccessControl;
import io.caracal.core.auth.Caller;
import io.caracal.core.auth.Grant;
import io.caracal.core.auth.Operation;
import io.caracal.tls.PeerCertificates;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The one access check of a gRPC service: every request message is checked by {@link AccessControl}
 * (its model is inside the message, so the check waits for it) before the service sees it; a
 * refusal closes the call with the status the service's error mapping gives ({@code
 * UNAUTHENTICATED}, {@code PERMISSION_DENIED}, {@code RESOURCE_EXHAUSTED}) and nothing more of it
 * reaches the service (on {@code ModelStreamInfer}, a refused message ends the stream). The grant
 * is told the call's status when it closes (the audit log of management calls). Stateless across
 * calls; the TF Serving services use it with their own operations and mapping.
 */
public final class GrpcAccess implements ServerInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** What a service's methods do, and which model their messages name. */
  public interface Operations {
    /**
     * Returns the operation of a call of {@code fullMethod} carrying {@code message}; null for a
     * method the service does not know (it answers UNIMPLEMENTED itself).
     */
    @Nullable Operation of(String fullMethod, Object message);

    /** Returns the model {@code message} names, or null. */
    @Nullable String model(Object message);
  }

  private final AccessControl access;
  private final Operations operations;
  private final Function<Throwable, Status> errors;

  /**
   * Creates the check.
   *
   * @param errors the service's one error mapping, from a refusal to the status sent
   */
  public GrpcAccess(
      AccessControl access, Operations operations, Function<Throwable, Status> errors) {
    this.access = Objects.requireNonNull(access, "access");
    this.operations = Objects.requireNonNull(operations, "operations");
    this.errors = Objects.requireNonNull(errors, "errors");
  }

  /** The check of the KServe V2 service, mapped by {@link GrpcErrors}. */
  static GrpcAccess v2(AccessControl access) {
    return new GrpcAccess(access, V2Operations.INSTANCE, t -> GrpcErrors.map(t, "access", ""));
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (access == AccessControl.OPEN) {
      return next.startCall(call, headers);
    }
    Checked<ReqT, RespT> checked = new Checked<>(call);
    Caller caller =
        new Caller(
            headers.get(AUTHORIZATION),
            name -> headers.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER)),
            address(call),
            certificate(call));
    String method = call.getMethodDescriptor().getFullMethodName();
    ServerCall.Listener<ReqT> delegate = next.startCall(checked, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      public void onMessage(ReqT message) {
        if (refused) {
          return;
        }
        Operation op = operations.of(method, message);
        if (op != null) {
          try {
            checked.grant = access.check(op, operations.model(message), caller);
          } catch (RuntimeException e) {
            refused = true;
            checked.close(errors.apply(e), new Metadata());
            return;
          }
        }
        super.onMessage(message);
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }

      @Override
      public void onReady() {
        if (!refused) {
          super.onReady();
        }
      }
    };
  }

  /**
   * The call as the service sees it: its close tells the grant the result. A refusal may close a
   * stream while the service answers an earlier message on another thread, so the outbound calls
   * are serialized here and what the service sends after the close is dropped.
   */
  private static final class Checked<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    volatile Grant grant = Grant.OPEN;
    private boolean closed;

    Checked(ServerCall<ReqT, RespT> call) {
      super(call);
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(RespT message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (closed) {
        return;
      }
      closed = true;
      super.close(status, trailers);
      grant.finished(status.isOk(), status.isOk() ? "ok" : status.getCode().name());
    }
  }

  private static @Nullable String address(ServerCall<?, ?> call) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return remote instanceof InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress()
        : null;
  }

  private static @Nullable X509Certificate certificate(ServerCall<?, ?> call) {
    return PeerCertificates.of(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
  }
}
