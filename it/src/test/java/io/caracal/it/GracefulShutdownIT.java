package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.testing.models.TestModels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM under load, on a real server process ({@code java -cp ... io.caracal.app.Main serve}):
 * every request admitted before the signal succeeds, readiness turns false during the drain while
 * liveness stays true, and the process exits 0 within the drain delay plus the exit timeout.
 */
class GracefulShutdownIT {
  private static final Pattern LISTENING = Pattern.compile("HTTP listening on [^:]+:(\\d+)");
  private static final Pattern GRPC_LISTENING = Pattern.compile("gRPC listening on [^:]+:(\\d+)");
  private static final int DRAIN_SECS = 2;
  private static final int EXIT_TIMEOUT_SECS = 20;
  private static final int CLIENTS = 6;

  @TempDir Path repo;
  Process process;
  Thread reader;
  final java.util.concurrent.CompletableFuture<Integer> grpcPort =
      new java.util.concurrent.CompletableFuture<>();
  final List<String> output = new CopyOnWriteArrayList<>();

  record Outcome(long sentAt, long doneAt, int status, String body) {}

  @AfterEach
  void tearDown() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }

  @Test
  void sigtermUnderLoad_losesNoAdmittedRequest_readinessFalseDuringDrain_exits0() throws Exception {
    TestModels.slow(repo, "slow", 1);
    int port = startServer();
    HttpClient probe =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    String base = "http://127.0.0.1:" + port;
    // The server loads its models before it listens, and listens on gRPC after HTTP: ready now.
    int grpc = grpcPort.get(30, TimeUnit.SECONDS);
    assertThat(status(probe, base + "/v2/health/ready")).as("ready once listening").isEqualTo(200);
    io.grpc.ManagedChannel channel =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", grpc)
            .usePlaintext()
            .build();
    var grpcHealth = io.grpc.health.v1.HealthGrpc.newBlockingStub(channel);
    var grpcV2 = io.caracal.proto.inference.GRPCInferenceServiceGrpc.newBlockingStub(channel);
    assertThat(
            grpcHealth.check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);

    String body =
        """
        {"inputs":[{"name":"INPUT0","shape":[1,16],"datatype":"FP32","data":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]},
        {"name":"ITERATIONS","shape":[1,1],"datatype":"INT64","data":[400]}]}\
        """;
    HttpRequest infer =
        HttpRequest.newBuilder(URI.create(base + "/v2/models/slow/infer"))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();

    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong signalAt = new AtomicLong(Long.MAX_VALUE);
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    CountDownLatch loaded = new CountDownLatch(20); // 20 requests answered before the signal
    List<Thread> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      clients.add(
          Thread.ofPlatform()
              .name("client-" + c)
              .start(() -> {
                while (!stop.get()) {
                  long sent = System.nanoTime();
                  try {
                    HttpResponse<String> r =
                        client.send(infer, HttpResponse.BodyHandlers.ofString());
                    outcomes.add(new Outcome(sent, System.nanoTime(), r.statusCode(), r.body()));
                    loaded.countDown();
                  } catch (IOException e) {
                    outcomes.add(new Outcome(sent, System.nanoTime(), -1, String.valueOf(e)));
                    if (sent > signalAt.get()) {
                      return; // the listener is gone: this client is done
                    }
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              }));
    }
    // Readiness and liveness as a load balancer would see them, from the signal on.
    // {time, HTTP ready status, HTTP live status, gRPC ServerReady (1/0), gRPC health SERVING
    // (1/0); -1 = no answer}
    // A probe every 50 ms, as a load balancer polls; the period only sets how densely the drain is
    // sampled.
    ConcurrentLinkedQueue<long[]> health = new ConcurrentLinkedQueue<>();
    ScheduledExecutorService prober =
        Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "prober"));
    prober.scheduleWithFixedDelay(
        () -> {
          long t = System.nanoTime();
          long grpcReady;
          long grpcServing;
          try {
            var stub = grpcV2.withDeadlineAfter(2, TimeUnit.SECONDS);
            grpcReady =
                stub.serverReady(io.caracal.proto.inference.ServerReadyRequest.getDefaultInstance())
                        .getReady()
                    ? 1
                    : 0;
            grpcServing =
                grpcHealth
                            .withDeadlineAfter(2, TimeUnit.SECONDS)
                            .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance())
                            .getStatus()
                        == io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING
                    ? 1
                    : 0;
          } catch (io.grpc.StatusRuntimeException e) {
            grpcReady = -1;
            grpcServing = -1;
          }
          health.add(
              new long[] {
                t,
                status(probe, base + "/v2/health/ready"),
                status(probe, base + "/v2/health/live"),
                grpcReady,
                grpcServing
              });
        },
        0,
        50,
        TimeUnit.MILLISECONDS);

    // Load until 20 requests were answered, then SIGTERM. ProcessHandle.destroy sends SIGTERM on
    // Linux as Process.destroy does, but leaves the process's output open, so its log is read to
    // the end.
    loaded.await(30, TimeUnit.SECONDS);
    signalAt.set(System.nanoTime());
    assertThat(process.toHandle().destroy()).isTrue();
    boolean exited = process.waitFor(DRAIN_SECS + EXIT_TIMEOUT_SECS + 10, TimeUnit.SECONDS);
    long exitedAt = System.nanoTime();
    stop.set(true);
    for (Thread t : clients) {
      t.join(TimeUnit.SECONDS.toMillis(70));
    }
    prober.shutdownNow();
    assertThat(prober.awaitTermination(10, TimeUnit.SECONDS)).as("the prober stopped").isTrue();

    reader.join(10_000); // the whole log, to its last line
    String log = String.join("\n", output);
    assertThat(exited).as("exited within drain + exit timeout; log:\n%s", log).isTrue();
    assertThat(process.exitValue()).as(log).isZero();
    assertThat(TimeUnit.NANOSECONDS.toSeconds(exitedAt - signalAt.get()))
        .isLessThan(DRAIN_SECS + EXIT_TIMEOUT_SECS);

    long signal = signalAt.get();
    List<Outcome> before = outcomes.stream().filter(o -> o.sentAt() < signal).toList();
    List<Outcome> after = outcomes.stream().filter(o -> o.sentAt() >= signal).toList();
    assertThat(before).hasSizeGreaterThanOrEqualTo(20);
    assertThat(before)
        .as("requests sent before the signal")
        .allSatisfy(o -> assertThat(o.status()).as(o.body()).isEqualTo(200));
    // Sent during the drain delay: still served. Later: 503 'the server is shutting down' or the
    // connection refused; never anything else.
    long drainEnd =
        signal + TimeUnit.SECONDS.toNanos(DRAIN_SECS) - TimeUnit.MILLISECONDS.toNanos(300);
    assertThat(after.stream().filter(o -> o.doneAt() < drainEnd).toList())
        .as("requests answered during the drain delay")
        .isNotEmpty()
        .allSatisfy(o -> assertThat(o.status()).as(o.body()).isEqualTo(200));
    assertThat(after)
        .allSatisfy(o -> {
          if (o.status() != 200 && o.status() != -1) {
            assertThat(o.status()).isEqualTo(503);
            assertThat(o.body()).contains("the server is shutting down");
          }
        });

    // Readiness false at once after the signal while liveness stayed true.
    List<long[]> during =
        health.stream()
            .filter(h -> h[0] > signal + TimeUnit.MILLISECONDS.toNanos(300) && h[0] < drainEnd)
            .toList();
    assertThat(during).as("health probes during the drain").isNotEmpty();
    assertThat(during)
        .allSatisfy(h -> {
          assertThat(h[1]).as("ready").isEqualTo(503);
          assertThat(h[2]).as("live").isEqualTo(200);
          assertThat(h[3]).as("gRPC ServerReady").isZero();
          assertThat(h[4]).as("gRPC health SERVING").isZero();
        });
    channel.shutdownNow();
    assertThat(log).contains("shutdown: stopped accepting").contains("caracal stopped");
  }

  private static long status(HttpClient client, String url) {
    try {
      return client
          .send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Starts the server process; returns its HTTP port (read from its log). */
  private int startServer() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                ServerProcess.appClassPath(),
                "io.caracal.app.Main",
                "serve",
                "--model-repository",
                repo.toString(),
                "--http-port",
                "0",
                "--grpc-port",
                "0",
                "--metrics-port",
                "0",
                "--drain-delay-secs",
                Integer.toString(DRAIN_SECS),
                "--exit-timeout-secs",
                Integer.toString(EXIT_TIMEOUT_SECS),
                "--intra-op-threads",
                "1")
            .redirectErrorStream(true);
    pb.environment().put("CARACAL_LOG_LEVEL", "info");
    process = pb.start();
    java.util.concurrent.CompletableFuture<Integer> port =
        new java.util.concurrent.CompletableFuture<>();
    reader =
        Thread.ofPlatform()
            .daemon()
            .name("server-output")
            .start(() -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  output.add(line);
                  Matcher m = LISTENING.matcher(line);
                  if (m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                  }
                  Matcher g = GRPC_LISTENING.matcher(line);
                  if (g.find()) {
                    grpcPort.complete(Integer.parseInt(g.group(1)));
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
              String exit;
              try {
                exit =
                    process.waitFor(10, TimeUnit.SECONDS)
                        ? "exit code " + process.exitValue()
                        : "still running";
              } catch (InterruptedException e) {
                exit = "interrupted";
              }
              port.completeExceptionally(
                  new IllegalStateException(
                      "the server ended before listening ("
                          + exit
                          + "):\n"
                          + String.join("\n", output)));
            });
    return port.get(60, TimeUnit.SECONDS);
  }
}
