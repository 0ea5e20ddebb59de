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
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down");
                  server.close();
                  stopped.countDown();
                },
                "caracal-shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
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
