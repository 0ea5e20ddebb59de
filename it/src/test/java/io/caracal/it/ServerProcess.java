package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code caracal} command run as its own process from the built app ({@code java -cp
 * app/target/caracal-app.jar:app/target/lib/* io.caracal.app.Main ...}), with only the given {@code
 * CARACAL_*} variables in its environment; stdout and stderr are collected line by line.
 */
final class ServerProcess implements AutoCloseable {
  private static final Pattern HTTP_LISTENING = Pattern.compile("HTTP listening on [^:]+:(\\d+)");
  private static final String STARTED = "caracal started;"; // logged once SIGTERM drains

  private final Process process;
  private final Thread reader;
  private final List<String> output = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Integer> started = new CompletableFuture<>();

  private ServerProcess(Process process) {
    this.process = process;
    this.reader = Thread.ofPlatform().daemon().name("server-output").start(this::readOutput);
  }

  /**
   * Starts {@code caracal args...} with {@code environment} added to a copy of this one minus its
   * {@code CARACAL_*}.
   */
  static ServerProcess start(Map<String, String> environment, String... args) throws IOException {
    List<String> command =
        new ArrayList<>(List.of(javaExecutable(), "-cp", appClassPath(), "io.caracal.app.Main"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("CARACAL_"));
    pb.environment().putAll(environment);
    return new ServerProcess(pb.start());
  }

  /**
   * Returns the class path {@code bin/caracal} uses: {@code app/target/caracal-app.jar} and {@code
   * app/target/lib/*}, which the reactor builds before this module. (This module's own test class
   * path also holds the test-only backends of the other integration tests.)
   */
  static String appClassPath() {
    Path app =
        Path.of(System.getProperty("basedir", "."))
            .toAbsolutePath()
            .resolveSibling("app")
            .resolve("target");
    if (!Files.isRegularFile(app.resolve("caracal-app.jar"))) {
      app = Path.of("").toAbsolutePath().resolveSibling("app").resolve("target");
    }
    assertThat(app.resolve("caracal-app.jar"))
        .as("run 'package' on the app module first")
        .isRegularFile();
    return app.resolve("caracal-app.jar")
        + File.pathSeparator
        + app.resolve("lib")
        + File.separator
        + "*";
  }

  private static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Waits until the server has started, and SIGTERM would drain it; returns the HTTP port it
   * logged. Fails if the process ends first.
   */
  int awaitStarted() throws Exception {
    return started.get(60, TimeUnit.SECONDS);
  }

  /** Sends SIGTERM (on Unix; the JVM's destroy) and returns the exit code. */
  int terminate() throws InterruptedException {
    process.toHandle().destroy();
    return waitFor();
  }

  /** Waits for the process to end and its output to be read; returns the exit code. */
  int waitFor() throws InterruptedException {
    assertThat(process.waitFor(60, TimeUnit.SECONDS))
        .as("the process ended:\n%s", output())
        .isTrue();
    reader.join(10_000);
    return process.exitValue();
  }

  /** Returns the output so far, one line per line. */
  String output() {
    return String.join("\n", output);
  }

  private void readOutput() {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      int httpPort = -1;
      while ((line = r.readLine()) != null) {
        output.add(line);
        Matcher m = HTTP_LISTENING.matcher(line);
        if (m.find()) {
          httpPort = Integer.parseInt(m.group(1));
        }
        if (line.contains(STARTED)) {
          started.complete(httpPort);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      started.completeExceptionally(
          new IllegalStateException("the process ended before it started:\n" + output()));
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
