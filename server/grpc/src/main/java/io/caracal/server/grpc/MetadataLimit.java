package io.caracal.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fails a call whose request metadata is larger than the limit with {@code RESOURCE_EXHAUSTED}
 * naming the size, and keeps the connection. Netty's own bound on a header block (grpc-java's
 * {@code maxInboundMetadataSize}) resets or, a quarter beyond it, closes the whole connection with
 * GOAWAY, failing every other call on it (issue 12); so that bound is set to {@link
 * #TRANSPORT_FACTOR} times this limit, and only a header block that large (a protocol-level attack,
 * not a client's mistake) costs the connection. The size is counted as HTTP/2 counts it for {@code
 * SETTINGS_MAX_HEADER_LIST_SIZE}: each entry's name and value bytes plus 32. Stateless apart from a
 * counter.
 */
final class MetadataLimit implements ServerInterceptor {
  /** How many times this limit the transport's own bound is. */
  static final int TRANSPORT_FACTOR = 8;

  private final int max;
  private final AtomicLong refused = new AtomicLong();

  MetadataLimit(int max) {
    this.max = max;
  }

  /** Calls refused so far. */
  long refused() {
    return refused.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long size = size(headers);
    if (size > max) {
      refused.incrementAndGet();
      call.close(
          Status.RESOURCE_EXHAUSTED.withDescription(
              "request metadata of " + size + " bytes exceeds the limit of " + max + " bytes"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  /** The size of {@code headers} as HTTP/2 counts a header list (without the pseudo-headers). */
  static long size(Metadata headers) {
    long total = 0;
    for (String name : headers.keys()) {
      int nameBytes = name.getBytes(StandardCharsets.US_ASCII).length;
      if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        for (byte[] v : all(headers, Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER))) {
          total += nameBytes + base64Length(v.length) + 32;
        }
      } else {
        for (String v : all(headers, Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER))) {
          total += nameBytes + v.getBytes(StandardCharsets.US_ASCII).length + 32;
        }
      }
    }
    return total;
  }

  private static <T> Iterable<T> all(Metadata headers, Metadata.Key<T> key) {
    Iterable<T> values = headers.getAll(key);
    return values == null ? java.util.List.of() : values;
  }

  /** Binary values travel base64-encoded (unpadded). */
  private static long base64Length(int bytes) {
    return (bytes * 4L + 2) / 3;
  }
}
