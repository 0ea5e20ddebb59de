package io.caracal.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.protocol.v2.JsonTensorReader;
import io.caracal.protocol.v2.JsonTensorWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JSON {@code data} array of an FP32 tensor, read and written, the project's path against
 * Jackson's own number handling in the same run (issue 10, "fast JSON tensor path").
 *
 * <ul>
 *   <li>{@code read}, {@code path=fast}: {@link JsonTensorReader} (FastDoubleParser on the parser's
 *       characters, straight into the tensor's direct buffer, with its checks);
 *   <li>{@code read}, {@code path=jackson}: the tokens read with {@code JsonParser.getFloatValue}
 *       into a direct buffer, what the reader did before, without its checks (so the reference is
 *       if anything flattered);
 *   <li>{@code write}, {@code path=fast}: {@link JsonTensorWriter#writeData} (the JDK formats into
 *       one reused builder, chunks of characters go to the generator);
 *   <li>{@code write}, {@code path=jackson}: {@link JsonTensorWriter#writeEachElement}, one {@code
 *       JsonGenerator.writeNumber(float)} (a String) per element, what the writer did before.
 * </ul>
 *
 * Values: uniform in [0, 1) with three decimals (an image scaled to [0, 1], as a client prints it;
 * the mnist request of bench/compare.sh) or full float precision ({@code digits=full}, e.g.
 * logits). Run: {@code java -jar bench/target/benchmarks.jar JsonTensorDataBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@SuppressWarnings("NullAway.Init") // JMH sets the @Param fields, setUp() the others
public class JsonTensorDataBenchmark {
  @Param({"1x1x28x28", "32x1x28x28"})
  public String shape;

  @Param({"3", "full"})
  public String digits;

  @Param({"fast", "jackson"})
  public String path;

  private final JsonFactory factory = new JsonFactory();
  private final JsonTensorReader reader = JsonTensorReader.forRequests(64);
  private byte[] json;
  private Shape dims;
  private Tensor tensor;

  @Setup(Level.Trial)
  public void setUp() {
    long[] d = Arrays.stream(shape.split("x")).mapToLong(Long::parseLong).toArray();
    dims = Shape.of(d);
    int count = Math.toIntExact(dims.elementCount());
    SplittableRandom rnd = new SplittableRandom(42);
    ByteBuffer raw = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    StringBuilder sb = new StringBuilder(count * 12).append('[');
    for (int i = 0; i < count; i++) {
      float v =
          digits.equals("3")
              ? Math.round(rnd.nextFloat() * 1000f) / 1000f
              : (float) rnd.nextDouble(-4, 4);
      raw.putFloat(v);
      sb.append(i > 0 ? "," : "").append(v);
    }
    json = sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
    tensor = Tensor.of(DataType.FP32, dims, raw.flip());
  }

  /** JSON {@code data} array → FP32 tensor. */
  @Benchmark
  public Object read() throws IOException {
    try (JsonParser p = factory.createParser(json)) {
      p.nextToken();
      if (path.equals("fast")) {
        return reader.read(p, DataType.FP32, dims, Long.MAX_VALUE);
      }
      ByteBuffer buf =
          ByteBuffer.allocateDirect(Math.toIntExact(dims.elementCount() * 4))
              .order(ByteOrder.LITTLE_ENDIAN);
      while (p.nextToken() != JsonToken.END_ARRAY) {
        buf.putFloat(p.getFloatValue());
      }
      return buf.flip();
    }
  }

  /** FP32 tensor → JSON {@code data} array. */
  @Benchmark
  public int write() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 16);
    try (JsonGenerator g = factory.createGenerator(out)) {
      if (path.equals("fast")) {
        JsonTensorWriter.writeData(g, tensor);
      } else {
        JsonTensorWriter.writeEachElement(g, tensor);
      }
    }
    return out.size();
  }
}
