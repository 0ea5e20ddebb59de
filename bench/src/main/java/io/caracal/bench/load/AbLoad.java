package io.caracal.bench.load;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A/B throughput of one model on several servers (or several request mixes), measured in one run:
 * closed-loop, N raw-socket HTTP/1.1 keep-alive connections per target, batch-1 FP32 requests with
 * the binary tensor extension, the targets taking turns round after round so that drift of the
 * machine hits each alike. Prints a Markdown table: requests per second of each target in each
 * round, the median, and the median's ratio to the first target's.
 *
 * <p>{@code --target label=URL[,unique]}: {@code unique} makes every request of that target
 * different (a counter in its last input element), so that a response cache never hits; without it
 * every request is the same (all hits once cached).
 *
 * <p>An {@code https} URL is served over TLS: {@code --ca-file PEM} names the CA its certificate
 * chains to.
 *
 * <p>Usage: {@code AbLoad --model M --input NAME --output NAME --shape 1,1,28,28 --target a=URL
 * --target b=URL[,unique][,token=T] [--ca-file PEM] [--concurrency 64] [--warmup 5] [--duration 10]
 * [--rounds 3]}
 */
public final class AbLoad {
  /**
   * A server to load.
   *
   * @param tls whether it speaks TLS (an {@code https} URL)
   * @param token a bearer token every request carries ({@code ,token=T} in the spec), or empty
   */
  record Target(String label, String host, int port, boolean unique, boolean tls, String token) {}

  private AbLoad() {}

  public static void main(String[] args) throws Exception {
    String model = null;
    String input = null;
    String output = null;
    long[] shape = null;
    List<Target> targets = new ArrayList<>();
    int concurrency = 64;
    double warmup = 5;
    double duration = 10;
    int rounds = 3;
    javax.net.ssl.SSLSocketFactory tls = null;
    for (int i = 0; i < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--model" -> model = v;
        case "--input" -> input = v;
        case "--output" -> output = v;
        case "--shape" -> shape = Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
        case "--target" -> targets.add(target(v));
        case "--concurrency" -> concurrency = Integer.parseInt(v);
        case "--warmup" -> warmup = Double.parseDouble(v);
        case "--duration" -> duration = Double.parseDouble(v);
        case "--rounds" -> rounds = Integer.parseInt(v);
        case "--ca-file" -> tls = trusting(java.nio.file.Path.of(v));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (model == null || input == null || output == null || shape == null || targets.isEmpty()) {
      throw new IllegalArgumentException("need --model, --input, --output, --shape, --target");
    }
    byte[] body = body(input, output, shape);
    int jsonLength = LoadTest.jsonLength(body);
    double[][] rps = new double[targets.size()][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int t = 0; t < targets.size(); t++) {
        Target target = targets.get(t);
        byte[] request =
            HttpConnection.request(
                "POST",
                "/v2/models/" + model + "/infer",
                target.host() + ":" + target.port(),
                "Content-Type: application/octet-stream\r\nInference-Header-Content-Length: "
                    + jsonLength
                    + "\r\n"
                    + (target.token().isEmpty()
                        ? ""
                        : "Authorization: Bearer " + target.token() + "\r\n"),
                body);
        rps[t][r] = cell(target, request, concurrency, warmup, duration, target.tls() ? tls : null);
        System.err.printf(
            Locale.ROOT, "ab-load: round %d %s: %.1f req/s%n", r + 1, target.label(), rps[t][r]);
      }
    }
    StringBuilder md = new StringBuilder();
    md.append("| target |");
    for (int r = 0; r < rounds; r++) {
      md.append(" round ").append(r + 1).append(" |");
    }
    md.append(" median req/s | vs ").append(targets.get(0).label()).append(" |\n|---|");
    md.append("---:|".repeat(rounds + 2)).append('\n');
    double base = median(rps[0]);
    for (int t = 0; t < targets.size(); t++) {
      md.append("| ").append(targets.get(t).label()).append(" |");
      for (int r = 0; r < rounds; r++) {
        md.append(String.format(Locale.ROOT, " %.0f |", rps[t][r]));
      }
      double m = median(rps[t]);
      md.append(String.format(Locale.ROOT, " %.0f | %.3f |%n", m, m / base));
    }
    System.out.print(md);
  }

  private static Target target(String spec) {
    String[] parts = spec.split(",");
    int eq = parts[0].indexOf('=');
    URI url = URI.create(parts[0].substring(eq + 1));
    boolean unique = false;
    String token = "";
    for (int i = 1; i < parts.length; i++) {
      if (parts[i].equals("unique")) {
        unique = true;
      } else if (parts[i].startsWith("token=")) {
        token = parts[i].substring("token=".length());
      }
    }
    return new Target(
        parts[0].substring(0, eq),
        url.getHost(),
        url.getPort(),
        unique,
        url.getScheme().equals("https"),
        token);
  }

  /** A socket factory trusting the CA certificates of a PEM file. */
  private static javax.net.ssl.SSLSocketFactory trusting(java.nio.file.Path caFile)
      throws Exception {
    java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    int i = 0;
    try (var in = java.nio.file.Files.newInputStream(caFile)) {
      for (var c :
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ts.setCertificateEntry("ca" + i++, c);
      }
    }
    var tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx.getSocketFactory();
  }

  /** Runs one cell: returns completed requests per second over {@code duration} after warm-up. */
  private static double cell(
      Target target,
      byte[] request,
      int concurrency,
      double warmup,
      double duration,
      javax.net.ssl.@org.jspecify.annotations.Nullable SSLSocketFactory tls)
      throws Exception {
    if (target.tls() && tls == null) {
      throw new IllegalArgumentException(target.label() + ": an https target needs --ca-file");
    }
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong counter = new AtomicLong();
    CountDownLatch ready = new CountDownLatch(concurrency);
    List<Thread> threads = new ArrayList<>();
    List<HttpConnection> conns = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      HttpConnection conn = new HttpConnection(target.host(), target.port(), tls);
      conns.add(conn);
      byte[] mine = request.clone();
      Thread t =
          Thread.ofPlatform()
              .daemon()
              .start(() -> {
                ready.countDown();
                while (!Thread.currentThread().isInterrupted()) {
                  if (target.unique()) {
                    // the last 8 bytes are the last two FP32 elements: make them a unique counter
                    long n = counter.incrementAndGet();
                    ByteBuffer.wrap(mine, mine.length - 8, 8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putFloat((float) (n & 0xFFFFFF))
                        .putFloat((float) (n >>> 24));
                  }
                  try {
                    if (conn.exchange(mine) == 200) {
                      done.incrementAndGet();
                    } else {
                      errors.incrementAndGet();
                    }
                  } catch (IOException e) {
                    errors.incrementAndGet();
                    return;
                  }
                }
              });
      threads.add(t);
    }
    ready.await();
    Thread.sleep((long) (warmup * 1000)); // the cell's warm-up: wall time, not ordering
    long n0 = done.get();
    long t0 = System.nanoTime();
    Thread.sleep((long) (duration * 1000));
    long n1 = done.get();
    long t1 = System.nanoTime();
    threads.forEach(Thread::interrupt);
    conns.forEach(HttpConnection::close);
    for (Thread t : threads) {
      t.join(5000);
    }
    if (errors.get() > concurrency) {
      System.err.println("ab-load: " + target.label() + ": " + errors.get() + " errors");
    }
    return (n1 - n0) / ((t1 - t0) / 1e9);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static byte[] body(String input, String output, long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] values = new float[Math.toIntExact(n)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (i % 255) / 255f;
    }
    return LoadTest.inferRequest(input, output, shape, values);
  }
}
