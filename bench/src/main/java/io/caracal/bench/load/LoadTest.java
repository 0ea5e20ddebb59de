package io.caracal.bench.load;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.caracal.client.CaracalClient;
import io.caracal.client.CaracalClientException;
import io.caracal.client.InferInput;
import io.caracal.client.InferRequest;
import io.caracal.client.InferResult;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The closed-loop load generator behind {@code bench/load-test.sh}: for each model and each
 * concurrency it drives the running server's dynamic-batching copy of the model, then its
 * no-batching copy, from N platform threads making synchronous calls (one batch-1 request per
 * call), and then runs the same model file in this process with ONNX Runtime ({@code
 * OrtSession.run} from N threads on one session with default options, the server's default) as the
 * baseline. Prints one Markdown table per model with requests/s, p50, p99, max, the batch sizes the
 * server formed ({@code GET /v2/models/{m}/stats}, "n/a" when the server has no such endpoint) and
 * the ratio server ÷ in-process.
 *
 * <p>Drivers: by default the calls go through the project's Java client library ({@code
 * caracal-client}, one shared thread-safe {@link CaracalClient}): {@code --transport http} (the
 * default; java.net.http keep-alive, binary tensor extension in and out) or {@code --transport
 * grpc} with {@code --grpc host:port} (raw tensor contents). {@code --driver raw} instead uses a
 * minimal raw-socket HTTP/1.1 client ({@link HttpConnection}, one connection per thread, the
 * request bytes prepared once): the lowest client-side overhead, and the driver the tables recorded
 * in docs/performance.md before the switch were taken with. Server statistics always come over HTTP
 * ({@code --url}).
 *
 * <p>Run through the script: {@code bench/load-test.sh}. Direct use: {@code java -cp <bench class
 * path> io.caracal.bench.load.LoadTest --url http://127.0.0.1:8000 --model
 * label=mnist,file=model.onnx,batched=m_b,plain=m_p,delay_us=500,max_batch=64 [--concurrency
 * 1,8,64] [--warmup 5] [--duration 10] [--rounds 2] [--markdown out.md] [--transport http|grpc
 * --grpc 127.0.0.1:8001] [--driver client|raw]}
 */
public final class LoadTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record ModelSpec(
      String label, Path file, String batched, String plain, long delayUs, int maxBatch) {}

  /** One variant at one concurrency; {@code stats} is the server statistics delta, null if none. */
  record Cell(
      String variant,
      int concurrency,
      long count,
      long errors,
      String firstError,
      double seconds,
      long[] sortedNs,
      Map<String, Long> stats,
      long serverCpuNs,
      long localCpuNs) {
    double rps() {
      return count / seconds;
    }

    /**
     * CPU time per request, in ms, of the server process and of this process (load generator or
     * in-process ORT).
     */
    double cpuMsPerRequest(boolean server) {
      return count == 0 ? Double.NaN : (server ? serverCpuNs : localCpuNs) / 1e6 / count;
    }

    double pct(double p) {
      if (sortedNs.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.ceil(p * sortedNs.length) - 1;
      return sortedNs[Math.max(0, Math.min(sortedNs.length - 1, i))] / 1e6;
    }

    double max() {
      return sortedNs.length == 0 ? Double.NaN : sortedNs[sortedNs.length - 1] / 1e6;
    }

    Cell merge(Cell o) {
      long[] all = Arrays.copyOf(sortedNs, sortedNs.length + o.sortedNs.length);
      System.arraycopy(o.sortedNs, 0, all, sortedNs.length, o.sortedNs.length);
      Arrays.sort(all);
      Map<String, Long> st = null;
      if (stats != null && o.stats != null) {
        st = new TreeMap<>(stats);
        for (Map.Entry<String, Long> e : o.stats.entrySet()) {
          st.merge(
              e.getKey(), e.getValue(), e.getKey().startsWith("tail.") ? Math::max : Long::sum);
        }
      }
      return new Cell(
          variant,
          concurrency,
          count + o.count,
          errors + o.errors,
          firstError != null ? firstError : o.firstError,
          seconds + o.seconds,
          all,
          st,
          serverCpuNs + o.serverCpuNs,
          localCpuNs + o.localCpuNs);
    }

    String batches() {
      return batchSizes(stats);
    }

    String phases() {
      return LoadTest.phases(stats);
    }
  }

  private final String host;
  private final int port;
  private final double warmupSeconds;
  private final double durationSeconds;
  private final int rounds;
  private final String transport;

  /** The client library's client, shared by all threads; null with {@code --driver raw}. */
  private final CaracalClient client;

  private final PrintStream out = System.out;
  private final StringBuilder markdown = new StringBuilder();

  /**
   * The ONNX Runtime parameters the server's copies have in their config; the baseline uses them
   * too.
   */
  private Map<String, String> ortParams = Map.of();

  /** The server's process id, to read its CPU time from /proc; 0 = unknown. */
  private long serverPid;

  /** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
  private static final long CLOCK_TICKS = Long.getLong("caracal.clockTicks", 100);

  private LoadTest(
      URI url,
      double warmupSeconds,
      double durationSeconds,
      int rounds,
      String transport,
      CaracalClient client) {
    this.rounds = rounds;
    this.host = url.getHost();
    this.port = url.getPort();
    this.warmupSeconds = warmupSeconds;
    this.durationSeconds = durationSeconds;
    this.transport = transport;
    this.client = client;
  }

  private String driverName() {
    return client == null
        ? "raw-socket HTTP/1.1 driver (one keep-alive connection per thread, binary tensors)"
        : transport.equals("grpc")
            ? "caracal-client over gRPC (raw tensor contents, one shared channel)"
            : "caracal-client over HTTP/1.1 (java.net.http keep-alive, binary tensors in and out)";
  }

  public static void main(String[] args) throws Exception {
    URI url = null;
    List<ModelSpec> models = new ArrayList<>();
    int[] concurrencies = {1, 8, 64};
    double warmup = 5;
    double duration = 10;
    int rounds = 2;
    Path md = null;
    String transport = "http";
    String driver = "client";
    String grpc = null;
    Map<String, String> ortParams = Map.of();
    long serverPid = 0;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--url" -> url = URI.create(v);
        case "--model" -> models.add(parseModel(v));
        case "--concurrency" ->
            concurrencies = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--warmup" -> warmup = Double.parseDouble(v);
        case "--duration" -> duration = Double.parseDouble(v);
        case "--markdown" -> md = Path.of(v);
        case "--rounds" -> rounds = Integer.parseInt(v);
        case "--transport" -> transport = v;
        case "--driver" -> driver = v;
        case "--grpc" -> grpc = v;
        case "--ort-params" -> ortParams = parseParams(v);
        case "--server-pid" -> serverPid = Long.parseLong(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
      i++;
    }
    if (url == null || models.isEmpty()) {
      throw new IllegalArgumentException("--url and at least one --model are required");
    }
    if (!transport.equals("http") && !transport.equals("grpc")) {
      throw new IllegalArgumentException("--transport must be http or grpc: " + transport);
    }
    if (!driver.equals("client") && !driver.equals("raw")) {
      throw new IllegalArgumentException("--driver must be client or raw: " + driver);
    }
    if (driver.equals("raw") && transport.equals("grpc")) {
      throw new IllegalArgumentException("--driver raw speaks HTTP only");
    }
    CaracalClient client = null;
    if (driver.equals("client")) {
      if (transport.equals("grpc")) {
        if (grpc == null) {
          throw new IllegalArgumentException("--transport grpc needs --grpc host:port");
        }
        int colon = grpc.lastIndexOf(':');
        client =
            CaracalClient.grpc(
                grpc.substring(0, colon), Integer.parseInt(grpc.substring(colon + 1)));
      } else {
        client = CaracalClient.http(url);
      }
    }
    LoadTest t = new LoadTest(url, warmup, duration, rounds, transport, client);
    t.ortParams = ortParams;
    t.serverPid = serverPid;
    try {
      for (ModelSpec m : models) {
        t.runModel(m, concurrencies);
      }
    } finally {
      if (client != null) {
        client.close();
      }
    }
    if (md != null) {
      Files.writeString(
          md,
          t.markdown,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
  }

  private static ModelSpec parseModel(String v) {
    Map<String, String> kv = new TreeMap<>();
    for (String part : v.split(",")) {
      int eq = part.indexOf('=');
      kv.put(part.substring(0, eq), part.substring(eq + 1));
    }
    return new ModelSpec(
        kv.get("label"),
        Path.of(kv.get("file")),
        kv.get("batched"),
        kv.get("plain"),
        Long.parseLong(kv.get("delay_us")),
        Integer.parseInt(kv.get("max_batch")));
  }

  /** {@code k=v,k=v}: the Triton ONNX Runtime backend parameters of the server's copies. */
  static Map<String, String> parseParams(String v) {
    Map<String, String> m = new TreeMap<>();
    for (String kv : v.split(",")) {
      if (kv.isBlank()) {
        continue;
      }
      int eq = kv.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException(
            "--ort-params takes key=value pairs separated by commas: " + kv);
      }
      m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    return m;
  }

  /**
   * The in-process baseline's session options: ONNX Runtime's defaults, with the same thread and
   * spinning parameters the server's copies were given, so both sides run the same session
   * settings.
   */
  static OrtSession.SessionOptions baselineOptions(Map<String, String> params) throws OrtException {
    OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
    for (Map.Entry<String, String> e : params.entrySet()) {
      switch (e.getKey()) {
        case "intra_op_thread_count" -> opts.setIntraOpNumThreads(Integer.parseInt(e.getValue()));
        case "inter_op_thread_count" -> opts.setInterOpNumThreads(Integer.parseInt(e.getValue()));
        case "allow_spinning" -> {
          String on = e.getValue().equals("1") || e.getValue().equalsIgnoreCase("true") ? "1" : "0";
          opts.addConfigEntry("session.intra_op.allow_spinning", on);
          opts.addConfigEntry("session.inter_op.allow_spinning", on);
        }
        default -> {} // only the server reads the others
      }
    }
    return opts;
  }

  private void emit(String s) {
    out.println(s);
    out.flush();
    markdown.append(s).append('\n');
  }

  private void runModel(ModelSpec m, int[] concurrencies) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions opts = baselineOptions(ortParams);
        OrtSession session = env.createSession(m.file().toString(), opts)) {
      Map.Entry<String, NodeInfo> input = session.getInputInfo().entrySet().iterator().next();
      String inputName = input.getKey();
      String outputName = session.getOutputInfo().keySet().iterator().next();
      long[] shape = ((TensorInfo) input.getValue().getInfo()).getShape().clone();
      shape[0] = 1;
      int count = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
      float[] values = new float[count];
      SplittableRandom rnd = new SplittableRandom(7);
      for (int i = 0; i < count; i++) {
        values[i] = (float) rnd.nextDouble(0, 1);
      }
      double batch1Ms = medianRunMs(env, session, inputName, shape, values, 1, 50);
      double batchMaxMs = medianRunMs(env, session, inputName, shape, values, m.maxBatch(), 7);
      byte[] request = inferRequest(inputName, outputName, shape, values);
      InferInput tensor = InferInput.fp32(inputName, shape, values);
      InferRequest batchedRequest =
          InferRequest.builder(m.batched()).input(tensor).output(outputName).build();
      InferRequest plainRequest =
          InferRequest.builder(m.plain()).input(tensor).output(outputName).build();

      emit("");
      emit(
          "### "
              + m.label()
              + " (`"
              + m.file().getFileName()
              + "` input "
              + inputName
              + " "
              + Arrays.toString(shape)
              + ", "
              + request.length
              + "-byte HTTP requests, "
              + values.length * 4
              + "-byte tensors)");
      emit("");
      emit("Load driver: " + driverName() + ".");
      emit("");
      emit(
          String.format(
              Locale.ROOT,
              "In-process, one call alone (median): batch 1 = %.2f ms, batch %d = %.2f ms. Batched copy: "
                  + "max_batch_size %d, max_queue_delay %d µs → wait bound (delay + one batch) = %.2f ms.",
              batch1Ms,
              m.maxBatch(),
              batchMaxMs,
              m.maxBatch(),
              m.delayUs(),
              m.delayUs() / 1000.0 + batchMaxMs));
      emit("");
      emit(
          "| conc. | variant | req/s | p50 ms | p99 ms | max ms | errors | batch sizes formed (server stats) "
              + "| in-process req/s | server ÷ in-process |");
      emit("|---:|---|---:|---:|---:|---:|---:|---|---:|---:|");
      List<Cell> phaseRows = new ArrayList<>();
      List<List<Cell>> cpuRows = new ArrayList<>();
      for (int c : concurrencies) {
        // The CPUs are shared: the variants take turns in short rounds so that outside load falls
        // on all three alike. The first round of each variant warms it up for the full warm-up.
        Cell batched = null;
        Cell plain = null;
        Cell ort = null;
        for (int r = 0; r < rounds; r++) {
          double wu = r == 0 ? warmupSeconds : Math.min(1.0, warmupSeconds);
          double d = durationSeconds / rounds;
          batched =
              merge(
                  batched,
                  serverCell(
                      m.batched(), "server, dynamic batching", c, request, batchedRequest, wu, d));
          plain =
              merge(
                  plain,
                  serverCell(m.plain(), "server, no batching", c, request, plainRequest, wu, d));
          ort = merge(ort, inProcessCell(env, session, inputName, shape, values, c, wu, d));
        }
        for (Cell cell : List.of(batched, plain, ort)) {
          emit(
              String.format(
                  Locale.ROOT,
                  "| %d | %s | %.0f | %.2f | %.2f | %.2f | %d | %s | %.0f | %.2f |",
                  c,
                  cell.variant(),
                  cell.rps(),
                  cell.pct(0.50),
                  cell.pct(0.99),
                  cell.max(),
                  cell.errors(),
                  cell.batches(),
                  ort.rps(),
                  cell.rps() / ort.rps()));
          if (cell.firstError() != null) {
            out.println(
                "  first error (" + cell.variant() + ", c=" + c + "): " + cell.firstError());
          }
        }
        phaseRows.add(batched);
        phaseRows.add(plain);
        cpuRows.add(List.of(batched, plain, ort));
      }
      emit("");
      emit(
          "Server-side phases per request (from the statistics endpoint; µs, averages over the measured window):");
      emit("");
      emit("| conc. | variant | phases |");
      emit("|---:|---|---|");
      for (Cell cell : phaseRows) {
        emit("| " + cell.concurrency() + " | " + cell.variant() + " | " + cell.phases() + " |");
      }
      emit("");
      emit(
          "Queue-wait bound of the batched copy (server statistics `caracal.*`, running values since the model"
              + " loaded, read after each concurrency): no request may wait longer than max_queue_delay + the longest"
              + " batch compute_infer.");
      emit("");
      emit(
          "| after conc. | queue p50 ms | queue p99 ms | queue max ms | max_queue_delay + longest compute_infer ms | holds |");
      emit("|---:|---:|---:|---:|---:|---|");
      for (Cell cell : phaseRows) {
        if (cell.variant().startsWith("server, dynamic")
            && cell.stats() != null
            && cell.stats().containsKey("tail.queue_max_ns")) {
          Map<String, Long> t = cell.stats();
          double max = t.get("tail.queue_max_ns") / 1e6;
          double bound = m.delayUs() / 1e3 + t.getOrDefault("tail.compute_infer_max_ns", 0L) / 1e6;
          emit(
              String.format(
                  Locale.ROOT,
                  "| %d | %.2f | %.2f | %.2f | %.2f | %s |",
                  cell.concurrency(),
                  t.getOrDefault("tail.queue_p50_ns", 0L) / 1e6,
                  t.getOrDefault("tail.queue_p99_ns", 0L) / 1e6,
                  max,
                  bound,
                  max <= bound ? "yes" : "**no**"));
        }
      }
      if (serverPid > 0) {
        emit("");
        emit(
            "CPU time per request over the measured window (ms; /proc for the server process, the JVM's own process"
                + " CPU time for the load generator and for the in-process baseline). The server ÷ in-process column"
                + " compares the server's own CPU per request with what ONNX Runtime alone needs: the part of the"
                + " throughput gap that the load generator's CPU on the same machine does not explain.");
        emit("");
        emit(
            "| conc. | variant | server CPU | load generator CPU | in-process CPU | server ÷ in-process CPU |");
        emit("|---:|---|---:|---:|---:|---:|");
        for (List<Cell> row : cpuRows) {
          Cell ort = row.get(2);
          for (Cell cell : row.subList(0, 2)) {
            emit(
                String.format(
                    Locale.ROOT,
                    "| %d | %s | %.3f | %.3f | %.3f | %.2f |",
                    cell.concurrency(),
                    cell.variant(),
                    cell.cpuMsPerRequest(true),
                    cell.cpuMsPerRequest(false),
                    ort.cpuMsPerRequest(false),
                    cell.cpuMsPerRequest(true) / ort.cpuMsPerRequest(false)));
          }
        }
      }
    }
  }

  private static Cell merge(Cell a, Cell b) {
    return a == null ? b : a.merge(b);
  }

  private static double medianRunMs(
      OrtEnvironment env,
      OrtSession session,
      String name,
      long[] shape1,
      float[] one,
      int batch,
      int runs)
      throws OrtException {
    long[] shape = shape1.clone();
    shape[0] = batch;
    float[] data = new float[one.length * batch];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(one, 0, data, b * one.length, one.length);
    }
    long[] t = new long[runs];
    try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape)) {
      for (int i = 0; i < 3; i++) {
        session.run(Map.of(name, in)).close();
      }
      for (int i = 0; i < runs; i++) {
        long s = System.nanoTime();
        session.run(Map.of(name, in)).close();
        t[i] = System.nanoTime() - s;
      }
    }
    Arrays.sort(t);
    return t[runs / 2] / 1e6;
  }

  /** A V2 infer body with the binary extension: JSON header, then {@code values} as raw FP32. */
  static byte[] inferRequest(String input, String output, long[] shape, float[] values) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      raw.putFloat(v);
    }
    String json =
        "{\"inputs\":[{\"name\":\""
            + input
            + "\",\"shape\":"
            + Arrays.toString(shape).replace(" ", "")
            + ",\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
            + raw.capacity()
            + "}}],\"outputs\":[{\"name\":\""
            + output
            + "\",\"parameters\":{\"binary_data\":true}}]}";
    byte[] j = json.getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[j.length + raw.capacity()];
    System.arraycopy(j, 0, body, 0, j.length);
    System.arraycopy(raw.array(), 0, body, j.length, raw.capacity());
    return body;
  }

  /** What every cell's client threads share. */
  private static final class Window {
    volatile boolean stop;
    volatile long start = Long.MAX_VALUE;
    volatile long end = Long.MAX_VALUE;
    final AtomicLong errors = new AtomicLong();
    final AtomicReference<String> firstError = new AtomicReference<>();

    boolean inWindow(long t1) {
      return t1 >= start && t1 <= end;
    }

    void error(String what) {
      errors.incrementAndGet();
      firstError.compareAndSet(null, what);
    }
  }

  /** A growable array of latencies owned by one client thread. */
  private static final class Recorder {
    long[] ns = new long[1 << 12];
    int n;

    void add(long v) {
      if (n == ns.length) {
        ns = Arrays.copyOf(ns, n * 2);
      }
      ns[n++] = v;
    }
  }

  private interface Client {
    /** Runs one exchange; returns null when it succeeded, else what went wrong. */
    String call() throws Exception;
  }

  private interface ClientFactory {
    Client open() throws Exception;
  }

  private Cell runCell(
      String variant,
      int c,
      ClientFactory factory,
      Runnable closeAll,
      StatsProbe stats,
      double warmup,
      double duration)
      throws Exception {
    Window w = new Window();
    Recorder[] recs = new Recorder[c];
    Thread[] threads = new Thread[c];
    for (int i = 0; i < c; i++) {
      Recorder r = recs[i] = new Recorder();
      Client client = factory.open();
      threads[i] =
          Thread.ofPlatform()
              .name("load-" + i)
              .daemon(true)
              .start(() -> {
                while (!w.stop) {
                  long t0 = System.nanoTime();
                  String err;
                  try {
                    err = client.call();
                  } catch (Exception e) {
                    w.error(e.toString());
                    return;
                  }
                  long t1 = System.nanoTime();
                  if (w.inWindow(t1)) {
                    if (err == null) {
                      r.add(t1 - t0);
                    } else {
                      w.error(err);
                    }
                  }
                }
              });
    }
    Thread.sleep((long) (warmup * 1000));
    Map<String, Long> before = stats.get();
    long serverCpu0 = serverCpuNanos();
    long localCpu0 = localCpuNanos();
    w.start = System.nanoTime();
    Thread.sleep((long) (duration * 1000));
    long end = System.nanoTime();
    w.end = end;
    long serverCpu = serverCpuNanos() - serverCpu0;
    long localCpu = localCpuNanos() - localCpu0;
    Map<String, Long> after = stats.get();
    w.stop = true;
    for (Thread t : threads) {
      t.join(120_000);
    }
    closeAll.run();
    int total = 0;
    for (Recorder r : recs) {
      total += r.n;
    }
    long[] all = new long[total];
    int k = 0;
    for (Recorder r : recs) {
      System.arraycopy(r.ns, 0, all, k, r.n);
      k += r.n;
    }
    Arrays.sort(all);
    double seconds = (end - w.start) / 1e9;
    Map<String, Long> delta = null;
    if (before != null && after != null) {
      delta = new TreeMap<>();
      for (Map.Entry<String, Long> e : after.entrySet()) {
        // tail.* are the server's running maxima and percentiles since the model loaded: kept as
        // read
        delta.put(
            e.getKey(),
            e.getKey().startsWith("tail.")
                ? e.getValue()
                : e.getValue() - before.getOrDefault(e.getKey(), 0L));
      }
    }
    return new Cell(
        variant,
        c,
        total,
        w.errors.get(),
        w.firstError.get(),
        seconds,
        all,
        delta,
        serverCpu,
        localCpu);
  }

  /** CPU time (user + system) the server process has used so far, from /proc; 0 when unknown. */
  private long serverCpuNanos() {
    if (serverPid <= 0) {
      return 0;
    }
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc/" + serverPid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
      return ticks * 1_000_000_000L / CLOCK_TICKS;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** CPU time this process (the load generator, or the in-process baseline) has used so far. */
  private static long localCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private interface StatsProbe {
    Map<String, Long> get();
  }

  private Cell serverCell(
      String model, String variant, int c, byte[] body, InferRequest request, double wu, double d)
      throws Exception {
    return client == null
        ? rawCell(model, variant, c, body, wu, d)
        : clientCell(model, variant, c, request, wu, d);
  }

  /**
   * Sync calls through the shared client library client. An answer from the server that is an error
   * (HTTP status, gRPC status with a server message, timeout) counts as an error; a transport
   * failure stops the thread, like the raw driver's I/O errors.
   */
  private Cell clientCell(
      String model, String variant, int c, InferRequest request, double wu, double d)
      throws Exception {
    ClientFactory f =
        () ->
            () -> {
              try {
                InferResult r = client.infer(request);
                return r.outputs().isEmpty() ? "answer without outputs" : null;
              } catch (CaracalClientException e) {
                if (e.httpStatus() > 0 || e.serverMessage().isPresent() || e.isTimeout()) {
                  return e.getMessage();
                }
                throw e;
              }
            };
    return runCell(variant, c, f, () -> {}, () -> stats(model), wu, d);
  }

  private Cell rawCell(String model, String variant, int c, byte[] body, double wu, double d)
      throws Exception {
    byte[] request =
        HttpConnection.request(
            "POST",
            "/v2/models/" + model + "/infer",
            host + ":" + port,
            "Content-Type: application/octet-stream\r\nInference-Header-Content-Length: "
                + jsonLength(body)
                + "\r\n",
            body);
    List<HttpConnection> conns = new ArrayList<>();
    ClientFactory f =
        () -> {
          HttpConnection conn = new HttpConnection(host, port);
          synchronized (conns) {
            conns.add(conn);
          }
          return () -> {
            int code = conn.exchange(request);
            return code == 200 ? null : code + " " + conn.bodyText();
          };
        };
    Runnable closeAll = () -> conns.forEach(HttpConnection::close);
    return runCell(variant, c, f, closeAll, () -> stats(model), wu, d);
  }

  /** The length of {@code body}'s JSON header (up to its closing brace before the binary data). */
  static int jsonLength(byte[] body) {
    // the JSON header is the body up to and including its closing brace before the binary data
    int depth = 0;
    for (int i = 0; i < body.length; i++) {
      if (body[i] == '{') {
        depth++;
      } else if (body[i] == '}' && --depth == 0) {
        return i + 1;
      }
    }
    throw new IllegalStateException("no JSON header");
  }

  private Cell inProcessCell(
      OrtEnvironment env,
      OrtSession session,
      String name,
      long[] shape,
      float[] values,
      int c,
      double wu,
      double d)
      throws Exception {
    List<OnnxTensor> tensors = new ArrayList<>();
    ClientFactory f =
        () -> {
          OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(values.clone()), shape);
          synchronized (tensors) {
            tensors.add(in);
          }
          Map<String, OnnxTensor> feed = Map.of(name, in);
          return () -> {
            session.run(feed).close();
            return null;
          };
        };
    Runnable closeAll = () -> tensors.forEach(OnnxTensor::close);
    return runCell("in-process ORT", c, f, closeAll, () -> null, wu, d);
  }

  // ---------------------------------------------------------------------------------------------
  // Statistics (Triton's JSON: model_stats[].inference_stats, batch_stats)

  /** The model's statistics flattened to counters, or null when the server has no such endpoint. */
  private Map<String, Long> stats(String model) {
    try (HttpConnection conn = new HttpConnection(host, port)) {
      int code =
          conn.exchange(
              HttpConnection.request(
                  "GET", "/v2/models/" + model + "/stats", host + ":" + port, "", new byte[0]));
      if (code != 200) {
        return null;
      }
      JsonNode ms = JSON.readTree(conn.bodyText()).path("model_stats");
      if (!ms.isArray() || ms.isEmpty()) {
        return null;
      }
      JsonNode st = ms.get(0);
      Map<String, Long> flat = new TreeMap<>();
      flat.put("execution_count", st.path("execution_count").asLong());
      flat.put("inference_count", st.path("inference_count").asLong());
      JsonNode is = st.path("inference_stats");
      for (String p :
          List.of("success", "fail", "queue", "compute_input", "compute_infer", "compute_output")) {
        flat.put(p + ".count", is.path(p).path("count").asLong());
        flat.put(p + ".ns", is.path(p).path("ns").asLong());
      }
      JsonNode tail = st.path("caracal");
      for (String k :
          List.of("queue_max_ns", "queue_p50_ns", "queue_p99_ns", "compute_infer_max_ns")) {
        if (tail.has(k)) {
          flat.put("tail." + k, tail.path(k).asLong());
        }
      }
      if (st.has("batch_stats")) {
        flat.put("has_batch_stats", 1L);
        for (JsonNode b : st.path("batch_stats")) {
          flat.put(
              "batch." + b.path("batch_size").asLong(),
              b.path("compute_infer").path("count").asLong());
        }
      }
      return flat;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static String batchSizes(Map<String, Long> d) {
    if (d == null || !d.containsKey("has_batch_stats")) {
      return "n/a";
    }
    List<long[]> sizes = new ArrayList<>();
    long execs = 0;
    long items = 0;
    for (Map.Entry<String, Long> e : d.entrySet()) {
      if (e.getKey().startsWith("batch.") && e.getValue() > 0) {
        long size = Long.parseLong(e.getKey().substring(6));
        sizes.add(new long[] {size, e.getValue()});
        execs += e.getValue();
        items += size * e.getValue();
      }
    }
    if (execs == 0) {
      return "none";
    }
    StringBuilder sb =
        new StringBuilder(String.format(Locale.ROOT, "mean %.1f:", (double) items / execs));
    sizes.sort((x, y) -> Long.compare(y[1], x[1]));
    for (int i = 0; i < Math.min(4, sizes.size()); i++) {
      sb.append(
          String.format(
              Locale.ROOT, " %d×%.0f%%", sizes.get(i)[0], 100.0 * sizes.get(i)[1] / execs));
    }
    if (sizes.size() > 4) {
      sb.append(" …");
    }
    return sb.toString();
  }

  static String phases(Map<String, Long> d) {
    if (d == null) {
      return "n/a";
    }
    StringBuilder sb = new StringBuilder();
    for (String p : List.of("queue", "compute_input", "compute_infer", "compute_output")) {
      long n = d.getOrDefault(p + ".count", 0L);
      long ns = d.getOrDefault(p + ".ns", 0L);
      sb.append(String.format(Locale.ROOT, "%s %.0f; ", p, n == 0 ? 0.0 : ns / 1e3 / n));
    }
    sb.append("requests ")
        .append(d.getOrDefault("success.count", 0L))
        .append(", executions ")
        .append(d.getOrDefault("execution_count", 0L));
    return sb.toString();
  }
}
