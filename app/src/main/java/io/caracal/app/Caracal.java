package io.caracal.app;

import io.caracal.api.ModelStatus;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A running Caracal server: the model registry loaded from the repository and the HTTP listener.
 * The only place where the parts are wired together. Thread-safe; {@link #close()} is idempotent.
 *
 * {@snippet :
 * try (Caracal server = Caracal.start(ServerSettings.builder(repo).httpPort(0).build())) {
 *   int port = server.httpAddress().getPort();
 * }
 * }
 */
public final class Caracal implements AutoCloseable {

  private Caracal() {}

  /**
   * Loads every model of the repository (a model that fails is marked UNAVAILABLE, the others
   * serve), then binds the HTTP listener. Blocks until both are done.
   *
   * @throws IOException when a listener cannot bind or the repository cannot be read
   */
  public static Caracal start(ServerSettings settings) throws IOException {
    throw new UnsupportedOperationException("wiring lands with core and server");
  }

  /** Returns the address the HTTP listener is bound to (the real port when 0 was asked). */
  public InetSocketAddress httpAddress() {
    throw new UnsupportedOperationException();
  }

  /** Returns the state of every model version of the repository. */
  public List<ModelStatus> models() {
    throw new UnsupportedOperationException();
  }

  /** Stops accepting, closes the listener and unloads every model. */
  @Override
  public void close() {}
}
