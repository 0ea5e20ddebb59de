package io.caracal.app;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code caracal} command line.
 *
 * <pre>
 * caracal serve --model-repository DIR [options]   serve a repository (see caracal serve --help)
 * caracal --help | --version
 * </pre>
 *
 * Exit codes: 0 after a clean shutdown, 1 when the server cannot start, 2 for a usage error.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(Arrays.asList(args), System.getenv(), System.out, System.err));
  }

  static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h") || args.get(0).equals("help")) {
      out.print(usage());
      return args.isEmpty() ? 2 : 0;
    }
    if (args.get(0).equals("--version")) {
      out.println("caracal " + Version.current());
      return 0;
    }
    if (!args.get(0).equals("serve")) {
      err.println("caracal: unknown command '" + args.get(0) + "'");
      err.print(usage());
      return 2;
    }
    List<String> rest = args.subList(1, args.size());
    if (rest.contains("--help") || rest.contains("-h")) {
      out.print(SettingsLoader.help());
      return 0;
    }
    ServerSettings settings;
    try {
      settings = new SettingsLoader(env).load(rest);
    } catch (IllegalArgumentException e) {
      err.println("caracal: " + e.getMessage());
      return 2;
    }
    return serve(settings);
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
        .addShutdownHook(new Thread(() -> server.shutdown(drainDelay, exitTimeout), "caracal-shutdown"));
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("shutting down: drain delay {} s, exit timeout {} s", settings.drainDelaySecs(), settings.exitTimeoutSecs());
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

  private static String usage() {
    return """
        Usage: caracal serve --model-repository DIR [options]
               caracal --version

        Serves the ONNX models of a Triton-layout model repository over the KServe V2
        (Open Inference Protocol) REST API. 'caracal serve --help' lists every option.
        """;
  }
}
