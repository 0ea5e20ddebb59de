package io.caracal.bench.load;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Attributes the server's JFR execution samples (Java and native-method samples of Java threads) to
 * the phases of a request: HTTP I/O, V2 JSON decode, encode, tensor copies into and out of ONNX
 * Runtime, the ORT call itself, scheduling, and the rest. Idle frames (event-loop waits, parked
 * threads) are left out. ONNX Runtime's own intra-op pool threads are not Java threads and are not
 * sampled: the {@code ORT session.run} bucket is the calling thread only (see the per-thread CPU
 * table printed by {@code bench/load-test.sh} for the pool).
 *
 * <p>Run: {@code java -cp <bench class path> io.caracal.bench.load.JfrSummary server.jfr}
 */
public final class JfrSummary {

  private static final List<String[]> IDLE =
      List.of(
          new String[] {"sun.nio.ch.EPoll.wait"},
          new String[] {"io.netty.channel.epoll.Native.epollWait"},
          new String[] {"io.grpc.netty.shaded.io.netty.channel.epoll.Native.epollWait"},
          new String[] {"sun.nio.ch.SelectorImpl.select"},
          new String[] {"jdk.internal.misc.Unsafe.park"},
          new String[] {"java.lang.Object.wait"},
          new String[] {"java.lang.Thread.sleep"});

  public static void main(String[] args) throws IOException {
    Map<String, Long> buckets = new LinkedHashMap<>();
    for (String b :
        List.of(
            "ORT session.run (calling thread)",
            "tensor copies in/out of ORT (backend)",
            "V2 JSON decode (incl. binary copy)",
            "V2 JSON encode",
            "validation/service (core)",
            "scheduler hand-off",
            "Netty HTTP I/O and codec",
            "other Java")) {
      buckets.put(b, 0L);
    }
    Map<String, Long> topFrames = new TreeMap<>();
    long total = 0;
    long idle = 0;
    try (RecordingFile f = new RecordingFile(Path.of(args[0]))) {
      while (f.hasMoreEvents()) {
        RecordedEvent e = f.readEvent();
        String type = e.getEventType().getName();
        if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
          continue;
        }
        RecordedStackTrace st = e.getStackTrace();
        if (st == null || st.getFrames().isEmpty()) {
          continue;
        }
        String top = name(st.getFrames().get(0));
        if (isIdle(top)) {
          idle++;
          continue;
        }
        total++;
        buckets.merge(classify(st), 1L, Long::sum);
        topFrames.merge(top, 1L, Long::sum);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "JFR samples of busy Java threads: %d (idle samples left out: %d)%n",
        total,
        idle);
    System.out.println();
    System.out.println("| where | samples | share |");
    System.out.println("|---|---:|---:|");
    for (Map.Entry<String, Long> b : buckets.entrySet()) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %.1f%% |%n",
          b.getKey(),
          b.getValue(),
          total == 0 ? 0.0 : 100.0 * b.getValue() / total);
    }
    System.out.println();
    long busy = Math.max(1, total);
    System.out.println("Top frames:");
    System.out.println();
    topFrames.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .limit(15)
        .forEach(t ->
            System.out.printf(
                Locale.ROOT, "    %5.1f%%  %s%n", 100.0 * t.getValue() / busy, t.getKey()));
  }

  private static boolean isIdle(String top) {
    for (String[] i : IDLE) {
      if (top.startsWith(i[0])) {
        return true;
      }
    }
    return false;
  }

  private static String classify(RecordedStackTrace st) {
    // first matching frame from the top of the stack decides
    for (RecordedFrame fr : st.getFrames()) {
      String n = name(fr);
      if (n.startsWith("ai.onnxruntime.OrtSession") || n.startsWith("ai.onnxruntime.OrtSession$")) {
        return "ORT session.run (calling thread)";
      }
      if (n.startsWith("io.caracal.server.http.V2JsonCodec.encode")
          || n.startsWith("io.caracal.server.http.V2JsonCodec.write")) {
        return "V2 JSON encode";
      }
      if (n.startsWith("io.caracal.server.http.V2JsonCodec")) {
        return "V2 JSON decode (incl. binary copy)";
      }
      if (n.startsWith("io.caracal.backend.") || n.startsWith("ai.onnxruntime.")) {
        return "tensor copies in/out of ORT (backend)";
      }
      if (n.startsWith("io.caracal.core.scheduler")) {
        return "scheduler hand-off";
      }
      if (n.startsWith("io.caracal.core") || n.startsWith("io.caracal.api")) {
        return "validation/service (core)";
      }
      if (n.startsWith("io.netty") || n.startsWith("io.caracal.server")) {
        return "Netty HTTP I/O and codec";
      }
    }
    return "other Java";
  }

  private static String name(RecordedFrame f) {
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }
}
