package io.caracal.api;

import java.util.Objects;

/** A tensor with the input or output name it travels under. */
public record NamedTensor(String name, Tensor tensor) {
  public NamedTensor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(tensor, "tensor");
  }
}
