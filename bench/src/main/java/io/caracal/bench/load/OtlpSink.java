package io.caracal.bench.load;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in OTLP/HTTP receiver for load tests: accepts every POST (the exporter's batches of
 * spans), reads and drops the body, answers 200, and prints its port on standard output. On SIGTERM
 * it prints how many exports and bytes it received. Not a collector: nothing is parsed or kept; the
 * tests of the trace export use a real one (TracingIT).
 *
 * <p>Usage: {@code OtlpSink [port]} (default 0, ephemeral).
 */
public final class OtlpSink {
  private OtlpSink() {}

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    AtomicLong exports = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    server.createContext(
        "/",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            bytes.addAndGet(in.transferTo(java.io.OutputStream.nullOutputStream()));
          }
          exports.incrementAndGet();
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.setExecutor(Executors.newSingleThreadExecutor());
    server.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() ->
                System.out.println(
                    "otlp-sink: " + exports.get() + " exports, " + bytes.get() + " bytes")));
    System.out.println("otlp-sink listening on port " + server.getAddress().getPort());
    System.out.flush();
    Thread.currentThread().join();
  }
}
