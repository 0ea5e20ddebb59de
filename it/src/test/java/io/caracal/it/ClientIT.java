package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.caracal.api.DataType;
import io.caracal.client.CaracalClient;
import io.caracal.client.CaracalClientException;
import io.caracal.client.InferInput;
import io.caracal.client.InferOutput;
import io.caracal.client.InferRequest;
import io.caracal.client.InferRequestedOutput;
import io.caracal.client.InferResult;
import io.caracal.client.ModelMetadata;
import io.caracal.client.ServerMetadata;
import io.caracal.testing.models.TestModels;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java client ({@code caracal-client}) against a real server on an ephemeral port: every
 * datatype round trip over HTTP binary, HTTP JSON and gRPC, sync and async, metadata and readiness,
 * requested outputs, request ids, timeouts and errors on both transports.
 */
class ClientIT {
  static final long[] SHAPE = {2, 3};

  @TempDir static Path repo;
  static ItServer server;
  static CaracalClient client;
  static CaracalClient grpc;

  /** A transport. */
  enum Transport {
    HTTP,
    GRPC;

    CaracalClient client() {
      return this == HTTP ? client : grpc;
    }

    /** Asserts the status of a failed call: HTTP status or gRPC code. */
    void assertStatus(CaracalClientException e, int http, String grpcCode) {
      if (this == HTTP) {
        assertThat(e.httpStatus()).as("%s", e).isEqualTo(http);
        assertThat(e.grpcCode()).isEmpty();
      } else {
        assertThat(e.grpcCode()).as("%s", e).contains(grpcCode);
        assertThat(e.httpStatus()).isZero();
      }
    }
  }

  /** How a request travels. */
  enum Mode {
    HTTP_BINARY,
    HTTP_JSON,
    GRPC;

    CaracalClient client() {
      return this == GRPC ? grpc : client;
    }

    InferRequest.Builder builder(String model) {
      InferRequest.Builder b = InferRequest.builder(model);
      return this == HTTP_JSON ? b.json() : b;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    for (DataType t : DataType.values()) {
      TestModels.identity(repo, idModel(t), t, 8);
    }
    TestModels.addSub(repo, "simple", DataType.INT32, 8);
    TestModels.strings(repo, "strings", 8);
    TestModels.slow(repo, "slow", 8);
    server = ItServer.start(repo);
    client =
        CaracalClient.httpBuilder(URI.create("http://127.0.0.1:" + server.port()))
            .timeout(Duration.ofSeconds(30))
            .build();
    grpc =
        CaracalClient.grpcBuilder("127.0.0.1", server.server.grpcAddress().getPort())
            .timeout(Duration.ofSeconds(30))
            .build();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (grpc != null) {
      grpc.close();
    }
    if (server != null) {
      server.close();
    }
  }

  static String idModel(DataType t) {
    return "identity_" + t.name().toLowerCase(Locale.ROOT);
  }

  /** Six sample values of each datatype, including its extremes. */
  static InferInput sample(DataType t) {
    String n = "INPUT0";
    return switch (t) {
      case BOOL -> InferInput.bool(n, SHAPE, true, false, true, true, false, false);
      case INT8 ->
          InferInput.int8(
              n, SHAPE, Byte.MIN_VALUE, (byte) -1, (byte) 0, (byte) 1, (byte) 2, Byte.MAX_VALUE);
      case UINT8 -> InferInput.uint8(n, SHAPE, 0, 1, 2, 128, 254, 255);
      case INT16 ->
          InferInput.int16(
              n,
              SHAPE,
              Short.MIN_VALUE,
              (short) -1,
              (short) 0,
              (short) 1,
              (short) 300,
              Short.MAX_VALUE);
      case UINT16 -> InferInput.uint16(n, SHAPE, 0, 1, 300, 32768, 65534, 65535);
      case INT32 ->
          InferInput.int32(n, SHAPE, Integer.MIN_VALUE, -1, 0, 1, 70000, Integer.MAX_VALUE);
      case UINT32 ->
          InferInput.uint32(n, SHAPE, 0, 1, 70000, 2147483648L, 4294967294L, 4294967295L);
      case INT64 -> InferInput.int64(n, SHAPE, Long.MIN_VALUE, -1, 0, 1, 1L << 40, Long.MAX_VALUE);
      case UINT64 ->
          InferInput.uint64(n, SHAPE, 0, 1, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1L);
      case FP16 -> InferInput.fp16(n, SHAPE, 0f, -2f, 0.5f, 65504f, 6.1035156e-5f, 1f / 3);
      case BF16 -> InferInput.bf16(n, SHAPE, 0f, -3f, 1.5f, 1e30f, -1e-30f, 1f / 3);
      case FP32 ->
          InferInput.fp32(n, SHAPE, 0.1f, -1e-30f, Float.MAX_VALUE, Float.MIN_VALUE, -0f, 1f / 3);
      case FP64 ->
          InferInput.fp64(n, SHAPE, 0.1, -1e-300, Double.MAX_VALUE, Double.MIN_VALUE, -0d, 1d / 3);
      case BYTES ->
          InferInput.strings(n, SHAPE, "a", "", "wörld", "日本語", "two words", "\"quoted\"\\");
    };
  }

  static List<Arguments> modesAndTypes() {
    List<Arguments> out = new ArrayList<>();
    for (Mode m : Mode.values()) {
      for (DataType t : DataType.values()) {
        out.add(Arguments.of(m, t));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- datatypes

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("modesAndTypes")
  void everyDatatypeRoundTripsExactlySync(Mode mode, DataType t) {
    InferInput in = sample(t);
    InferResult r = mode.client().infer(mode.builder(idModel(t)).input(in).build());
    InferOutput out = r.output("OUTPUT0");
    assertThat(out.dataType()).isEqualTo(t);
    assertThat(out.shape().toArray()).containsExactly(SHAPE);
    assertThat(out.asTensor()).isEqualTo(in.tensor());
    assertThat(r.modelName()).isEqualTo(idModel(t));
    assertThat(r.modelVersion()).isEqualTo("1");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("modesAndTypes")
  void everyDatatypeRoundTripsExactlyAsync(Mode mode, DataType t) throws Exception {
    InferInput in = sample(t);
    CompletableFuture<InferResult> f =
        mode.client().inferAsync(mode.builder(idModel(t)).input(in).build());
    assertThat(f.get(30, TimeUnit.SECONDS).output("OUTPUT0").asTensor()).isEqualTo(in.tensor());
  }

  @Test
  void typedReadersSeeTheValuesSent() {
    assertThat(
            client
                .infer(idModel(DataType.FP32), sample(DataType.FP32))
                .output("OUTPUT0")
                .asFloats())
        .containsExactly(0.1f, -1e-30f, Float.MAX_VALUE, Float.MIN_VALUE, -0f, 1f / 3);
    assertThat(
            client
                .infer(idModel(DataType.FP16), sample(DataType.FP16))
                .output("OUTPUT0")
                .asFloats())
        .containsExactly(
            0f,
            -2f,
            0.5f,
            65504f,
            6.1035156e-5f,
            Float.float16ToFloat(Float.floatToFloat16(1f / 3)));
    assertThat(
            client
                .infer(idModel(DataType.INT32), sample(DataType.INT32))
                .output("OUTPUT0")
                .asInts())
        .containsExactly(Integer.MIN_VALUE, -1, 0, 1, 70000, Integer.MAX_VALUE);
    assertThat(
            client
                .infer(idModel(DataType.UINT64), sample(DataType.UINT64))
                .output("OUTPUT0")
                .asLongs())
        .containsExactly(0, 1, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE, -1L);
    assertThat(
            client
                .infer(idModel(DataType.BOOL), sample(DataType.BOOL))
                .output("OUTPUT0")
                .asBooleans())
        .containsExactly(true, false, true, true, false, false);
    assertThat(
            client
                .infer(idModel(DataType.BYTES), sample(DataType.BYTES))
                .output("OUTPUT0")
                .asStrings())
        .containsExactly("a", "", "wörld", "日本語", "two words", "\"quoted\"\\");
  }

  @Test
  void bytesThatAreNotUtf8TravelBinaryEvenInJsonMode() {
    // JSON could not carry these bytes; they arrive intact in binary and the ONNX Runtime backend
    // (UTF-8 text only) refuses them by name.
    byte[] raw = {(byte) 0xff, 0, (byte) 0xc3};
    InferInput in = InferInput.bytes("INPUT0", new long[] {1, 1}, raw);
    assertThatThrownBy(() ->
            client.infer(
                InferRequest.builder(idModel(DataType.BYTES))
                    .binaryInputs(false)
                    .input(in)
                    .build()))
        .isInstanceOfSatisfying(
            CaracalClientException.class,
            e -> {
              assertThat(e.httpStatus()).isEqualTo(400);
              assertThat(e.serverMessage())
                  .hasValueSatisfying(m -> assertThat(m).contains("INPUT0").contains("UTF-8"));
            });
  }

  // ---------------------------------------------------------------- requests

  @ParameterizedTest
  @EnumSource(Transport.class)
  void requestedOutputsRequestIdAndMixedEncodings(Transport tr) {
    CaracalClient client = tr.client();
    int[] a = new int[16];
    int[] b = new int[16];
    for (int i = 0; i < 16; i++) {
      a[i] = i;
      b[i] = 2 * i + 1;
    }
    // README example: keep in step with the "Java client" section.
    InferResult r =
        client.infer(
            InferRequest.builder("simple")
                .id("req-42")
                .input(InferInput.int32("INPUT0", new long[] {1, 16}, a))
                .input(InferInput.int32("INPUT1", new long[] {1, 16}, b))
                .output(InferRequestedOutput.of("OUTPUT1").binary(false))
                .output("OUTPUT0")
                .timeout(Duration.ofSeconds(5))
                .build());
    assertThat(r.id()).contains("req-42");
    assertThat(r.outputs())
        .extracting(InferOutput::name)
        .containsExactlyInAnyOrder("OUTPUT1", "OUTPUT0");
    int[] sum = r.output("OUTPUT0").asInts();
    int[] diff = r.output("OUTPUT1").asInts();
    for (int i = 0; i < 16; i++) {
      assertThat(sum[i]).isEqualTo(a[i] + b[i]);
      assertThat(diff[i]).isEqualTo(a[i] - b[i]);
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void onlyTheRequestedOutputComesBack(Transport tr) {
    InferResult r =
        tr.client()
            .infer(
                InferRequest.builder("strings")
                    .input(InferInput.strings("INPUT0", new long[] {1, 2}, "ab", "ü"))
                    .input(InferInput.strings("INPUT1", new long[] {1, 2}, "cd", "ß"))
                    .output("OUTPUT0")
                    .build());
    assertThat(r.outputs()).hasSize(1);
    assertThat(r.output("OUTPUT0").asStrings()).containsExactly("abcd", "üß");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void versionedRequestAndParametersAreAccepted(Transport tr) {
    InferResult r =
        tr.client()
            .infer(
                InferRequest.builder(idModel(DataType.INT64))
                    .version("1")
                    .parameter("custom_flag", true)
                    .input(
                        InferInput.int64("INPUT0", new long[] {1, 1}, 7).withParameter("note", "x"))
                    .build());
    assertThat(r.output("OUTPUT0").asLongs()).containsExactly(7);
    assertThat(r.modelVersion()).isEqualTo("1");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void manyConcurrentAsyncCalls(Transport tr) {
    List<CompletableFuture<InferResult>> fs = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      fs.add(
          tr.client()
              .inferAsync(
                  InferRequest.builder(idModel(DataType.INT32))
                      .id("n" + i)
                      .input(InferInput.int32("INPUT0", new long[] {1, 1}, i))
                      .build()));
    }
    for (int i = 0; i < fs.size(); i++) {
      InferResult r = fs.get(i).join();
      assertThat(r.id()).contains("n" + i);
      assertThat(r.output("OUTPUT0").asInts()).containsExactly(i);
    }
  }

  // ---------------------------------------------------------------- health and metadata

  @ParameterizedTest
  @EnumSource(Transport.class)
  void healthAndMetadata(Transport tr) throws Exception {
    CaracalClient client = tr.client();
    assertThat(client.isServerLive()).isTrue();
    assertThat(client.isServerLiveAsync().get()).isTrue();
    assertThat(client.isServerReady()).isTrue();
    assertThat(client.isServerReadyAsync().get()).isTrue();
    assertThat(client.isModelReady(idModel(DataType.FP32))).isTrue();
    assertThat(client.isModelReady(idModel(DataType.FP32), "1")).isTrue();
    assertThat(client.isModelReadyAsync("no_such_model").get()).isFalse();
    assertThat(client.isModelReady(idModel(DataType.FP32), "9")).isFalse();

    ServerMetadata sm = client.serverMetadata();
    assertThat(sm.name()).isNotEmpty();
    assertThat(sm.version()).isNotEmpty();
    if (tr == Transport.HTTP) {
      assertThat(sm.extensions()).contains("binary_tensor_data");
    }

    ModelMetadata md = client.modelMetadataAsync("simple").get();
    assertThat(md.name()).isEqualTo("simple");
    assertThat(md.versions()).containsExactly("1");
    assertThat(md.inputs())
        .containsExactly(
            new ModelMetadata.TensorSpec("INPUT0", "INT32", new long[] {-1, 16}),
            new ModelMetadata.TensorSpec("INPUT1", "INT32", new long[] {-1, 16}));
    assertThat(md.outputs())
        .extracting(ModelMetadata.TensorSpec::name)
        .containsExactly("OUTPUT0", "OUTPUT1");
    assertThat(client.modelMetadata("simple", "1")).isEqualTo(md);
  }

  // ---------------------------------------------------------------- errors

  @ParameterizedTest
  @EnumSource(Transport.class)
  void unknownModelIsAClientExceptionWithStatusAndMessage(Transport tr) {
    CaracalClientException e =
        catchThrowableOfType(
            CaracalClientException.class,
            () ->
                tr.client().infer("no_such_model", InferInput.fp32("INPUT0", new long[] {1}, 1f)));
    // Both answer an unknown model as Triton does: REST 400, gRPC INVALID_ARGUMENT
    tr.assertStatus(e, 400, "INVALID_ARGUMENT");
    assertThat(e.serverMessage())
        .hasValueSatisfying(m -> assertThat(m).startsWith("Request for unknown model"));
    assertThat(e.isTimeout()).isFalse();

    CaracalClientException md =
        catchThrowableOfType(
            CaracalClientException.class, () -> tr.client().modelMetadata("no_such_model"));
    tr.assertStatus(md, 400, "INVALID_ARGUMENT");
    assertThat(md.serverMessage()).hasValueSatisfying(m -> assertThat(m).contains("no_such_model"));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void badShapeIsAClientExceptionAsyncToo(Transport tr) {
    CompletableFuture<InferResult> f =
        tr.client()
            .inferAsync(
                InferRequest.builder(idModel(DataType.FP32))
                    .input(InferInput.fp32("INPUT0", new long[] {3}, 1f, 2f, 3f))
                    .build());
    ExecutionException e =
        catchThrowableOfType(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(CaracalClientException.class);
    CaracalClientException c = (CaracalClientException) e.getCause();
    tr.assertStatus(c, 400, "INVALID_ARGUMENT");
    assertThat(c.serverMessage())
        .hasValueSatisfying(m -> assertThat(m).contains("INPUT0").contains("shape"));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void wrongDatatypeIsRejectedByTheServer(Transport tr) {
    assertThatThrownBy(() ->
            tr.client()
                .infer(idModel(DataType.FP32), InferInput.int32("INPUT0", new long[] {1, 1}, 1)))
        .isInstanceOfSatisfying(
            CaracalClientException.class,
            e -> {
              tr.assertStatus(e, 400, "INVALID_ARGUMENT");
              assertThat(e.serverMessage())
                  .hasValueSatisfying(m -> assertThat(m).contains("INPUT0"));
            });
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void noServerIsATransportError(Transport tr) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (CaracalClient c =
        tr == Transport.HTTP
            ? CaracalClient.httpBuilder(URI.create("http://127.0.0.1:" + port))
                .connectTimeout(Duration.ofSeconds(2))
                .build()
            : CaracalClient.grpcBuilder("127.0.0.1", port).timeout(Duration.ofSeconds(5)).build()) {
      CaracalClientException e =
          catchThrowableOfType(CaracalClientException.class, c::isServerLive);
      assertThat(e.httpStatus()).isZero();
      assertThat(e.serverMessage()).isEmpty();
      assertThat(e.isTimeout()).isFalse();
      if (tr == Transport.GRPC) {
        assertThat(e.grpcCode()).contains("UNAVAILABLE");
      }
    }
  }

  // ---------------------------------------------------------------- timeouts

  static InferRequest.Builder slowRequest(long iterations) {
    float[] x = new float[16];
    return InferRequest.builder("slow")
        .input(InferInput.fp32("INPUT0", new long[] {1, 16}, x))
        .input(InferInput.int64("ITERATIONS", new long[] {1, 1}, iterations));
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void aCallThatOutlastsItsTimeoutFailsWithATimeout(Transport tr) {
    CaracalClientException e =
        catchThrowableOfType(
            CaracalClientException.class,
            () -> tr.client().infer(slowRequest(5_000).timeout(Duration.ofMillis(100)).build()));
    assertThat(e.isTimeout()).as("%s", e).isTrue();
    assertThat(e.httpStatus()).isZero();
    if (tr == Transport.GRPC) {
      assertThat(e.grpcCode()).contains("DEADLINE_EXCEEDED");
    }
    // the client stays usable, and a generous timeout lets a short slow call through
    assertThat(
            tr.client()
                .infer(slowRequest(10).timeout(Duration.ofSeconds(30)).build())
                .output("OUTPUT0")
                .asFloats())
        .hasSize(16);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void asyncTimeoutAndTimeoutViews(Transport tr) throws Exception {
    CaracalClient client = tr.client();
    CompletableFuture<InferResult> f =
        client.withTimeout(Duration.ofMillis(100)).inferAsync(slowRequest(5_000).build());
    ExecutionException e =
        catchThrowableOfType(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
    assertThat(e.getCause())
        .isInstanceOfSatisfying(
            CaracalClientException.class, c -> assertThat(c.isTimeout()).isTrue());
    CaracalClient shortCalls = client.withTimeout(Duration.ofSeconds(5));
    assertThat(shortCalls.timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(shortCalls.isServerLive()).isTrue();
    shortCalls.close(); // a view: the shared client stays open
    assertThat(client.isServerLive()).isTrue();
  }
}
