package io.caracal.bench.load;

import io.caracal.proto.inference.ModelInferRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Open-loop load for the overload, soak and chaos scripts (issue 12): requests leave at a fixed
 * rate whatever the server answers, each on an idle keep-alive connection (a new one when none is
 * idle, up to {@code --connections}; beyond, the request is dropped by the client and counted), and
 * each latency is measured from the request's scheduled time, so that a stalled server shows as
 * latency and not as a lower offered rate (no coordinated omission).
 *
 * <p>Over HTTP/1.1 by default; with {@code --grpc HOST:PORT} and {@code --model NAME} the same
 * requests (the JSON bodies converted by {@link V2JsonToGrpc}) go out as asynchronous gRPC {@code
 * ModelInfer} calls over {@code --channels} HTTP/2 connections ({@link GrpcSender}), each started
 * at its scheduled time whether or not earlier calls have been answered; a malformed request must
 * then be answered {@code INVALID_ARGUMENT}, and gRPC codes are counted in the columns of the HTTP
 * status the server gives the same failure (UNAVAILABLE as 503, INTERNAL as 500, ...).
 *
 * <p>Options: {@code --url} the infer URL, {@code --body FILE} the request body (JSON), {@code
 * --bad-body FILE} and {@code --bad-percent P} a malformed body sent for P% of the requests (the
 * answer must be a 4xx), {@code --abort-percent P} requests whose client closes its connection
 * right after sending (a crashing client: no answer is read), {@code --slowloris N} connections
 * that send one header byte a second all along, {@code --rate} requests a second, {@code --warmup}
 * and {@code --duration} seconds, {@code --connections} at most, {@code --label}. Prints one
 * markdown table row (see {@link #HEADER}) and, with {@code --bad-percent}, fails (exit 1) on any
 * unexpected answer. With {@code --internal-expected} (chaos with a fault-injecting backend) a 500
 * (gRPC INTERNAL) whose message is the server's {@code internal error (correlation id ...)} is
 * expected and counted in its own column; any other 500 is not.
 */
public final class OpenLoop {
  static final String HEADER =
      "| run | offered /s | sent | goodput /s (2xx) | admitted p50 / p99 / max ms | refused 429/503 |"
          + " refusal p99 / max ms | bad → 4xx | 504 | 500 internal | other | I/O errors | aborted |"
          + " not sent |\n"
          + "|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|";

  /** The message of the server's 500: an internal failure under a correlation id. */
  private static final Pattern INTERNAL =
      Pattern.compile("internal error \\(correlation id [^)]+\\)");

  private final String host;
  private final int port;
  private final byte[] good;
  private final byte[] bad;
  private final ConcurrentLinkedQueue<HttpConnection> idle = new ConcurrentLinkedQueue<>();
  private final AtomicInteger open = new AtomicInteger();
  private final int maxConnections;
  private final boolean internalExpected;
  private @Nullable GrpcSender grpc;
  private @Nullable ModelInferRequest grpcGood;
  private @Nullable ModelInferRequest grpcBad;

  /** gRPC calls sent and not yet answered (a Phaser would cap them at 65,535). */
  private final AtomicLong grpcInFlight = new AtomicLong();

  private final Samples admitted = new Samples();
  private final Samples refused = new Samples();
  private final AtomicLong badAnswered = new AtomicLong();
  private final AtomicLong timedOut = new AtomicLong();
  private final AtomicLong internal = new AtomicLong();
  private final AtomicLong other = new AtomicLong();
  private final AtomicLong ioErrors = new AtomicLong();
  private final AtomicLong aborted = new AtomicLong();
  private final AtomicLong notSent = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();

  private OpenLoop(
      URI url, byte[] body, byte[] badBody, int maxConnections, boolean internalExpected) {
    this.host = url.getHost();
    this.port = url.getPort();
    String path = url.getRawPath();
    String json = "Content-Type: application/json\r\n";
    this.good = HttpConnection.request("POST", path, host, json, body);
    this.bad = HttpConnection.request("POST", path, host, json, badBody);
    this.maxConnections = maxConnections;
    this.internalExpected = internalExpected;
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && args[0].equals("--header-only")) {
      System.out.println(HEADER);
      return;
    }
    URI url = null;
    String grpcTarget = null;
    String model = null;
    int channels = 4;
    boolean internalExpected = false;
    Path body = null;
    Path badBody = null;
    double badPercent = 0;
    double abortPercent = 0;
    int slowloris = 0;
    double rate = 100;
    double warmup = 5;
    double duration = 30;
    int connections = 512;
    String label = "run";
    boolean header = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--header")) {
        header = true;
        continue;
      }
      if (a.equals("--internal-expected")) {
        internalExpected = true;
        continue;
      }
      String v = args[++i];
      switch (a) {
        case "--url" -> url = URI.create(v);
        case "--grpc" -> grpcTarget = v;
        case "--model" -> model = v;
        case "--channels" -> channels = Integer.parseInt(v);
        case "--body" -> body = Path.of(v);
        case "--bad-body" -> badBody = Path.of(v);
        case "--bad-percent" -> badPercent = Double.parseDouble(v);
        case "--abort-percent" -> abortPercent = Double.parseDouble(v);
        case "--slowloris" -> slowloris = Integer.parseInt(v);
        case "--rate" -> rate = Double.parseDouble(v);
        case "--warmup" -> warmup = Double.parseDouble(v);
        case "--duration" -> duration = Double.parseDouble(v);
        case "--connections" -> connections = Integer.parseInt(v);
        case "--label" -> label = v;
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (grpcTarget != null) {
      if (model == null || abortPercent > 0 || slowloris > 0) {
        throw new IllegalArgumentException(
            "--grpc needs --model, and takes no --abort-percent or --slowloris");
      }
      url = URI.create("grpc://" + grpcTarget);
      if (url.getPort() < 1) {
        throw new IllegalArgumentException("--grpc needs HOST:PORT, got " + grpcTarget);
      }
    }
    if (url == null || body == null) {
      throw new IllegalArgumentException("--url (or --grpc) and --body are required");
    }
    byte[] good = Files.readAllBytes(body);
    byte[] badBytes = badBody == null ? good : Files.readAllBytes(badBody);
    OpenLoop load = new OpenLoop(url, good, badBytes, connections, internalExpected);
    if (grpcTarget != null && model != null) {
      load.grpcGood = V2JsonToGrpc.convert(model, good);
      load.grpcBad = V2JsonToGrpc.convert(model, badBytes);
      load.grpc = new GrpcSender(url.getHost(), url.getPort(), channels);
    }
    if (header) {
      System.out.println(HEADER);
    }
    Thread loris = slowloris > 0 ? load.slowloris(slowloris) : null;
    boolean ok = load.run(rate, warmup, duration, badPercent, abortPercent, label);
    if (loris != null) {
      loris.interrupt();
    }
    System.exit(ok ? 0 : 1);
  }

  /** Runs; prints the row; returns whether every answer was one the options allow. */
  private boolean run(
      double rate,
      double warmupSecs,
      double durationSecs,
      double badPercent,
      double abortPercent,
      String label)
      throws InterruptedException {
    long interval = (long) (1e9 / rate);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    long measureFrom = start + (long) (warmupSecs * 1e9);
    long end = measureFrom + (long) (durationSecs * 1e9);
    long badEvery = badPercent > 0 ? Math.round(100 / badPercent) : 0;
    long abortEvery = abortPercent > 0 ? Math.round(100 / abortPercent) : 0;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (long i = 0; ; i++) {
        long at = start + i * interval;
        if (at >= end) {
          break;
        }
        long wait = at - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
        boolean measured = at >= measureFrom;
        boolean isBad = badEvery > 0 && i % badEvery == badEvery / 2;
        boolean abort = !isBad && abortEvery > 0 && i % abortEvery == abortEvery / 3;
        if (grpc != null) {
          grpcOne(grpc, i, at, measured, isBad);
        } else {
          pool.execute(() -> one(at, measured, isBad, abort));
        }
      }
      pool.shutdown();
      pool.awaitTermination(2, TimeUnit.MINUTES);
    }
    idle.forEach(HttpConnection::close);
    if (grpc != null) {
      long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (grpcInFlight.get() > 0 && System.nanoTime() < until) {
        Thread.sleep(10); // a load generator's end, not an ordering: the calls have deadlines
      }
      if (grpcInFlight.get() > 0) {
        unexpected.add(grpcInFlight.get() + " gRPC calls unanswered 2 minutes after the last");
      }
      grpc.close();
    }
    double secs = durationSecs;
    long[] ok = admitted.sorted();
    long[] no = refused.sorted();
    System.out.printf(
        Locale.ROOT,
        "| %s | %.0f | %d | %.1f | %s | %d (%.1f%%) | %s | %d | %d | %d | %d | %d | %d | %d |%n",
        label,
        rate,
        sent.get(),
        ok.length / secs,
        percentiles(ok),
        no.length,
        sent.get() == 0 ? 0 : 100.0 * no.length / sent.get(),
        no.length == 0 ? "–" : ms(at(no, 0.99)) + " / " + ms(no[no.length - 1]),
        badAnswered.get(),
        timedOut.get(),
        internal.get(),
        other.get(),
        ioErrors.get(),
        aborted.get(),
        notSent.get());
    unexpected.stream().limit(5).forEach(u -> System.err.println("unexpected: " + u));
    return unexpected.isEmpty() || badPercent == 0;
  }

  private void one(long scheduled, boolean measured, boolean isBad, boolean abort) {
    if (abort) {
      if (measured) {
        sent.incrementAndGet();
      }
      crash(measured);
      return;
    }
    HttpConnection c = idle.poll();
    if (c == null) {
      if (open.incrementAndGet() > maxConnections) {
        open.decrementAndGet();
        if (measured) {
          notSent.incrementAndGet();
        }
        return;
      }
      try {
        c = new HttpConnection(host, port);
      } catch (IOException e) {
        open.decrementAndGet();
        count(measured, ioErrors, "connect: " + e.getMessage());
        return;
      }
    }
    if (measured) {
      sent.incrementAndGet();
    }
    int status;
    boolean keep = true;
    try {
      status = c.exchange(isBad ? bad : good);
    } catch (IOException e) {
      keep = false;
      status = closedWith(e);
      if (status < 0) {
        c.close();
        open.decrementAndGet();
        count(measured, ioErrors, e.toString());
        return;
      }
    }
    long latency = System.nanoTime() - scheduled;
    // read before the connection goes back to the idle pool, where another request may take it
    String text = status / 100 == 2 || !keep ? "" : c.bodyText();
    if (keep) {
      idle.add(c);
    } else {
      c.close();
      open.decrementAndGet();
    }
    record(measured, isBad, status, latency, () -> text);
  }

  /** Sends request {@code i} over gRPC; its outcome is recorded when it is answered. */
  private void grpcOne(GrpcSender sender, long i, long scheduled, boolean measured, boolean isBad) {
    if (measured) {
      sent.incrementAndGet();
    }
    grpcInFlight.incrementAndGet();
    ModelInferRequest r = isBad ? grpcBad : grpcGood;
    if (r == null) {
      throw new IllegalStateException("no gRPC request");
    }
    sender.send(
        i,
        r,
        (status, message) -> {
          try {
            long latency = System.nanoTime() - scheduled;
            if (status < 0) {
              count(measured, ioErrors, message);
            } else {
              record(measured, isBad, status, latency, () -> message);
            }
          } finally {
            grpcInFlight.decrementAndGet();
          }
        });
  }

  /** Counts one answer (HTTP status, or a gRPC code as {@link GrpcSender#statusOf} maps it). */
  private void record(
      boolean measured, boolean isBad, int status, long latency, Supplier<String> message) {
    if (!measured) {
      return;
    }
    if (isBad) {
      // over gRPC only INVALID_ARGUMENT (400) names a malformed request
      if (grpc != null ? status == 400 : status >= 400 && status < 500) {
        badAnswered.incrementAndGet();
      } else {
        other.incrementAndGet();
        unexpected.add("bad request answered " + status + ": " + message.get());
      }
    } else if (status / 100 == 2) {
      admitted.add(latency);
    } else if (status == 429 || status == 503) {
      refused.add(latency);
    } else if (status == 504) {
      timedOut.incrementAndGet();
    } else if (status == 500 && internalExpected && INTERNAL.matcher(message.get()).find()) {
      internal.incrementAndGet();
    } else {
      other.incrementAndGet();
      unexpected.add("answered " + status + ": " + message.get());
    }
  }

  /** A client that sends its request and dies: a fresh connection, closed right after writing. */
  private void crash(boolean measured) {
    try (Socket s = new Socket(host, port)) {
      OutputStream out = s.getOutputStream();
      out.write(good);
      out.flush();
      s.setSoLinger(true, 0); // an RST, as a killed process leaves
    } catch (IOException e) {
      count(measured, ioErrors, "crash: " + e.getMessage());
      return;
    }
    if (measured) {
      aborted.incrementAndGet();
    }
  }

  /** The status of a response after which the server closed the connection, or -1. */
  private static int closedWith(IOException e) {
    String m = String.valueOf(e.getMessage());
    String p = "server closed the connection (status ";
    return m.startsWith(p) ? Integer.parseInt(m.substring(p.length(), p.length() + 3)) : -1;
  }

  private void count(boolean measured, AtomicLong counter, String what) {
    if (measured) {
      counter.incrementAndGet();
      unexpected.add(what);
    }
  }

  /**
   * {@code n} connections that each send one byte of a request head a second, reconnecting when the
   * server closes them (as its header deadline says it must).
   */
  private Thread slowloris(int n) {
    return Thread.ofPlatform()
        .daemon(true)
        .name("slowloris")
        .start(() -> {
          byte[] head =
              ("POST /v2/models/x/infer HTTP/1.1\r\nHost: "
                      + host
                      + "\r\nX-Slow: "
                      + "a".repeat(4096))
                  .getBytes(StandardCharsets.US_ASCII);
          List<Socket> sockets = new ArrayList<>();
          int[] sentBytes = new int[n];
          try {
            while (!Thread.currentThread().isInterrupted()) {
              for (int k = 0; k < n; k++) {
                try {
                  if (sockets.size() <= k) {
                    sockets.add(new Socket(host, port));
                  }
                  Socket s = sockets.get(k);
                  if (s.isClosed() || sentBytes[k] >= head.length) {
                    s.close();
                    s = new Socket(host, port);
                    sockets.set(k, s);
                    sentBytes[k] = 0;
                  }
                  s.getOutputStream().write(head[sentBytes[k]++]);
                } catch (IOException e) {
                  if (k < sockets.size()) {
                    try {
                      sockets.get(k).close();
                    } catch (IOException ignored) {
                      // reconnects next round
                    }
                  }
                  sentBytes[k] = head.length; // reconnect next round
                }
              }
              Thread.sleep(1000);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            for (Socket s : sockets) {
              try {
                s.close();
              } catch (IOException ignored) {
                // done
              }
            }
          }
        });
  }

  private static String percentiles(long[] s) {
    if (s.length == 0) {
      return "–";
    }
    return ms(at(s, 0.5)) + " / " + ms(at(s, 0.99)) + " / " + ms(s[s.length - 1]);
  }

  private static long at(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
  }

  /** Latencies in nanoseconds, appended from many threads. */
  private static final class Samples {
    private long[] values = new long[1 << 14];
    private int size;

    synchronized void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    synchronized long[] sorted() {
      long[] s = Arrays.copyOf(values, size);
      Arrays.sort(s);
      return s;
    }
  }
}
