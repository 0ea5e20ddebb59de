package io.caracal.api.backend;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import java.util.List;
import java.util.Objects;

/**
 * A model input or output as the model file declares it.
 *
 * @param name the name
 * @param dataType the element type clients see
 * @param shape the full shape including any batch dimension; {@code -1} for a dynamic dimension
 * @param labels class labels in column order when the backend turned a classifier's probability map
 *     into a tensor; else empty
 */
public record IoSpec(String name, DataType dataType, Shape shape, List<String> labels) {
  public IoSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dataType, "dataType");
    Objects.requireNonNull(shape, "shape");
    labels = List.copyOf(labels);
  }

  /** Returns a spec without labels. */
  public static IoSpec of(String name, DataType dataType, Shape shape) {
    return new IoSpec(name, dataType, shape, List.of());
  }
}
