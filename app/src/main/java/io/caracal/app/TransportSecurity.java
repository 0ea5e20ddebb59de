package io.caracal.app;

import io.caracal.tls.TlsCredentials;
import io.caracal.tls.TlsFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The server's TLS credentials (the main listeners' and the metrics listener's), loaded from {@link
 * TlsSettings} at start and reread every {@code --tls-reload-secs} on one daemon thread ({@code
 * tls-reload}). Listeners hold the credentials, not copies: a reload serves new connections the new
 * certificate.
 */
final class TransportSecurity implements AutoCloseable {
  private final @Nullable TlsCredentials main;
  private final @Nullable TlsCredentials metrics;
  private final @Nullable ScheduledExecutorService reloader;

  private TransportSecurity(
      @Nullable TlsCredentials main,
      @Nullable TlsCredentials metrics,
      @Nullable ScheduledExecutorService reloader) {
    this.main = main;
    this.metrics = metrics;
    this.reloader = reloader;
  }

  /**
   * Loads the credentials {@code settings} name and starts the periodic reload.
   *
   * @throws IOException naming the file and what is wrong with it
   */
  static TransportSecurity start(TlsSettings settings) throws IOException {
    TlsCredentials main = load(settings.main());
    TlsCredentials metrics = load(settings.metrics());
    List<TlsCredentials> all = new ArrayList<>();
    if (main != null) {
      all.add(main);
    }
    if (metrics != null) {
      all.add(metrics);
    }
    ScheduledExecutorService reloader = null;
    if (!all.isEmpty() && settings.reloadSecs() > 0) {
      reloader =
          Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tls-reload");
            t.setDaemon(true);
            return t;
          });
      reloader.scheduleWithFixedDelay(
          () -> all.forEach(TlsCredentials::reloadIfChanged),
          settings.reloadSecs(),
          settings.reloadSecs(),
          TimeUnit.SECONDS);
    }
    return new TransportSecurity(main, metrics, reloader);
  }

  private static @Nullable TlsCredentials load(Optional<TlsFiles> files) throws IOException {
    return files.isEmpty() ? null : TlsCredentials.load(files.get());
  }

  /** The HTTP, gRPC and TF Serving listeners' credentials, null for plaintext. */
  @Nullable TlsCredentials main() {
    return main;
  }

  /** The metrics listener's credentials, null for plaintext. */
  @Nullable TlsCredentials metrics() {
    return metrics;
  }

  /** Rereads every file now, as the periodic reload does; returns how many sets changed. */
  int reloadNow() {
    int n = 0;
    for (TlsCredentials c : new TlsCredentials[] {main, metrics}) {
      if (c != null && c.reloadIfChanged()) {
        n++;
      }
    }
    return n;
  }

  /** The posture table's TLS column for a listener with {@code credentials}. */
  static String column(@Nullable TlsCredentials credentials) {
    if (credentials == null) {
      return "no";
    }
    return switch (credentials.clientAuth()) {
      case NONE -> "yes";
      case OPTIONAL, REQUIRE -> "yes, client cert " + credentials.clientAuth().flagValue();
    };
  }

  @Override
  public void close() {
    if (reloader != null) {
      reloader.shutdownNow();
    }
  }
}
