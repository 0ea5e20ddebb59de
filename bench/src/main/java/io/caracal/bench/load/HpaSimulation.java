package io.caracal.bench.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * Replays a recorded single-replica ramp (AutoscaleRamp's CSV: pending requests and latency at each
 * concurrency) through the autoscaler of docs/operations.md: every 15 s KEDA reads the pending
 * requests summed over the pods and the HPA asks for {@code ceil(sum / threshold)} replicas (within
 * 10 % of the current count nothing changes), at most doubling (or +4) per 15 s going up, going
 * down only to the highest count asked for in the last 300 s and by one pod per 60 s, between
 * {@code --min} and {@code --max}; a new pod serves {@code --ready-secs} after it is asked for.
 * With R ready replicas, C clients split evenly: each replica sees C/R of them, so its pending
 * requests and latency are read off the recorded curve at C/R (linear in between) and the sum is R
 * times that. The traffic: closed-loop clients rising from 2 to {@code --peak} over 10 min, 5 min
 * at the peak, back to 4 over 5 min, then 5 min quiet. Prints, per threshold, the replica count and
 * p99 latency each minute, and a summary.
 *
 * <p>Usage: {@code HpaSimulation CSV [--thresholds 4,8,16] [--peak 96] [--min 2] [--max 10]
 * [--ready-secs 30]}
 */
public final class HpaSimulation {
  record Point(double concurrency, double pending, double p50, double p99) {}

  private HpaSimulation() {}

  public static void main(String[] args) throws Exception {
    List<Point> curve = read(Path.of(args[0]));
    String thresholds = "4,8,16";
    double peak = 96;
    int min = 2;
    int max = 10;
    int readySecs = 30;
    for (int i = 1; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--thresholds" -> thresholds = v;
        case "--peak" -> peak = Double.parseDouble(v);
        case "--min" -> min = Integer.parseInt(v);
        case "--max" -> max = Integer.parseInt(v);
        case "--ready-secs" -> readySecs = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<Double> clients = traffic(peak);
    List<String> summary = new ArrayList<>();
    StringBuilder table = new StringBuilder("| minute | clients |");
    StringBuilder rule = new StringBuilder("|---|---|");
    String[] ts = thresholds.split(",");
    List<int[]> replicas = new ArrayList<>();
    List<double[]> p99s = new ArrayList<>();
    List<double[]> p50s = new ArrayList<>();
    for (String t : ts) {
      double threshold = Double.parseDouble(t);
      int[] r = new int[clients.size()];
      double[] p99 = new double[clients.size()];
      double[] p50 = new double[clients.size()];
      simulate(curve, clients, threshold, min, max, readySecs / 15, r, p50, p99);
      replicas.add(r);
      p99s.add(p99);
      p50s.add(p50);
      table.append(" threshold ").append(t).append(": replicas, p50 / p99 ms |");
      rule.append("---|");
      double meanReplicas = java.util.Arrays.stream(r).average().orElse(0);
      summary.add(
          String.format(
              Locale.ROOT,
              "threshold %s: mean %.1f replicas (%.0f replica-minutes), peak %d; p50 mean %.0f ms,"
                  + " worst %.0f ms; p99 worst %.0f ms",
              t,
              meanReplicas,
              meanReplicas * clients.size() / 4.0,
              java.util.Arrays.stream(r).max().orElse(0),
              java.util.Arrays.stream(p50).average().orElse(0),
              java.util.Arrays.stream(p50).max().orElse(0),
              java.util.Arrays.stream(p99).max().orElse(0)));
    }
    System.out.println(table);
    System.out.println(rule);
    for (int tick = 0; tick < clients.size(); tick += 4) {
      StringBuilder row =
          new StringBuilder(
              String.format(Locale.ROOT, "| %d | %.0f |", tick / 4, clients.get(tick)));
      for (int k = 0; k < ts.length; k++) {
        row.append(
            String.format(
                Locale.ROOT,
                " %d, %.0f / %.0f |",
                replicas.get(k)[tick],
                p50s.get(k)[tick],
                p99s.get(k)[tick]));
      }
      System.out.println(row);
    }
    System.out.println();
    summary.forEach(System.out::println);
  }

  /** Closed-loop clients every 15 s: up over 10 min, 5 min at the peak, down over 5, 5 quiet. */
  static List<Double> traffic(double peak) {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      out.add(2 + (peak - 2) * i / 40.0);
    }
    for (int i = 0; i < 20; i++) {
      out.add(peak);
    }
    for (int i = 0; i < 20; i++) {
      out.add(peak - (peak - 4) * i / 20.0);
    }
    for (int i = 0; i < 20; i++) {
      out.add(4.0);
    }
    return out;
  }

  static void simulate(
      List<Point> curve,
      List<Double> clients,
      double threshold,
      int min,
      int max,
      int readyTicks,
      int[] replicasOut,
      double[] p50Out,
      double[] p99Out) {
    int desired = min; // the Deployment's replicas
    Deque<Integer> asked = new ArrayDeque<>(); // what the HPA asked for, last 300 s (20 ticks)
    int[] history = new int[clients.size()];
    int lastScaleDown = -100;
    for (int tick = 0; tick < clients.size(); tick++) {
      history[tick] = desired;
      // pods asked for readyTicks ago or earlier are serving
      int ready = tick >= readyTicks ? Math.min(desired, history[tick - readyTicks]) : min;
      ready = Math.max(ready, Math.min(desired, min));
      double perReplica = clients.get(tick) / ready;
      Point at = interpolate(curve, perReplica);
      double sum = ready * at.pending();
      p99Out[tick] = at.p99();
      p50Out[tick] = at.p50();
      replicasOut[tick] = ready;
      double ratio = sum / (desired * threshold);
      int proposal = Math.abs(ratio - 1) <= 0.1 ? desired : (int) Math.ceil(sum / threshold);
      proposal = Math.max(min, Math.min(max, proposal));
      asked.addLast(proposal);
      if (asked.size() > 20) {
        asked.removeFirst();
      }
      if (proposal > desired) {
        desired = Math.min(proposal, Math.max(2 * desired, desired + 4));
      } else {
        int stabilized = asked.stream().mapToInt(Integer::intValue).max().orElse(desired);
        if (stabilized < desired && tick - lastScaleDown >= 4) {
          desired -= 1; // one pod per 60 s
          lastScaleDown = tick;
        }
      }
    }
  }

  static Point interpolate(List<Point> curve, double concurrency) {
    Point lo = curve.get(0);
    for (Point p : curve) {
      if (p.concurrency() >= concurrency) {
        if (p.concurrency() == lo.concurrency()) {
          return p;
        }
        double f = (concurrency - lo.concurrency()) / (p.concurrency() - lo.concurrency());
        return new Point(
            concurrency,
            lo.pending() + f * (p.pending() - lo.pending()),
            lo.p50() + f * (p.p50() - lo.p50()),
            lo.p99() + f * (p.p99() - lo.p99()));
      }
      lo = p;
    }
    // beyond the recording: a closed loop adds one waiting request per client
    Point last = curve.get(curve.size() - 1);
    double extra = concurrency - last.concurrency();
    double perRequest = last.p50() / Math.max(1, last.concurrency());
    return new Point(
        concurrency,
        last.pending() + extra,
        last.p50() + extra * perRequest,
        last.p99() + extra * perRequest);
  }

  static List<Point> read(Path csv) throws java.io.IOException {
    List<Point> out = new ArrayList<>();
    for (String line : Files.readAllLines(csv)) {
      if (line.isBlank() || !Character.isDigit(line.charAt(0))) {
        continue;
      }
      String[] f = line.split(",");
      out.add(
          new Point(
              Double.parseDouble(f[0]),
              Double.parseDouble(f[1]),
              Double.parseDouble(f[2]),
              Double.parseDouble(f[3])));
    }
    return out;
  }
}
