package io.caracal.core.lifecycle;

import io.caracal.api.DataType;
import io.caracal.api.ModelId;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelInstance;
import io.caracal.core.repository.ConfigDataTypes;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.repository.RepositoryException;
import io.caracal.core.repository.RepositoryPaths;
import io.caracal.proto.inference.ModelWarmup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Warms up a freshly loaded version, directly on its instances, before its runner is published.
 *
 * <p>With Triton's {@code model_warmup} samples in {@code config.pbtxt}, each sample runs {@code
 * max(1, count)} times on every instance, at its {@code batch_size}, with zero, random or file data
 * ({@code input_data_file} names a file directly inside the model's {@code warmup/} folder; nothing
 * else is read). Without samples, every instance runs once at batch size 1 and, for a batching
 * model, once at {@code max_batch_size}, with zeros ({@code "0"} strings for {@code BYTES}) for
 * every input the model declares, dynamic dimensions set to 1. Any failure throws a {@link
 * RepositoryException} whose message says which sample failed and why: the version is then
 * UNAVAILABLE.
 */
final class Warmup {
  private Warmup() {}

  /**
   * One warm-up call: inputs (with batch dimension, when batching) and how many times to run it.
   */
  record Sample(String name, int batchSize, List<NamedTensor> inputs, int count) {}

  /** Runs every sample on every instance. */
  static void run(
      ModelId id,
      ModelSpec config,
      Optional<io.caracal.proto.inference.ModelConfig> parsed,
      List<ModelInstance> instances,
      RepositoryPaths paths)
      throws RepositoryException {
    if (instances.isEmpty()) {
      return;
    }
    List<IoSpec> signatureInputs = instances.get(0).signature().inputs();
    List<String> outputs =
        instances.get(0).signature().outputs().stream().map(IoSpec::name).toList();
    List<ModelWarmup> configured =
        parsed.map(io.caracal.proto.inference.ModelConfig::getModelWarmupList).orElse(List.of());
    List<Sample> samples =
        configured.isEmpty()
            ? defaults(config, signatureInputs)
            : configured(id, config, configured, paths);
    for (Sample s : samples) {
      for (ModelInstance instance : instances) {
        for (int i = 0; i < s.count(); i++) {
          try {
            instance.infer(
                s.inputs(), outputs, Collections.nCopies(Math.max(1, s.batchSize()), Map.of()));
          } catch (BackendException | RuntimeException e) {
            throw new RepositoryException(
                "warm-up of '"
                    + id.name()
                    + "' version "
                    + id.version()
                    + " failed ("
                    + s.name()
                    + "): "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()),
                e);
          }
        }
      }
    }
  }

  /** Batch size 1 and, for batching models, {@code max_batch_size}; zero data for every input. */
  static List<Sample> defaults(ModelSpec config, List<IoSpec> inputs) {
    List<Integer> sizes = new ArrayList<>();
    sizes.add(1);
    if (config.batches() && config.maxBatchSize() > 1) {
      sizes.add(config.maxBatchSize());
    }
    List<Sample> out = new ArrayList<>();
    for (int b : sizes) {
      List<NamedTensor> tensors = new ArrayList<>();
      for (IoSpec in : inputs) {
        long[] dims = in.shape().toArray();
        for (int d = 0; d < dims.length; d++) {
          if (d == 0 && config.batches()) {
            dims[d] = b;
          } else if (dims[d] < 0) {
            dims[d] = 1;
          }
        }
        Shape shape = Shape.of(dims);
        Tensor t =
            in.dataType() == DataType.BYTES
                // "0" rather than "": an empty string breaks models that parse their text as
                // numbers
                // (Triton's simple_string); "0" is valid both as text and as a number.
                ? Tensor.ofStrings(
                    shape, Collections.nCopies(Math.toIntExact(shape.elementCount()), "0"))
                : zeros(in.dataType(), shape);
        tensors.add(new NamedTensor(in.name(), t));
      }
      out.add(new Sample("default, batch size " + b, config.batches() ? b : 0, tensors, 1));
    }
    return out;
  }

  private static List<Sample> configured(
      ModelId id, ModelSpec config, List<ModelWarmup> samples, RepositoryPaths paths)
      throws RepositoryException {
    List<Sample> out = new ArrayList<>();
    for (ModelWarmup w : samples) {
      String name =
          w.getName().isEmpty() ? "sample " + (out.size() + 1) : "sample '" + w.getName() + "'";
      int batch = w.getBatchSize();
      if (config.batches()) {
        if (batch < 1 || batch > config.maxBatchSize()) {
          throw bad(
              id,
              name,
              "batch_size "
                  + batch
                  + " must be between 1 and max_batch_size "
                  + config.maxBatchSize());
        }
      } else if (batch > 1) {
        throw bad(id, name, "batch_size " + batch + " needs a batching model (max_batch_size > 0)");
      }
      List<NamedTensor> tensors = new ArrayList<>();
      for (Map.Entry<String, ModelWarmup.Input> e :
          new java.util.TreeMap<>(w.getInputsMap()).entrySet()) {
        ModelWarmup.Input in = e.getValue();
        Optional<DataType> mapped = ConfigDataTypes.toApi(in.getDataType());
        if (mapped.isEmpty()) {
          throw bad(
              id,
              name,
              "input '" + e.getKey() + "': data_type " + in.getDataType() + " is not supported");
        }
        DataType type = mapped.get();
        long[] dims = in.getDimsList().stream().mapToLong(Long::longValue).toArray();
        for (long d : dims) {
          if (d < 1) {
            throw bad(
                id,
                name,
                "input '" + e.getKey() + "': dims must be positive, got " + in.getDimsList());
          }
        }
        Shape one = Shape.of(dims);
        Tensor element =
            switch (in.getInputDataTypeCase()) {
              case RANDOM_DATA -> random(type, one);
              case INPUT_DATA_FILE ->
                  fromFile(id, name, e.getKey(), type, one, in.getInputDataFile(), paths);
              default -> zeros(type, one);
            };
        Tensor full = config.batches() ? repeat(element, batch) : element;
        tensors.add(new NamedTensor(e.getKey(), full));
      }
      out.add(new Sample(name, config.batches() ? batch : 0, tensors, Math.max(1, w.getCount())));
    }
    return out;
  }

  private static RepositoryException bad(ModelId id, String sample, String why) {
    return new RepositoryException(
        "invalid model_warmup for '" + id.name() + "' (" + sample + "): " + why);
  }

  /** Zeros; for {@code BYTES}, empty strings. */
  static Tensor zeros(DataType type, Shape shape) {
    int n = Math.toIntExact(shape.elementCount());
    if (type == DataType.BYTES) {
      return Tensor.ofBytes(shape, Collections.nCopies(n, new byte[0]));
    }
    return Tensor.of(
        type, shape, ByteBuffer.allocate(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN));
  }

  private static Tensor random(DataType type, Shape shape) {
    int n = Math.toIntExact(shape.elementCount());
    Random r = new Random(42);
    if (type == DataType.BYTES) {
      List<byte[]> els = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte[] b = new byte[1 + r.nextInt(8)];
        for (int j = 0; j < b.length; j++) {
          b[j] = (byte) ('a' + r.nextInt(26));
        }
        els.add(b);
      }
      return Tensor.ofBytes(shape, els);
    }
    ByteBuffer buf = ByteBuffer.allocate(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      switch (type) {
        case FP32 -> buf.putFloat(r.nextFloat());
        case FP64 -> buf.putDouble(r.nextDouble());
        case BOOL -> buf.put((byte) r.nextInt(2));
        case FP16, BF16 -> buf.putShort((short) 0); // zeros: random bits could be NaN
        default -> {
          for (int j = 0; j < type.byteSize(); j++) {
            buf.put((byte) (j == 0 ? r.nextInt(100) : 0)); // small non-negative integers
          }
        }
      }
    }
    return Tensor.of(type, shape, buf.flip());
  }

  /**
   * Reads a file directly inside {@code <model>/warmup/}; raw row-major data (BYTES: 4-byte
   * length-prefixed elements).
   */
  private static Tensor fromFile(
      ModelId id,
      String sample,
      String input,
      DataType type,
      Shape shape,
      String file,
      RepositoryPaths paths)
      throws RepositoryException {
    if (file.isEmpty()
        || file.contains("/")
        || file.contains("\\")
        || file.equals(".")
        || file.equals("..")
        || file.indexOf('\0') >= 0) {
      throw bad(
          id,
          sample,
          "input '"
              + input
              + "': input_data_file must name a file directly inside the model's warmup/ folder");
    }
    Path dir = paths.inModel(id.name(), "warmup");
    Path candidate = dir.resolve(file);
    byte[] bytes;
    try {
      if (!Files.isRegularFile(candidate, LinkOption.NOFOLLOW_LINKS)
          || !candidate.toRealPath().startsWith(dir.toRealPath())) {
        throw bad(
            id,
            sample,
            "input '"
                + input
                + "': "
                + id.name()
                + "/warmup/"
                + file
                + " is not a regular file in the warmup folder");
      }
      bytes = Files.readAllBytes(candidate);
    } catch (IOException e) {
      throw bad(
          id,
          sample,
          "input '" + input + "': " + id.name() + "/warmup/" + file + " cannot be read");
    }
    int n = Math.toIntExact(shape.elementCount());
    if (type == DataType.BYTES) {
      ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      List<byte[]> els = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (buf.remaining() < 4) {
          throw bad(
              id,
              sample,
              "input '" + input + "': " + file + " holds fewer than " + n + " BYTES elements");
        }
        int len = buf.getInt();
        if (len < 0 || len > buf.remaining()) {
          throw bad(
              id, sample, "input '" + input + "': " + file + " has a bad BYTES element length");
        }
        byte[] el = new byte[len];
        buf.get(el);
        els.add(el);
      }
      return Tensor.ofBytes(shape, els);
    }
    long expected = (long) n * type.byteSize();
    if (bytes.length != expected) {
      throw bad(
          id,
          sample,
          "input '"
              + input
              + "': "
              + file
              + " has "
              + bytes.length
              + " bytes, expected "
              + expected);
    }
    return Tensor.of(type, shape, ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
  }

  /** Stacks {@code times} copies of one element along a new leading batch dimension. */
  private static Tensor repeat(Tensor element, int times) {
    Shape shape = element.shape().prepend(times);
    if (element.dataType() == DataType.BYTES) {
      List<byte[]> one = element.bytesElements();
      List<byte[]> all = new ArrayList<>();
      for (int i = 0; i < times; i++) {
        all.addAll(one);
      }
      return Tensor.ofBytes(shape, all);
    }
    ByteBuffer src = element.data();
    ByteBuffer out = ByteBuffer.allocate(src.remaining() * times).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < times; i++) {
      out.put(src.duplicate());
    }
    return Tensor.of(element.dataType(), shape, out.flip());
  }
}
