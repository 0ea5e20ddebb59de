package io.caracal.app;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code caracal} command line ({@link CaracalCommand}, on picocli).
 *
 * <pre>
 * caracal serve --model-repository DIR [options]   serve a repository (see caracal serve --help)
 * caracal generate-completion                      print a bash/zsh completion script
 * caracal --help | --version
 * </pre>
 *
 * Exit codes: 0 after a clean shutdown, 1 when the server cannot start, 2 for a usage error.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  /** Logged once the server serves and SIGTERM drains it (scripts and tests may wait for it). */
  static final String STARTED = "caracal started";

  private Main() {}

  /** Runs the command line on the process's arguments and environment, then exits with its code. */
  public static void main(String[] args) {
    System.exit(run(List.of(args), System.getenv(), System.out, System.err, Main::serve));
  }

  /**
   * Runs the command line; {@code server} gets the settings of {@code caracal serve} and returns
   * the exit code.
   */
  static int run(
      List<String> args,
      Map<String, String> env,
      PrintStream out,
      PrintStream err,
      ToIntFunction<ServerSettings> server) {
    PrintWriter outWriter = new PrintWriter(out, true);
    PrintWriter errWriter = new PrintWriter(err, true);
    try {
      return CaracalCommand.commandLine(env, server, outWriter, errWriter)
          .execute(args.toArray(String[]::new));
    } finally {
      outWriter.flush();
      errWriter.flush();
    }
  }

  private static int serve(ServerSettings settings) {
    Caracal server;
    try {
      server = Caracal.start(settings);
    } catch (IOException | RuntimeException e) {
      log.error("caracal could not start: {}", e.getMessage(), e);
      return 1;
    }
    java.time.Duration drainDelay = java.time.Duration.ofSeconds(settings.drainDelaySecs());
    java.time.Duration exitTimeout = java.time.Duration.ofSeconds(settings.exitTimeoutSecs());
    // SIGTERM and SIGINT are handled here rather than by the JVM's default handler, so the process
    // drains and then exits 0 (a JVM ended by a signal's default handler exits 143).
    CountDownLatch stopRequested = new CountDownLatch(1);
    handleSignal("TERM", stopRequested);
    handleSignal("INT", stopRequested);
    // Any other way out (System.exit elsewhere, SIGHUP, a signal whose handler could not be set)
    // still drains; shutdown() is idempotent.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> server.shutdown(drainDelay, exitTimeout), "caracal-shutdown"));
    log.info("{}; SIGTERM or SIGINT shuts down gracefully", STARTED);
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info(
        "shutting down: drain delay {} s, exit timeout {} s",
        settings.drainDelaySecs(),
        settings.exitTimeoutSecs());
    server.shutdown(drainDelay, exitTimeout);
    return 0;
  }

  @SuppressWarnings("restriction")
  private static void handleSignal(String name, CountDownLatch stopRequested) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal(name), s -> stopRequested.countDown());
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      log.debug("cannot handle SIG{} ({}); the shutdown hook drains instead", name, e.getMessage());
    }
  }
}
