package io.caracal.backend.onnxruntime;

import java.util.List;
import java.util.Objects;

/**
 * A classifier output of type {@code seq(map(label → float))} made by an ai.onnx.ml ZipMap node,
 * served as an FP32 tensor {@code [rows, labels.size()]} whose column {@code j} holds the
 * probability of {@code labels.get(j)}.
 *
 * @param name the output name
 * @param labels the class labels in ZipMap's order (int64 labels in decimal)
 * @param int64Keys whether the map keys are int64 ({@code classlabels_int64s}); else strings
 */
record ZipMapOutput(String name, List<String> labels, boolean int64Keys) {
  ZipMapOutput {
    Objects.requireNonNull(name, "name");
    labels = List.copyOf(labels);
  }
}
