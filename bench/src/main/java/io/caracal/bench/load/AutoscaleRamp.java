package io.caracal.bench.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records a load ramp on ONE replica for bench/autoscale-sim.sh: closed-loop connections are added
 * one by one ({@code --step-secs} each, up to {@code --max-concurrency}), and every second the
 * replica's {@code /metrics} is read and its {@code nv_inference_pending_request_count} samples are
 * summed. Prints one CSV line per concurrency level: {@code concurrency,pending,p50_ms,p99_ms,rps}
 * (pending: the mean of the samples of the level's second half, once the queue has settled).
 *
 * <p>Usage: {@code AutoscaleRamp --url INFER_URL --metrics METRICS_URL --body JSON --expect TEXT
 * [--max-concurrency 32] [--step-secs 4]}
 */
public final class AutoscaleRamp {
  private AutoscaleRamp() {}

  public static void main(String[] args) throws Exception {
    String url = null;
    String metricsUrl = null;
    String body = null;
    String expect = null;
    int max = 32;
    double step = 4;
    for (int i = 0; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--url" -> url = v;
        case "--metrics" -> metricsUrl = v;
        case "--body" -> body = v;
        case "--expect" -> expect = v;
        case "--max-concurrency" -> max = Integer.parseInt(v);
        case "--step-secs" -> step = Double.parseDouble(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (url == null || metricsUrl == null || body == null || expect == null) {
      throw new IllegalArgumentException("need --url, --metrics, --body, --expect");
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpRequest metrics = HttpRequest.newBuilder(URI.create(metricsUrl)).GET().build();
    AtomicInteger level = new AtomicInteger(0); // the concurrency now, 0 = stop
    List<ConcurrentLinkedQueue<FailoverLoad.Call>> perLevel = new ArrayList<>();
    List<List<Double>> pendingPerLevel = new ArrayList<>();
    for (int c = 0; c <= max; c++) {
      perLevel.add(new ConcurrentLinkedQueue<>());
      pendingPerLevel.add(new ArrayList<>());
    }
    String expected = expect;
    List<Thread> workers = new ArrayList<>();
    for (int c = 1; c <= max; c++) {
      level.set(c);
      int mine = c;
      workers.add(
          Thread.ofVirtual()
              .start(() -> {
                while (level.get() >= mine) {
                  int now = level.get();
                  FailoverLoad.Call call = FailoverLoad.call(client, request, expected);
                  if (now == level.get() && now > 0) {
                    perLevel.get(now).add(call);
                  }
                }
              }));
      long end = System.nanoTime() + (long) (step * 1e9);
      int second = 0;
      while (System.nanoTime() < end) {
        Thread.sleep(1000);
        second++;
        if (second > step / 2) { // the second half of the level: the queue has settled
          pendingPerLevel
              .get(c)
              .add(pending(client.send(metrics, HttpResponse.BodyHandlers.ofString()).body()));
        }
      }
      System.err.printf(Locale.ROOT, "autoscale-ramp: concurrency %d done%n", c);
    }
    level.set(0);
    for (Thread t : workers) {
      t.join();
    }
    System.out.println("concurrency,pending,p50_ms,p99_ms,rps");
    for (int c = 1; c <= max; c++) {
      List<FailoverLoad.Call> calls = new ArrayList<>(perLevel.get(c));
      long[] lat = calls.stream().mapToLong(FailoverLoad.Call::latencyUs).sorted().toArray();
      double pending =
          pendingPerLevel.get(c).stream().mapToDouble(Double::doubleValue).average().orElse(0);
      System.out.printf(
          Locale.ROOT,
          "%d,%.2f,%.2f,%.2f,%.1f%n",
          c,
          pending,
          FailoverLoad.percentile(lat, 0.50) / 1000.0,
          FailoverLoad.percentile(lat, 0.99) / 1000.0,
          calls.size() / step);
    }
  }

  /** Returns the sum of every {@code nv_inference_pending_request_count} sample of a scrape. */
  static double pending(String exposition) {
    double sum = 0;
    for (String line : exposition.split("\n")) {
      if (line.startsWith("nv_inference_pending_request_count")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
