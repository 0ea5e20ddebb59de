package io.caracal.bench.compare;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lean baseline of {@code bench/compare.sh}: the least a server can do to serve one ONNX model
 * over HTTP. Netty's HTTP/1.1 codec, and ONNX Runtime called inline on the event loop that read the
 * request (no hand-off, no scheduler, no protocol): the body of {@code POST /} is the raw
 * little-endian bytes of the model's inputs, one after the other in equal parts, each with a batch
 * of 1; the answer is the raw bytes of the outputs, one after the other.
 *
 * <p>{@code java -cp <bench class path> io.caracal.bench.compare.LeanOrtServer MODEL.onnx
 * [event-loop threads, default the number of CPUs]}; prints {@code lean listening on
 * 127.0.0.1:PORT} once it accepts connections (port 0, chosen by the system). The session has ONNX
 * Runtime's default options, as Caracal's defaults give an instance.
 *
 * <p>With the system properties {@code lean.tls.cert} and {@code lean.tls.key} (PEM files) it
 * speaks TLS, Netty's {@code SslHandler} first in each connection's pipeline on Netty's default
 * engine (OpenSSL/BoringSSL when its natives load): what TLS costs a server that does nothing else,
 * for {@code bench/secure-test.sh}.
 */
public final class LeanOrtServer {
  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final List<Input> inputs = new ArrayList<>();

  private record Input(String name, ai.onnxruntime.OnnxJavaType type, long[] shape) {}

  private LeanOrtServer(String model) throws OrtException {
    session = env.createSession(model, new OrtSession.SessionOptions());
    for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
      TensorInfo info = (TensorInfo) e.getValue().getInfo();
      inputs.add(new Input(e.getKey(), info.type, info.getShape()));
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      throw new IllegalArgumentException("usage: LeanOrtServer MODEL.onnx [event-loop threads]");
    }
    int threads =
        args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
    LeanOrtServer server = new LeanOrtServer(args[0]);
    String cert = System.getProperty("lean.tls.cert");
    String key = System.getProperty("lean.tls.key");
    io.netty.handler.ssl.SslContext tls =
        cert == null || key == null
            ? null
            : io.netty.handler.ssl.SslContextBuilder.forServer(
                    new java.io.File(cert), new java.io.File(key))
                .protocols("TLSv1.3", "TLSv1.2")
                .build();
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup group =
        epoll ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
    Channel channel =
        new ServerBootstrap()
            .group(group)
            .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (tls != null) {
                      ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(64 << 20))
                        .addLast(server.new Handler());
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
    System.out.println(
        "lean listening on 127.0.0.1:"
            + ((InetSocketAddress) channel.localAddress()).getPort()
            + (tls == null
                ? ""
                : " (TLS, "
                    + io.netty.handler.ssl.SslContext.defaultServerProvider()
                    + " engine)"));
    System.out.flush();
    channel.closeFuture().sync();
  }

  /** Runs the model on the request's bytes, on the event loop. */
  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      FullHttpResponse res;
      try {
        res = ok(req, infer(req.content()));
      } catch (OrtException | RuntimeException e) {
        res =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.BAD_REQUEST,
                Unpooled.copiedBuffer(String.valueOf(e.getMessage()), StandardCharsets.UTF_8));
        res.headers().set(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
      }
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (keepAlive) {
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        ctx.writeAndFlush(res, ctx.voidPromise());
      } else {
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
      }
    }

    private FullHttpResponse ok(FullHttpRequest req, ByteBuf body) {
      FullHttpResponse res =
          new DefaultFullHttpResponse(req.protocolVersion(), HttpResponseStatus.OK, body);
      res.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM)
          .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      return res;
    }
  }

  private ByteBuf infer(ByteBuf body) throws OrtException {
    int part = body.readableBytes() / inputs.size();
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      for (int i = 0; i < inputs.size(); i++) {
        Input in = inputs.get(i);
        ByteBuffer bytes =
            ByteBuffer.allocateDirect(part)
                .order(ByteOrder.nativeOrder())
                .put(body.nioBuffer(body.readerIndex() + i * part, part))
                .flip();
        feeds.put(
            in.name(),
            OnnxTensor.createTensor(env, bytes, shape(in, part / width(in.type())), in.type()));
      }
      try (OrtSession.Result result = session.run(feeds)) {
        ByteBuf out = Unpooled.buffer();
        for (Map.Entry<String, OnnxValue> e : result) {
          out.writeBytes(((OnnxTensor) e.getValue()).getByteBuffer());
        }
        return out;
      }
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  /** The input's shape for {@code elements} values: batch 1, one other free dimension derived. */
  private static long[] shape(Input in, long elements) {
    long[] shape = in.shape().clone();
    long known = 1;
    int free = -1;
    for (int d = 0; d < shape.length; d++) {
      if (shape[d] < 0 && d == 0) {
        shape[d] = 1;
      } else if (shape[d] < 0) {
        free = d;
      } else {
        known *= shape[d];
      }
    }
    if (free >= 0) {
      shape[free] = elements / known;
    } else if (known != elements) {
      throw new IllegalArgumentException(
          "input " + in.name() + " takes " + known + " values, the body gives " + elements);
    }
    return shape;
  }

  static int width(ai.onnxruntime.OnnxJavaType type) {
    return switch (type) {
      case DOUBLE, INT64 -> 8;
      case FLOAT, INT32 -> 4;
      case FLOAT16, BFLOAT16, INT16 -> 2;
      case INT8, UINT8, BOOL -> 1;
      default -> throw new IllegalArgumentException("unsupported input type " + type);
    };
  }
}
