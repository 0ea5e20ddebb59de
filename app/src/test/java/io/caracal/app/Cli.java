package io.caracal.app;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/** One run of the {@code caracal} command line with a fake server that records its settings. */
record Cli(int exit, String out, String err, @Nullable ServerSettings served) {
  /** Runs {@code caracal args...} with an empty environment. */
  static Cli run(String... args) {
    return run(Map.of(), args);
  }

  /** Runs {@code caracal args...} with {@code env}; the fake server exits 0. */
  static Cli run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    AtomicReference<ServerSettings> served = new AtomicReference<>();
    int exit =
        Main.run(
            List.of(args),
            env,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            settings -> {
              served.set(settings);
              return 0;
            });
    return new Cli(
        exit,
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8),
        served.get());
  }

  /**
   * Returns the settings {@code caracal serve args...} hands to the server, failing with stderr if
   * none.
   */
  static ServerSettings settings(Map<String, String> env, String... args) {
    Cli run = run(env, serve(args));
    if (run.served() == null) {
      throw new AssertionError("exit " + run.exit() + ": " + run.err());
    }
    return run.served();
  }

  /**
   * Returns the first line {@code caracal serve args...} writes to stderr, after checking it exits
   * 2.
   */
  static String usageError(Map<String, String> env, String... args) {
    Cli run = run(env, serve(args));
    if (run.exit() != 2 || run.served() != null) {
      throw new AssertionError("expected a usage error, got exit " + run.exit() + ": " + run.err());
    }
    return run.err().lines().findFirst().orElse("");
  }

  private static String[] serve(String... args) {
    return Stream.concat(Stream.of("serve"), Arrays.stream(args)).toArray(String[]::new);
  }
}
