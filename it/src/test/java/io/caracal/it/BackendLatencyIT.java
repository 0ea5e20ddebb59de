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
 * batch-1 calls of the cross-backend network as ONNX, SavedModel and TorchScript, and of the
 * PyTorch CNN, each in-process ({@code ModelInstance.infer} on the backend found by ServiceLoader)
 * and through the real server (V2 REST, binary tensors) in the same run; prints a Markdown table
 * and writes it to {@code target/backend-latency.md}. Run: {@code ./mvnw -o -Pall-backends -pl it
 * -am verify -Dit.test=BackendLatencyIT -Dcaracal.measure=true -Dtest=NONE
 * -Dsurefire.failIfNoSpecifiedTests=false} (MEASURE_SECONDS per cell, default 10).
 */
@EnabledIfSystemProperty(named = "caracal.measure", matches = "true")
class BackendLatencyIT {
  @TempDir Path repo;

  record Model(
      String name,
      String backend,
      String file,
      String input,
      String output,
      long[] shape,
      Optional<ModelSignature> declared) {}

  static final ModelSignature CROSS =
      new ModelSignature(
          List.of(IoSpec.of("x", DataType.FP32, Shape.of(-1, 4))),
          List.of(IoSpec.of("y", DataType.FP32, Shape.of(-1, 2))));

  @Test
  void inProcessVersusServer() throws Exception {
    double seconds = Double.parseDouble(System.getenv().getOrDefault("MEASURE_SECONDS", "10"));
    CrossBackendIT.copyTree(CrossBackendIT.TF.resolve("cross_onnx"), repo.resolve("cross_onnx"));
    CrossBackendIT.copyTree(CrossBackendIT.TF.resolve("cross_tf"), repo.resolve("cross_tf"));
    PyTorchBackendIT.copyModel(repo, "cross", "cross_pt");
    PyTorchBackendIT.copyModel(repo, "cnn", "cnn_pt");
    List<Model> models =
        List.of(
            new Model(
                "cross_onnx",
                "onnxruntime",
                "model.onnx",
                "x",
                "y",
                new long[] {1, 4},
                Optional.empty()),
            new Model(
                "cross_tf",
                "tensorflow",
                "model.savedmodel",
                "x",
                "y",
                new long[] {1, 4},
                Optional.empty()),
            new Model(
                "cross_pt", "pytorch", "model.pt", "x", "y", new long[] {1, 4}, Optional.of(CROSS)),
            new Model(
                "cnn_pt",
                "pytorch",
                "model.pt",
                "image",
                "scores",
                new long[] {1, 1, 6, 6},
                Optional.of(
                    new ModelSignature(
                        List.of(IoSpec.of("image", DataType.FP32, Shape.of(-1, 1, 6, 6))),
                        List.of(IoSpec.of("scores", DataType.FP32, Shape.of(-1, 3)))))));
    // the ITs run with Netty's paranoid leak detector, which tracks every buffer: not for timing
    io.netty.util.ResourceLeakDetector.Level leakLevel =
        io.netty.util.ResourceLeakDetector.getLevel();
    io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
    StringBuilder table =
        new StringBuilder(
            "| model | backend | path | calls/s | p50 ms | p99 ms |\n|---|---|---|---|---|---|\n");
    try (ItServer server = ItServer.start(repo)) {
      for (Model m : models) {
        BackendFactory factory =
            ServiceLoader.load(BackendFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f.name().equals(m.backend()))
                .findFirst()
                .orElseThrow();
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
                    repo.resolve(m.name()).resolve("1").resolve(m.file()),
                    Map.of(),
                    BackendOptions.ofDefault(),
                    1,
                    Optional.empty(),
                    m.declared().orElse(new ModelSignature(List.of(), List.of()))))) {
          List<NamedTensor> in = List.of(new NamedTensor(m.input(), x));
          row(table, m, "in-process", seconds, () -> inst.infer(in, List.of(m.output())));
        }
        ObjectNode req =
            withOutputs(
                withInputs(request(), binaryInput(m.input(), "FP32", m.shape(), bytes.length)),
                true,
                m.output());
        row(
            table,
            m,
            "server (REST, binary)",
            seconds,
            () ->
                assertThat(server.client.inferBinary(m.name(), req, bytes).status())
                    .isEqualTo(200));
      }
    }
    io.netty.util.ResourceLeakDetector.setLevel(leakLevel);
    Files.writeString(Path.of("target/backend-latency.md"), table);
    System.out.println(table);
  }

  interface Call {
    void run() throws Exception;
  }

  private static void row(StringBuilder t, Model model, String path, double seconds, Call call)
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
            "| %s | %s | %s | %.0f | %.3f | %.3f |%n",
            model.name(),
            model.backend(),
            path,
            n / ((now - start) / 1e9),
            sorted[n / 2] / 1e6,
            sorted[Math.min(n - 1, (int) (n * 0.99))] / 1e6));
  }
}
