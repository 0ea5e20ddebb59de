package io.caracal.it;

import com.sun.net.httpserver.HttpServer;
import io.caracal.testing.Await;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An OTLP trace collector in the test's process: an http/protobuf receiver ({@code POST
 * /v1/traces}) and a gRPC receiver ({@code TraceService/Export}), each on a loopback port 0. It
 * keeps every span it receives, with its resource.
 */
final class OtlpCollector implements AutoCloseable {
  /** A received span and the resource it was exported under. */
  record Received(Resource resource, Span span) {
    String name() {
      return span.getName();
    }

    String traceId() {
      return HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    String spanId() {
      return HexFormat.of().formatHex(span.getSpanId().toByteArray());
    }

    String parentSpanId() {
      return HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
    }

    String attribute(String key) {
      return value(span.getAttributesList(), key);
    }

    String resourceAttribute(String key) {
      return value(resource.getAttributesList(), key);
    }

    List<String> events() {
      return span.getEventsList().stream().map(Span.Event::getName).toList();
    }

    List<String> linkedSpanIds() {
      return span.getLinksList().stream()
          .map(l -> HexFormat.of().formatHex(l.getSpanId().toByteArray()))
          .toList();
    }

    private static String value(List<KeyValue> attributes, String key) {
      for (KeyValue kv : attributes) {
        if (kv.getKey().equals(key)) {
          AnyValue v = kv.getValue();
          return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            default -> v.toString();
          };
        }
      }
      return "";
    }
  }

  private final List<Received> spans = new CopyOnWriteArrayList<>();
  private final HttpServer http;
  private final Server grpc;

  OtlpCollector() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/v1/traces",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            if (!exchange.getRequestMethod().equals("POST")) {
              exchange.sendResponseHeaders(405, -1);
              return;
            }
            add(ExportTraceServiceRequest.parseFrom(in.readAllBytes()));
            byte[] body = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          } finally {
            exchange.close();
          }
        });
    http.start();
    grpc =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(
                new TraceServiceGrpc.TraceServiceImplBase() {
                  @Override
                  public void export(
                      ExportTraceServiceRequest request,
                      StreamObserver<ExportTraceServiceResponse> out) {
                    add(request);
                    out.onNext(ExportTraceServiceResponse.getDefaultInstance());
                    out.onCompleted();
                  }
                })
            .build()
            .start();
  }

  private void add(ExportTraceServiceRequest request) {
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          spans.add(new Received(rs.getResource(), s));
        }
      }
    }
  }

  /** The http/protobuf endpoint URL. */
  String httpUrl() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1/traces";
  }

  /** The gRPC endpoint URL. */
  String grpcUrl() {
    return "http://127.0.0.1:" + grpc.getPort();
  }

  /** Every span received so far. */
  List<Received> spans() {
    return new ArrayList<>(spans);
  }

  /** Waits (up to 30 s) until {@code count} received spans match, and returns those. */
  List<Received> await(int count, Predicate<Received> which) throws InterruptedException {
    Await.until(
        count + " exported spans",
        Duration.ofSeconds(30),
        () -> spans.stream().filter(which).count() >= count);
    return spans.stream().filter(which).toList();
  }

  @Override
  public void close() {
    http.stop(0);
    grpc.shutdownNow();
    try {
      grpc.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
