package io.caracal.client;

import java.util.Arrays;
import java.util.List;

/** A model's name, versions, platform and its input and output tensors. */
public record ModelMetadata(
    String name,
    List<String> versions,
    String platform,
    List<TensorSpec> inputs,
    List<TensorSpec> outputs) {
  public ModelMetadata {
    versions = List.copyOf(versions);
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /**
   * An input or output as the model describes it: the V2 datatype name and the shape, {@code -1}
   * for a dimension of any size.
   */
  public record TensorSpec(String name, String datatype, long[] shape) {
    public TensorSpec {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TensorSpec t
          && t.name.equals(name)
          && t.datatype.equals(datatype)
          && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
      return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
      return name + " " + datatype + " " + Arrays.toString(shape);
    }
  }
}
