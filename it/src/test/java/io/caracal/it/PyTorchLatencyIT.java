package io.caracal.it;

import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.api.DataType;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelSignature;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a check (off unless {@code -Dcaracal.measure=true}): one client thread,
 * batch-1 calls, the PyTorch backend's linear and CNN test models in-process ({@code
 * ModelInstance.infer}) and through the real server (V2 REST, binary tensors) in the same run;
 * prints a Markdown table. Run: {@code ./mvnw -o -Pall-backends -pl it -am verify
 * -Dit.test=PyTorchLatencyIT -Dcaracal.measure=true -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false} (MEASURE_SECONDS per cell, default 10).
 */
@EnabledIfSystemProperty(named = "caracal.measure", matches = "true")
class PyTorchLatencyIT {
  @TempDir Path repo;

  record Model(String name, String input, String output, long[] shape, ModelSignature sig) {}

  @Test
  void inProcessVersusServer() throws Exception {
    double seconds = Double.parseDouble(System.getenv().getOrDefault("MEASURE_SECONDS", "10"));
    List<Model> models =
        List.of(
            new Model(
                "linear",
                "INPUT__0",
                "OUTPUT__0",
                new long[] {1, 4},
                new ModelSignature(
                    List.of(IoSpec.of("INPUT__0", DataType.FP32, Shape.of(-1, 4))),
                    List.of(IoSpec.of("OUTPUT__0", DataType.FP32, Shape.of(-1, 2))))),
            new Model(
                "cnn",
                "image",
                "scores",
                new long[] {1, 1, 6, 6},
                new ModelSignature(
                    List.of(IoSpec.of("image", DataType.FP32, Shape.of(-1, 1, 6, 6))),
                    List.of(IoSpec.of("scores", DataType.FP32, Shape.of(-1, 3))))));
    for (Model m : models) {
      PyTorchBackendIT.copyModel(repo, m.name(), m.name());
    }
    BackendFactory factory =
        ServiceLoader.load(BackendFactory.class).stream()
            .map(ServiceLoader.Provider::get)
            .filter(f -> f.name().equals("pytorch"))
            .findFirst()
            .orElseThrow();
    StringBuilder table =
        new StringBuilder("| model | path | calls/s | p50 ms | p99 ms |\n|---|---|---|---|---|\n");
    try (ItServer server = ItServer.start(repo)) {
      for (Model m : models) {
        int elements = (int) Arrays.stream(m.shape()).reduce(1, (a, b) -> a * b);
        ByteBuffer b = ByteBuffer.allocate(elements * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < elements; i++) {
          b.putFloat((float) Math.sin(i));
        }
        byte[] bytes = b.array();
        Tensor x = Tensor.of(DataType.FP32, Shape.of(m.shape()), ByteBuffer.wrap(bytes));
        try (ModelInstance inst =
            factory.load(
                new ModelArtifact(
                    new ModelId(m.name(), 1),
                    repo.resolve(m.name()).resolve("1/model.pt"),
                    Map.of(),
                    BackendOptions.ofDefault(),
                    1,
                    Optional.empty(),
                    m.sig()))) {
          List<NamedTensor> in = List.of(new NamedTensor(m.input(), x));
          row(table, m.name(), "in-process", seconds, () -> inst.infer(in, List.of(m.output())));
        }
        ObjectNode req =
            withOutputs(
                withInputs(request(), binaryInput(m.input(), "FP32", m.shape(), bytes.length)),
                true,
                m.output());
        row(
            table,
            m.name(),
            "server (REST, binary)",
            seconds,
            () ->
                assertThat(server.client.inferBinary(m.name(), req, bytes).status())
                    .isEqualTo(200));
      }
    }
    Files.writeString(Path.of("target/pytorch-latency.md"), table);
    System.out.println(table);
  }

  interface Call {
    void run() throws Exception;
  }

  private static void row(StringBuilder t, String model, String path, double seconds, Call call)
      throws Exception {
    long warmEnd = System.nanoTime() + (long) (seconds / 4 * 1e9);
    while (System.nanoTime() < warmEnd) {
      call.run();
    }
    long[] lat = new long[1 << 22];
    int n = 0;
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long now = start;
    while (now < end && n < lat.length) {
      call.run();
      long after = System.nanoTime();
      lat[n++] = after - now;
      now = after;
    }
    long[] sorted = Arrays.copyOf(lat, n);
    Arrays.sort(sorted);
    t.append(
        String.format(
            "| %s | %s | %.0f | %.3f | %.3f |%n",
            model,
            path,
            n / ((now - start) / 1e9),
            sorted[n / 2] / 1e6,
            sorted[Math.min(n - 1, (int) (n * 0.99))] / 1e6));
  }
}
