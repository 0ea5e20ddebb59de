package io.caracal.testing;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The contents of one {@code .npy} file.
 *
 * @param descr the NumPy dtype string as written in the file, e.g. {@code <f4}
 * @param dataType the matching V2 datatype
 * @param shape the array's shape (C order)
 * @param data the elements, little-endian, position 0 to limit
 */
public record NpyArray(String descr, DataType dataType, Shape shape, ByteBuffer data) {
  public NpyArray {
    Objects.requireNonNull(descr, "descr");
    Objects.requireNonNull(dataType, "dataType");
    Objects.requireNonNull(shape, "shape");
    data = data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Returns the array as a tensor (sharing the data). */
  public Tensor tensor() {
    return Tensor.of(dataType, shape, data.duplicate());
  }
}
