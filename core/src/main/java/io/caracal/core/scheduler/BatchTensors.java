package io.caracal.core.scheduler;

import io.caracal.api.DataType;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Concatenates requests' tensors along the batch (first) dimension and splits outputs back. Works
 * on the V2 binary encoding, so BYTES tensors concatenate as their length-prefixed bytes.
 */
final class BatchTensors {
  private BatchTensors() {}

  /**
   * Returns what makes two requests mixable: input names, types and non-batch shapes, and outputs.
   */
  static List<Object> key(List<NamedTensor> inputs, List<String> outputs) {
    List<Object> k = new ArrayList<>(inputs.size() * 3 + 1);
    for (NamedTensor t : inputs) {
      k.add(t.name());
      k.add(t.tensor().dataType());
      k.add(t.tensor().shape().rank() == 0 ? Shape.of() : t.tensor().shape().dropFirst());
    }
    k.add(List.copyOf(outputs));
    return k;
  }

  /**
   * Returns the batch size of a request (the common first dimension), or -1 when the inputs
   * disagree.
   */
  static long batchSize(List<NamedTensor> inputs) {
    long size = -1;
    for (NamedTensor t : inputs) {
      if (t.tensor().shape().rank() == 0) {
        return -1;
      }
      long d = t.tensor().shape().dim(0);
      if (size >= 0 && d != size) {
        return -1;
      }
      size = d;
    }
    return size < 0 ? -1 : size;
  }

  /** Concatenates input {@code i} of every request into new buffers. */
  static List<NamedTensor> concat(List<List<NamedTensor>> requests, long total) {
    return concat(
        requests,
        total,
        (i, bytes) -> ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN));
  }

  /**
   * Where concatenated inputs are written: buffer for input {@code index}, position 0, room for
   * {@code bytes}.
   */
  @FunctionalInterface
  interface Allocator {
    ByteBuffer allocate(int index, int bytes);
  }

  /** Concatenates input {@code i} of every request into buffers from {@code allocator}. */
  static List<NamedTensor> concat(
      List<List<NamedTensor>> requests, long total, Allocator allocator) {
    List<NamedTensor> first = requests.get(0);
    List<NamedTensor> out = new ArrayList<>(first.size());
    for (int i = 0; i < first.size(); i++) {
      int bytes = 0;
      for (List<NamedTensor> r : requests) {
        bytes = Math.addExact(bytes, r.get(i).tensor().byteSize());
      }
      ByteBuffer buf = allocator.allocate(i, bytes);
      for (List<NamedTensor> r : requests) {
        buf.put(r.get(i).tensor().data());
      }
      buf.flip();
      Tensor t = first.get(i).tensor();
      out.add(
          new NamedTensor(
              first.get(i).name(), Tensor.of(t.dataType(), t.shape().with(0, total), buf)));
    }
    return out;
  }

  /**
   * Splits each output along its first dimension into pieces of {@code sizes}.
   *
   * @throws IllegalStateException when an output's first dimension is not the batch's total
   */
  static List<List<NamedTensor>> split(List<NamedTensor> outputs, long[] sizes) {
    long total = 0;
    for (long s : sizes) {
      total += s;
    }
    List<List<NamedTensor>> result = new ArrayList<>(sizes.length);
    for (int r = 0; r < sizes.length; r++) {
      result.add(new ArrayList<>(outputs.size()));
    }
    for (NamedTensor o : outputs) {
      Tensor t = o.tensor();
      if (t.shape().rank() == 0 || t.shape().dim(0) != total) {
        throw new IllegalStateException(
            "output '"
                + o.name()
                + "' has shape "
                + t.shape()
                + ", expected a first dimension of "
                + total);
      }
      long perRow = t.shape().dropFirst().elementCount();
      ByteBuffer data = t.data();
      int pos = data.position();
      for (int r = 0; r < sizes.length; r++) {
        int len;
        if (t.dataType() == DataType.BYTES) {
          long elems = sizes[r] * perRow;
          int p = pos;
          for (long e = 0; e < elems; e++) {
            int l = data.getInt(p);
            p += 4 + l;
          }
          len = p - pos;
        } else {
          len = Math.toIntExact(sizes[r] * perRow * t.dataType().byteSize());
        }
        ByteBuffer piece =
            data.duplicate().position(pos).limit(pos + len).slice().order(ByteOrder.LITTLE_ENDIAN);
        result
            .get(r)
            .add(
                new NamedTensor(
                    o.name(), Tensor.of(t.dataType(), t.shape().with(0, sizes[r]), piece)));
        pos += len;
      }
    }
    return result;
  }
}
