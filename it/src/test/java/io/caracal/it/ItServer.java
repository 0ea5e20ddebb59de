package io.caracal.it;

import io.caracal.app.Caracal;
import io.caracal.app.ServerSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.UnaryOperator;

/** Starts a server on an ephemeral loopback port and builds Triton-layout repositories. */
final class ItServer implements AutoCloseable {
  final Caracal server;
  final V2Client client;

  private ItServer(Caracal server) {
    this.server = server;
    this.client = new V2Client(server.httpAddress().getPort());
  }

  static ItServer start(Path repo) throws IOException {
    return start(repo, b -> b);
  }

  static ItServer start(Path repo, UnaryOperator<ServerSettings.Builder> settings)
      throws IOException {
    return new ItServer(
        Caracal.start(
            settings
                .apply(ServerSettings.builder(repo).httpPort(0).grpcPort(0).metricsPort(0))
                .build()));
  }

  int port() {
    return client.port();
  }

  /** Copies {@code onnx} to {@code <repo>/<name>/<version>/model.onnx}; returns the model dir. */
  static Path addModel(Path repo, String name, int version, Path onnx) {
    try {
      Path dir = repo.resolve(name).resolve(Integer.toString(version));
      Files.createDirectories(dir);
      Files.copy(onnx, dir.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
      return repo.resolve(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path addModel(Path repo, String name, int version, InputStream onnx) {
    try (onnx) {
      Path dir = repo.resolve(name).resolve(Integer.toString(version));
      Files.createDirectories(dir);
      Files.copy(onnx, dir.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
      return repo.resolve(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void writeConfig(Path repo, String name, String pbtxt) {
    try {
      Files.createDirectories(repo.resolve(name));
      Files.writeString(repo.resolve(name).resolve("config.pbtxt"), pbtxt);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
