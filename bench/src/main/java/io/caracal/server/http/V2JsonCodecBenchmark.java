package io.caracal.server.http;

import io.caracal.api.DataType;
import io.caracal.api.InferenceResponse;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decode and encode of batch-32 FP32 tensors by the server's {@link V2JsonCodec} (package-private,
 * hence this package name), as JSON {@code data} arrays and with the binary tensor extension
 * ({@code Inference-Header-Content-Length} framing). Shapes: {@code 32x1x28x28} (the mnist-cnn-dyn
 * input, 25,088 floats) and {@code 32x1000} (the mobilenet output, 32,000 floats).
 *
 * <p>Run: {@code ./mvnw -pl bench -am -DskipTests package && java -jar bench/target/benchmarks.jar
 * V2JsonCodecBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@SuppressWarnings("NullAway.Init") // JMH sets the @Param fields, setUp() the others
public class V2JsonCodecBenchmark {

  @Param({"32x1x28x28", "32x1000"})
  public String shape;

  /**
   * {@code json}: the tensor as a JSON {@code data} array; {@code binary}: the binary extension.
   */
  @Param({"json", "binary"})
  public String format;

  private final V2JsonCodec codec = new V2JsonCodec(HttpLimits.defaults());
  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
  private ByteBuf requestBody;
  private String headerLength;
  private InferenceResponse response;
  private V2JsonCodec.DecodedInfer decodedForEncode;

  @Setup(Level.Trial)
  public void setUp() {
    long[] dims = java.util.Arrays.stream(shape.split("x")).mapToLong(Long::parseLong).toArray();
    int count = Math.toIntExact(Shape.of(dims).elementCount());
    SplittableRandom rnd = new SplittableRandom(42);
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) rnd.nextDouble(-4, 4);
    }
    ByteBuffer raw = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      raw.putFloat(v);
    }
    raw.flip();
    String shapeJson = java.util.Arrays.toString(dims).replace(" ", "");
    boolean binary = format.equals("binary");
    String json;
    if (binary) {
      json =
          "{\"inputs\":[{\"name\":\"input\",\"shape\":"
              + shapeJson
              + ",\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":"
              + raw.remaining()
              + "}}],\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":true}}]}";
    } else {
      StringBuilder sb = new StringBuilder(count * 12);
      sb.append("{\"inputs\":[{\"name\":\"input\",\"shape\":")
          .append(shapeJson)
          .append(",\"datatype\":\"FP32\",\"data\":[");
      for (int i = 0; i < count; i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append(values[i]);
      }
      sb.append("]}],\"outputs\":[{\"name\":\"output\",\"parameters\":{\"binary_data\":false}}]}");
      json = sb.toString();
    }
    byte[] jsonBytes = json.getBytes(StandardCharsets.UTF_8);
    requestBody = Unpooled.directBuffer(jsonBytes.length + (binary ? raw.remaining() : 0));
    requestBody.writeBytes(jsonBytes);
    if (binary) {
      requestBody.writeBytes(raw.duplicate());
      headerLength = Integer.toString(jsonBytes.length);
    }
    Tensor out = Tensor.of(DataType.FP32, Shape.of(dims), raw);
    response = new InferenceResponse("m", 1, "", List.of(new NamedTensor("output", out)), Map.of());
    decodedForEncode = decode();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    requestBody.release();
  }

  /**
   * Request body → {@code InferenceRequest} (for binary: one copy of the tensor into a direct
   * buffer).
   */
  @Benchmark
  public V2JsonCodec.DecodedInfer decode() {
    return codec.decodeInfer("m", OptionalLong.empty(), requestBody.duplicate(), headerLength);
  }

  /** {@code InferenceResponse} → response body (JSON numbers, or JSON header + wrapped tensor). */
  @Benchmark
  public int encode() {
    V2JsonCodec.Encoded e = codec.encodeInfer(response, decodedForEncode, alloc);
    int n = e.body().readableBytes();
    e.body().release();
    return n;
  }
}
