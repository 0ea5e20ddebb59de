package io.caracal.backend.onnxruntime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.CallCancelledException;
import io.caracal.api.backend.Cancellation;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One ORT session. {@link OrtSession#run} is thread-safe, so concurrent {@link #infer} calls share
 * the session; every call creates and closes its own input tensors and result.
 */
final class OnnxRuntimeModelInstance implements ModelInstance {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelSignature signature;
  private final Map<String, IoSpec> outputs = new HashMap<>();
  private final Map<String, ZipMapOutput> zipMaps;
  private final Path modelDir;

  OnnxRuntimeModelInstance(
      OrtEnvironment env,
      OrtSession session,
      ModelSignature signature,
      Map<String, ZipMapOutput> zipMaps,
      Path modelDir) {
    this.env = env;
    this.session = session;
    this.signature = signature;
    this.zipMaps = Map.copyOf(zipMaps);
    this.modelDir = modelDir;
    signature.outputs().forEach(o -> outputs.put(o.name(), o));
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public List<NamedTensor> infer(List<NamedTensor> inputs, List<String> requested)
      throws BackendException {
    return run(inputs, requested, null);
  }

  /**
   * Runs with its own {@link OrtSession.RunOptions}, whose terminate flag the cancellation sets:
   * ONNX Runtime checks it between nodes (and loop iterations) and fails the run, which is reported
   * as a {@link BackendException}.
   */
  @Override
  public List<NamedTensor> infer(
      List<NamedTensor> inputs,
      List<String> requested,
      List<Map<String, ParameterValue>> requestParameters,
      Cancellation cancellation)
      throws BackendException {
    if (cancellation.isCancelled()) {
      throw new CallCancelledException("the call was cancelled before it started");
    }
    try (OrtSession.RunOptions options = new OrtSession.RunOptions();
        Cancellation.Registration stop = cancellation.onCancel(() -> terminate(options))) {
      return run(inputs, requested, options);
    } catch (BackendException e) {
      if (cancellation.isCancelled()) {
        throw new CallCancelledException("ONNX Runtime stopped the call: nobody waits for it");
      }
      throw e;
    } catch (OrtException e) {
      throw new BackendException(
          "ONNX Runtime failed: " + Messages.scrub(e.getMessage(), modelDir), false, null);
    }
  }

  private static void terminate(OrtSession.RunOptions options) {
    try {
      options.setTerminate(true);
    } catch (OrtException e) {
      // the run goes on to its end; its result is dropped
    }
  }

  private List<NamedTensor> run(
      List<NamedTensor> inputs, List<String> requested, OrtSession.@Nullable RunOptions options)
      throws BackendException {
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      for (NamedTensor in : inputs) {
        OnnxTensor previous =
            feeds.put(in.name(), TensorConversion.toOnnx(env, in.name(), in.tensor()));
        if (previous != null) {
          previous.close();
          throw new BackendException("input " + in.name() + " given twice", true, null);
        }
      }
      try (OrtSession.Result result =
          options == null
              ? session.run(feeds, new LinkedHashSet<>(requested))
              : session.run(feeds, new LinkedHashSet<>(requested), options)) {
        List<NamedTensor> out = new ArrayList<>(requested.size());
        for (String name : requested) {
          out.add(new NamedTensor(name, convert(name, result)));
        }
        return out;
      }
    } catch (OrtException e) {
      boolean invalid = e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT;
      throw new BackendException(Messages.scrub(e.getMessage(), modelDir), invalid, null);
    } catch (IllegalArgumentException e) {
      throw new BackendException(Messages.scrub(e.getMessage(), modelDir), true, null);
    } catch (RuntimeException e) {
      throw new BackendException(
          "ONNX Runtime failed: " + Messages.scrub(e.getMessage(), modelDir), false, null);
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  private io.caracal.api.Tensor convert(String name, OrtSession.Result result) throws OrtException {
    OnnxValue value =
        result.get(name).orElseThrow(() -> new IllegalArgumentException("unknown output " + name));
    ZipMapOutput zipMap = zipMaps.get(name);
    if (zipMap != null) {
      return TensorConversion.fromZipMap(value, zipMap);
    }
    IoSpec spec = outputs.get(name);
    if (spec == null || !(value instanceof OnnxTensor tensor)) {
      throw new IllegalArgumentException("unknown output " + name);
    }
    return TensorConversion.fromOnnx(tensor, spec.dataType());
  }

  /**
   * Outputs are copied out of ONNX Runtime's values ({@code getByteBuffer}, string arrays, ZipMap
   * rows).
   */
  @Override
  public boolean outputsMayShareInputs() {
    return false;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      // nothing more to free
    }
  }
}
