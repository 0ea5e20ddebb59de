package io.caracal.bench.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jspecify.annotations.Nullable;

/**
 * Steady closed-loop load for bench/failover.sh: {@code --concurrency} virtual threads each send
 * one V2 inference request after the other (JSON, JDK HTTP client, keep-alive) to {@code --url}
 * (the load balancer) until {@code --stop FILE} exists, recording when each request started, how
 * long it took and how it ended. The script appends what it does to {@code --events FILE}, one line
 * per step: {@code <epoch ms> begin|end <label>}. At the end this prints, for the time before the
 * first event and for each event window (begin to end), the requests started in it, how many failed
 * (not 200, or no answer), and their latency percentiles; then every failure with its time, the
 * event it fell in and its cause.
 *
 * <p>Usage: {@code FailoverLoad --url URL --body JSON --expect TEXT --events FILE --stop FILE
 * [--concurrency 8] [--timeout-secs 10]}. {@code --expect}: a text every good answer contains.
 */
public final class FailoverLoad {
  /** One request: start (epoch ms), latency (µs), and its failure, or null. */
  record Call(long startMs, long latencyUs, @Nullable String failure) {}

  record Event(String label, long beginMs, long endMs) {}

  private FailoverLoad() {}

  public static void main(String[] args) throws Exception {
    String url = null;
    String body = null;
    String expect = null;
    Path events = null;
    Path stop = null;
    int concurrency = 8;
    int timeoutSecs = 10;
    for (int i = 0; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--url" -> url = v;
        case "--body" -> body = v;
        case "--expect" -> expect = v;
        case "--events" -> events = Path.of(v);
        case "--stop" -> stop = Path.of(v);
        case "--concurrency" -> concurrency = Integer.parseInt(v);
        case "--timeout-secs" -> timeoutSecs = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (url == null || body == null || expect == null || events == null || stop == null) {
      throw new IllegalArgumentException("need --url, --body, --expect, --events, --stop");
    }
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(timeoutSecs))
            .build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(timeoutSecs))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    Path stopFile = stop;
    String expected = expect;
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < concurrency; w++) {
      workers.add(
          Thread.ofVirtual()
              .name("failover-load-" + w)
              .start(() -> {
                while (!Files.exists(stopFile)) {
                  calls.add(call(client, request, expected));
                }
              }));
    }
    System.err.println("failover-load: " + concurrency + " connections to " + url);
    for (Thread t : workers) {
      t.join();
    }
    report(new ArrayList<>(calls), readEvents(events));
  }

  static Call call(HttpClient client, HttpRequest request, String expected) {
    long startMs = System.currentTimeMillis();
    long t0 = System.nanoTime();
    @Nullable String failure = null;
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        failure = "HTTP " + r.statusCode() + " " + abbreviate(r.body());
      } else if (!r.body().contains(expected)) {
        failure = "wrong answer " + abbreviate(r.body());
      }
    } catch (IOException e) {
      failure = e.getClass().getSimpleName() + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted";
    }
    return new Call(startMs, (System.nanoTime() - t0) / 1000, failure);
  }

  private static String abbreviate(String s) {
    String one = s.replace('\n', ' ');
    return one.length() > 120 ? one.substring(0, 120) + "..." : one;
  }

  /** Reads {@code <ms> begin|end <label>} lines into events, in the order they began. */
  static List<Event> readEvents(Path file) throws IOException {
    List<Event> out = new ArrayList<>();
    List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
    for (String line : lines) {
      String[] f = line.strip().split(" ", 3);
      if (f.length < 3 || !f[1].equals("begin")) {
        continue;
      }
      long end = Long.MAX_VALUE;
      for (String other : lines) {
        String[] g = other.strip().split(" ", 3);
        if (g.length == 3 && g[1].equals("end") && g[2].equals(f[2])) {
          end = Long.parseLong(g[0]);
        }
      }
      out.add(new Event(f[2], Long.parseLong(f[0]), end));
    }
    return out;
  }

  static void report(List<Call> calls, List<Event> events) {
    calls.sort((a, b) -> Long.compare(a.startMs(), b.startMs()));
    long first = events.isEmpty() ? Long.MAX_VALUE : events.get(0).beginMs();
    List<Event> windows = new ArrayList<>();
    windows.add(new Event("warm-up (before the first event)", Long.MIN_VALUE, first));
    windows.addAll(events);
    windows.add(new Event("whole run", Long.MIN_VALUE, Long.MAX_VALUE));
    System.out.println(
        "| window | seconds | requests sent | failed | req/s | p50 ms | p99 ms | max ms |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    long runStart = calls.isEmpty() ? 0 : calls.get(0).startMs();
    long runEnd = calls.isEmpty() ? 0 : calls.get(calls.size() - 1).startMs();
    for (Event w : windows) {
      List<Call> in =
          calls.stream()
              .filter(c -> c.startMs() >= w.beginMs() && c.startMs() < w.endMs())
              .toList();
      long from = Math.max(w.beginMs(), runStart);
      long to = Math.min(w.endMs(), runEnd);
      double secs = Math.max(0.001, (to - from) / 1000.0);
      long failed = in.stream().filter(c -> c.failure() != null).count();
      long[] lat = in.stream().mapToLong(Call::latencyUs).sorted().toArray();
      System.out.printf(
          Locale.ROOT,
          "| %s | %.1f | %d | %d | %.0f | %s | %s | %s |%n",
          w.label(),
          secs,
          in.size(),
          failed,
          in.size() / secs,
          ms(percentile(lat, 0.50)),
          ms(percentile(lat, 0.99)),
          ms(lat.length == 0 ? -1 : lat[lat.length - 1]));
    }
    List<Call> failures = calls.stream().filter(c -> c.failure() != null).toList();
    System.out.println();
    System.out.println("failures: " + failures.size());
    for (Call c : failures) {
      String in =
          events.stream()
              .filter(e -> c.startMs() >= e.beginMs() && c.startMs() < e.endMs())
              .map(Event::label)
              .findFirst()
              .orElse("no event");
      System.out.printf(
          Locale.ROOT,
          "  %d (%s) after %s ms: %s%n",
          c.startMs(),
          in,
          ms(c.latencyUs()),
          c.failure());
    }
  }

  static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return -1;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private static String ms(long us) {
    return us < 0 ? "-" : String.format(Locale.ROOT, "%.1f", us / 1000.0);
  }
}
