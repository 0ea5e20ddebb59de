package io.caracal.tracing;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.Compressor;
import io.opentelemetry.sdk.common.export.GrpcResponse;
import io.opentelemetry.sdk.common.export.GrpcSender;
import io.opentelemetry.sdk.common.export.GrpcSenderConfig;
import io.opentelemetry.sdk.common.export.GrpcSenderProvider;
import io.opentelemetry.sdk.common.export.GrpcStatusCode;
import io.opentelemetry.sdk.common.export.MessageWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * OpenTelemetry's gRPC sender SPI over grpc-java, so that OTLP/gRPC export needs no OkHttp: one
 * channel to the collector ({@code http://} plaintext, {@code https://} TLS with the JVM's trust
 * store), a unary call per export with the exporter's timeout as deadline and its headers as
 * metadata, gzip-compressed by grpc-java when the exporter asks for compression. A non-OK status is
 * handed to the exporter as a response (it logs it and drops the batch). No retries. Thread-safe.
 */
final class GrpcJavaSender implements GrpcSender {
  /** Creates {@link GrpcJavaSender}s for the OTLP gRPC exporter. */
  static final class Provider implements GrpcSenderProvider {
    @Override
    public GrpcSender createSender(GrpcSenderConfig config) {
      return new GrpcJavaSender(config);
    }
  }

  private final ManagedChannel channel;
  private final MethodDescriptor<MessageWriter, byte[]> method;
  private final long timeoutNanos;
  private final @Nullable String compression;
  private final GrpcSenderConfig config;

  GrpcJavaSender(GrpcSenderConfig config) {
    this.config = config;
    URI uri = config.getEndpoint();
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
    ManagedChannelBuilder<?> b = ManagedChannelBuilder.forAddress(uri.getHost(), port);
    if (tls) {
      b.useTransportSecurity();
    } else {
      b.usePlaintext();
    }
    this.channel = b.build();
    this.method =
        MethodDescriptor.<MessageWriter, byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(config.getFullMethodName())
            .setRequestMarshaller(new WriterMarshaller())
            .setResponseMarshaller(new BytesMarshaller())
            .build();
    this.timeoutNanos = config.getTimeout().toNanos();
    Compressor c = config.getCompressor();
    this.compression = c == null ? null : c.getEncoding();
  }

  @Override
  public void send(
      MessageWriter writer, Consumer<GrpcResponse> onResponse, Consumer<Throwable> onError) {
    Metadata metadata = new Metadata();
    Map<String, List<String>> headers = config.getHeadersSupplier().get();
    if (headers != null) {
      headers.forEach((k, values) -> {
        String key = k.toLowerCase(java.util.Locale.ROOT);
        if (key.startsWith(":")
            || key.startsWith("grpc-")
            || key.equals("content-type")
            || key.equals("te")
            || key.equals("user-agent")) {
          return; // grpc-java's own
        }
        for (String v : values) {
          metadata.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), v);
        }
      });
    }
    ClientCall<MessageWriter, byte[]> call =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata))
            .newCall(
                method, CallOptions.DEFAULT.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS));
    try {
      ClientCalls.asyncUnaryCall(
          call,
          writer,
          new StreamObserver<>() {
            private byte[] body = new byte[0];

            @Override
            public void onNext(byte[] value) {
              body = value;
            }

            @Override
            public void onError(Throwable t) {
              Status s = Status.fromThrowable(t);
              onResponse.accept(
                  new Response(
                      GrpcStatusCode.fromValue(s.getCode().value()),
                      s.getDescription() == null ? s.getCode().name() : s.getDescription(),
                      new byte[0]));
            }

            @Override
            public void onCompleted() {
              onResponse.accept(new Response(GrpcStatusCode.OK, "", body));
            }
          });
    } catch (RuntimeException e) {
      onError.accept(e);
    }
  }

  @Override
  public CompletableResultCode shutdown() {
    channel.shutdown();
    return CompletableResultCode.ofSuccess();
  }

  private record Response(GrpcStatusCode statusCode, String statusDescription, byte[] message)
      implements GrpcResponse {
    @Override
    public GrpcStatusCode getStatusCode() {
      return statusCode;
    }

    @Override
    public String getStatusDescription() {
      return statusDescription;
    }

    @Override
    public byte[] getResponseMessage() {
      return message;
    }
  }

  /** Serializes the exporter's message (already protobuf) as the request. */
  private static final class WriterMarshaller
      implements MethodDescriptor.Marshaller<MessageWriter> {
    @Override
    public InputStream stream(MessageWriter value) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(32, value.getContentLength()));
      try {
        value.writeMessage(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new ByteArrayInputStream(out.toByteArray());
    }

    @Override
    public MessageWriter parse(InputStream stream) {
      throw new UnsupportedOperationException("requests are only sent");
    }
  }

  /** The response's bytes, which the exporter parses itself. */
  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
