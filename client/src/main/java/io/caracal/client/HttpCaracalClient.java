package io.caracal.client;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** The HTTP implementation: java.net.http over HTTP/1.1 keep-alive, JSON plus binary tensors. */
final class HttpCaracalClient implements CaracalClient {
  private final HttpClient http;
  private final String base;
  private final Duration timeout;
  private final boolean owner;

  HttpCaracalClient(CaracalClient.HttpBuilder b) {
    HttpClient.Builder hb =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(b.connectTimeout);
    if (b.executor != null) {
      hb.executor(b.executor);
    }
    this.http = hb.build();
    String s = b.baseUri.toString();
    this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    this.timeout = b.timeout;
    this.owner = true;
  }

  private HttpCaracalClient(HttpCaracalClient from, Duration timeout) {
    this.http = from.http;
    this.base = from.base;
    this.timeout = timeout;
    this.owner = false;
  }

  @Override
  public CompletableFuture<Boolean> isServerLiveAsync() {
    return get("/v2/health/live", "server live", timeout, r -> r.statusCode() == 200);
  }

  @Override
  public CompletableFuture<Boolean> isServerReadyAsync() {
    return get("/v2/health/ready", "server ready", timeout, r -> r.statusCode() == 200);
  }

  @Override
  public CompletableFuture<ServerMetadata> serverMetadataAsync() {
    return get("/v2", "server metadata", timeout, r -> HttpCodec.decodeServerMetadata(ok(r)));
  }

  @Override
  public CompletableFuture<ModelMetadata> modelMetadataAsync(String model, String version) {
    return get(
        modelPath(model, version),
        "model metadata",
        timeout,
        r -> HttpCodec.decodeModelMetadata(ok(r)));
  }

  @Override
  public CompletableFuture<Boolean> isModelReadyAsync(String model, String version) {
    return get(
        modelPath(model, version) + "/ready", "model ready", timeout, r -> r.statusCode() == 200);
  }

  @Override
  public CompletableFuture<InferResult> inferAsync(InferRequest request) {
    HttpCodec.Body body;
    try {
      body = HttpCodec.encode(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(
                    base + modelPath(request.model(), request.version().orElse(null)) + "/infer"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
    if (body.jsonLength() >= 0) {
      b.header(HttpCodec.HEADER_LENGTH, Integer.toString(body.jsonLength()))
          .header("Content-Type", "application/octet-stream");
    } else {
      b.header("Content-Type", "application/json");
    }
    return send(
        b,
        "infer",
        request.timeout().orElse(timeout),
        r -> {
          byte[] bytes = ok(r);
          int jsonLength =
              r.headers()
                  .firstValue(HttpCodec.HEADER_LENGTH)
                  .map(v -> Integer.parseInt(v.trim()))
                  .orElse(-1);
          return HttpCodec.decodeInfer(bytes, jsonLength);
        });
  }

  @Override
  public CaracalClient withTimeout(Duration timeout) {
    return new HttpCaracalClient(this, Futures.positive(timeout, "timeout"));
  }

  @Override
  public Duration timeout() {
    return timeout;
  }

  @Override
  public void close() {
    if (owner) {
      http.close();
    }
  }

  @Override
  public String toString() {
    return "CaracalClient[" + base + ", timeout " + timeout + "]";
  }

  // ------------------------------------------------------------------ plumbing

  private static String modelPath(String model, String version) {
    String p = "/v2/models/" + encode(model);
    return version == null || version.isEmpty() ? p : p + "/versions/" + encode(version);
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static byte[] ok(HttpResponse<byte[]> r) {
    if (r.statusCode() != 200) {
      throw CaracalClientException.http(r.statusCode(), HttpCodec.errorMessage(r.body()));
    }
    return r.body();
  }

  private <T> CompletableFuture<T> get(
      String path, String what, Duration t, Function<HttpResponse<byte[]>, T> then) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), what, t, then);
  }

  private <T> CompletableFuture<T> send(
      HttpRequest.Builder b, String what, Duration t, Function<HttpResponse<byte[]>, T> then) {
    HttpRequest req = b.timeout(t).build();
    CompletableFuture<HttpResponse<byte[]>> f;
    try {
      f = http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(CaracalClientException.transport(what, e));
    }
    return f.handle((r, error) -> {
      if (error != null) {
        throw mapped(what, t, error);
      }
      try {
        return then.apply(r);
      } catch (CaracalClientException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new CaracalClientException(
            what + ": cannot read the answer (HTTP " + r.statusCode() + "): " + e.getMessage(),
            r.statusCode(),
            null,
            null,
            false,
            e);
      }
    });
  }

  private static CaracalClientException mapped(String what, Duration t, Throwable error) {
    Throwable c = io.caracal.api.InferenceException.unwrap(error);
    if (c instanceof HttpTimeoutException) {
      return CaracalClientException.timeout(what + " (timeout " + t.toMillis() + " ms)", c);
    }
    if (c instanceof CaracalClientException e) {
      return e;
    }
    if (c instanceof IOException || c instanceof RuntimeException) {
      return CaracalClientException.transport(what, c);
    }
    return CaracalClientException.transport(what, c);
  }
}
