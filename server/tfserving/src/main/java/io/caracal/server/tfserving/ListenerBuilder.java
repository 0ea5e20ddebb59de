package io.caracal.server.tfserving;

import io.caracal.core.InferenceService;
import io.caracal.core.observe.CallTracker;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What both TF Serving listeners are built from: address, port, the service and the call tracker.
 * Each setter checks its argument at once.
 *
 * @param <B> the concrete builder
 */
public abstract class ListenerBuilder<B extends ListenerBuilder<B>> {
  String host = "127.0.0.1";
  int port;
  @Nullable InferenceService service;
  CallTracker calls = CallTracker.NONE;
  io.caracal.core.auth.AccessControl access = io.caracal.core.auth.AccessControl.OPEN;
  VersionLabels labels = VersionLabels.NONE;
  ConfigReloads reloads = ConfigReloads.REFUSED;
  io.caracal.tls.@Nullable TlsCredentials tls;

  ListenerBuilder(int defaultPort) {
    this.port = defaultPort;
  }

  abstract B self();

  /** The address to bind, default {@code 127.0.0.1}. */
  public B host(String host) {
    this.host = Objects.requireNonNull(host, "host");
    return self();
  }

  /** The port (TF Serving's by default); 0 picks an ephemeral port. */
  public B port(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
    }
    this.port = port;
    return self();
  }

  /** The service requests go to (required). */
  public B service(InferenceService service) {
    this.service = Objects.requireNonNull(service, "service");
    return self();
  }

  /** Reports every call (access log, traces, metrics); default: to nobody. */
  public B access(io.caracal.core.auth.AccessControl access) {
    this.access = Objects.requireNonNull(access, "access");
    return self();
  }

  /** Reports every call (access log, traces, metrics); default: to nobody. */
  public B calls(CallTracker calls) {
    this.calls = Objects.requireNonNull(calls, "calls");
    return self();
  }

  /** The version labels requests may name; default none (every label is unrecognized). */
  public B labels(VersionLabels labels) {
    this.labels = Objects.requireNonNull(labels, "labels");
    return self();
  }

  /**
   * What {@code HandleReloadConfigRequest} does (gRPC only); default {@link ConfigReloads#REFUSED}.
   */
  public B configReloads(ConfigReloads reloads) {
    this.reloads = Objects.requireNonNull(reloads, "reloads");
    return self();
  }

  /**
   * Serves over TLS with these credentials (reloaded by their owner; new connections get the
   * current certificate); null, the default, serves plaintext.
   */
  public B tls(io.caracal.tls.@Nullable TlsCredentials tls) {
    this.tls = tls;
    return self();
  }

  /** Returns the service, or fails when none was set. */
  InferenceService requireService() {
    if (service == null) {
      throw new IllegalStateException("service is required");
    }
    return service;
  }
}
