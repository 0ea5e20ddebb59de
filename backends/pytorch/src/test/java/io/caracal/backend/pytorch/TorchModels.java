package io.caracal.backend.pytorch;

import io.caracal.api.DataType;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelBytes;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.api.backend.ModelSignature;
import io.caracal.testing.TestTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The committed test models (src/test/models, written by generate.py), their declared signatures
 * (as their config.pbtxt lists them) and their expected values, for tests.
 */
final class TorchModels {
  static final Path ROOT = Path.of("src/test/models");
  static final PyTorchBackendFactory FACTORY = new PyTorchBackendFactory();

  private TorchModels() {}

  static IoSpec spec(String name, DataType type, long... dims) {
    return IoSpec.of(name, type, Shape.of(dims));
  }

  static ModelSignature linear() {
    return new ModelSignature(
        List.of(spec("INPUT__0", DataType.FP32, -1, 4)),
        List.of(spec("OUTPUT__0", DataType.FP32, -1, 2)));
  }

  static ModelSignature cnn() {
    return new ModelSignature(
        List.of(spec("image", DataType.FP32, -1, 1, 6, 6)),
        List.of(spec("scores", DataType.FP32, -1, 3)));
  }

  static ModelSignature cross() {
    return new ModelSignature(
        List.of(spec("x", DataType.FP32, -1, 4)), List.of(spec("y", DataType.FP32, -1, 2)));
  }

  /** The file of a committed model. */
  static Path file(String model) {
    return ROOT.resolve(model).resolve("1").resolve("model.pt");
  }

  static ModelArtifact artifact(Path file, ModelSignature declared, Map<String, String> params) {
    return new ModelArtifact(
        new ModelId("m", 1),
        file,
        params,
        BackendOptions.ofDefault(),
        1,
        Optional.empty(),
        declared);
  }

  static ModelInstance load(String model, ModelSignature declared) throws ModelLoadException {
    return FACTORY.load(artifact(file(model), declared, Map.of()));
  }

  /** Loads a model from memory only: the artifact's file does not exist. */
  static ModelInstance loadInMemory(byte[] bytes, ModelSignature declared)
      throws ModelLoadException {
    ModelBytes contents = () -> bytes.clone();
    return FACTORY.load(
        new ModelArtifact(
            new ModelId("m", 1),
            Path.of("/nonexistent/m/1/model.pt"),
            Map.of(),
            BackendOptions.ofDefault(),
            1,
            Optional.of(contents),
            declared));
  }

  static Map<String, Tensor> run(ModelInstance m, Map<String, Tensor> inputs, String... outputs)
      throws BackendException {
    List<NamedTensor> in = new ArrayList<>();
    inputs.forEach((k, v) -> in.add(new NamedTensor(k, v)));
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (NamedTensor t : m.infer(in, List.of(outputs))) {
      out.put(t.name(), t.tensor());
    }
    return out;
  }

  /** One tensor of a model's expected.txt: "name dtype dims:values". */
  record Expected(String name, long[] dims, double[] values) {
    Tensor fp32() {
      float[] f = new float[values.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) values[i];
      }
      return TestTensors.fp32(Shape.of(dims), f);
    }
  }

  static Map<String, Expected> expected(String model) throws IOException {
    Map<String, Expected> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(ROOT.resolve(model).resolve("expected.txt"))) {
      if (line.isBlank()) {
        continue;
      }
      String[] head = line.substring(0, line.indexOf(':')).split(" ");
      String[] values = line.substring(line.indexOf(':') + 1).split(",");
      out.put(
          head[0],
          new Expected(
              head[0],
              Arrays.stream(head[2].split(",")).mapToLong(Long::parseLong).toArray(),
              Arrays.stream(values).mapToDouble(Double::parseDouble).toArray()));
    }
    return out;
  }
}
