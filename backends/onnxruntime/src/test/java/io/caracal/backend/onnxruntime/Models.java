package io.caracal.backend.onnxruntime;

import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.Tensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Map.Entry;

/** Loads models through the factory and runs them with maps, for tests. */
final class Models {
  static final OnnxRuntimeBackendFactory FACTORY = new OnnxRuntimeBackendFactory();

  private Models() {}

  /** Loads {@code <modelDir>/<version>/model.onnx}. */
  static ModelInstance load(Path modelDir, long version) throws ModelLoadException {
    Path file = modelDir.resolve(Long.toString(version)).resolve("model.onnx");
    return loadFile(file);
  }

  static ModelInstance load(Path modelDir) throws ModelLoadException {
    return load(modelDir, 1);
  }

  /** Loads a model file that sits in {@code <model>/<version>/}. */
  static ModelInstance loadFile(Path file) throws ModelLoadException {
    String name = String.valueOf(file.toAbsolutePath().getParent().getParent().getFileName());
    return FACTORY.load(
        new ModelArtifact(new ModelId(name, 1), file, Map.of(), BackendOptions.ofDefault()));
  }

  /** Runs the model on these inputs, asking for these outputs. */
  static Map<String, Tensor> run(ModelInstance m, Map<String, Tensor> inputs, String... outputs)
      throws BackendException {
    List<NamedTensor> in = new ArrayList<>();
    for (Entry<String, Tensor> e : inputs.entrySet()) {
      in.add(new NamedTensor(e.getKey(), e.getValue()));
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (NamedTensor t : m.infer(in, List.of(outputs))) {
      out.put(t.name(), t.tensor());
    }
    return out;
  }
}
