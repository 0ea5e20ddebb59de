package io.caracal.server.http;

import io.caracal.api.InferenceException;
import io.caracal.api.InferenceResponse;
import io.caracal.core.InferenceService;
import io.caracal.core.ModelRef;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /v2/models/{m}[/versions/{v}]/infer}: decodes the body (JSON, or JSON and binary
 * tensors; gzip or deflate when the request says so), calls the service, and renders the outputs as
 * the request asked (binary or JSON, compressed when the client accepts it). The inputs are copied
 * out of the request before {@link #handle} returns; the outputs are encoded on the event loop.
 * Cancelling the returned future (the client went away) withdraws the request.
 */
final class InferEndpoint implements V2Endpoint {
  private final InferenceService service;
  private final V2JsonCodec codec;
  private final int maxBodyBytes;

  InferEndpoint(InferenceService service, V2JsonCodec codec, int maxBodyBytes) {
    this.service = service;
    this.codec = codec;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public CompletableFuture<Reply> handle(Call call) {
    FullHttpRequest req = call.request();
    String enc = req.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    HttpCompression.Coding coding = HttpCompression.requestCoding(enc);
    if (coding == null) {
      throw new HttpProblem.UnsupportedEncoding(String.valueOf(enc)).toException();
    }
    HttpCompression.Coding responseCoding =
        HttpCompression.responseCoding(req.headers().get(HttpHeaderNames.ACCEPT_ENCODING));
    V2JsonCodec.DecodedInfer decoded = decode(req, call.model(), coding, call.moreBytes());
    return service
        .infer(decoded.request().withObserver(call.record()))
        .thenApply(resp -> alloc -> render(resp, decoded, responseCoding, alloc));
  }

  private V2JsonCodec.DecodedInfer decode(
      FullHttpRequest req,
      ModelRef model,
      HttpCompression.Coding coding,
      java.util.function.LongPredicate moreBytes) {
    String headerLength = headerLength(req);
    if (coding == HttpCompression.Coding.IDENTITY) {
      return codec.decodeInfer(model.name(), model.version(), req.content(), headerLength);
    }
    ByteBuf plain =
        HttpCompression.decompress(
            req.content(), coding, maxBodyBytes, moreBytes, req.content().alloc());
    try {
      return codec.decodeInfer(model.name(), model.version(), plain, headerLength);
    } finally {
      plain.release();
    }
  }

  /**
   * The one {@code Inference-Header-Content-Length}, or null; the field repeated with different
   * values is refused, as a repeated Content-Length is: the two readings of the body differ.
   */
  private static @Nullable String headerLength(FullHttpRequest req) {
    java.util.List<String> all = req.headers().getAll(V2JsonCodec.HEADER_LENGTH);
    if (all.isEmpty()) {
      return null;
    }
    String first = all.get(0).trim();
    for (String v : all) {
      if (!v.trim().equals(first)) {
        throw InferenceException.invalid(
            V2JsonCodec.HEADER_LENGTH,
            "Inference-Header-Content-Length is given more than once with different values");
      }
    }
    return first;
  }

  private FullHttpResponse render(
      InferenceResponse resp,
      V2JsonCodec.DecodedInfer decoded,
      HttpCompression.Coding coding,
      ByteBufAllocator alloc) {
    V2JsonCodec.Encoded enc = codec.encodeInfer(resp, decoded, alloc);
    ByteBuf body = enc.body();
    if (coding != HttpCompression.Coding.IDENTITY) {
      body = HttpCompression.compress(body, coding, alloc);
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    if (coding != HttpCompression.Coding.IDENTITY) {
      r.headers().set(HttpHeaderNames.CONTENT_ENCODING, coding.token());
    }
    if (enc.binary()) {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
      r.headers().set(V2JsonCodec.HEADER_LENGTH, enc.jsonLength());
    } else {
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    }
    return r;
  }
}
