package io.caracal.api;

import java.util.List;
import java.util.Objects;

/**
 * How a model input or output looks to clients.
 *
 * @param name the tensor name
 * @param dataType the element type
 * @param shape the shape clients send or receive, {@code -1} for any size (including the batch
 *     dimension of batching models)
 * @param labels class labels in index order, for outputs that have them (from the config's {@code
 *     label_filename}, or the class order of a classifier's probability map); else empty
 */
public record TensorMetadata(String name, DataType dataType, Shape shape, List<String> labels) {
  public TensorMetadata {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dataType, "dataType");
    Objects.requireNonNull(shape, "shape");
    labels = List.copyOf(labels);
  }
}
