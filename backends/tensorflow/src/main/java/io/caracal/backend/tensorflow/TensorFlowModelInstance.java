package io.caracal.backend.tensorflow;

import io.caracal.api.NamedTensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelSignature;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TFInvalidArgumentException;

/**
 * One loaded SavedModel (graph, session and variables). TensorFlow's {@code Session::Run} is
 * thread-safe, so concurrent {@link #infer} calls share the session; each creates and closes its
 * own input tensors and result. Only the requested outputs are fetched (TensorFlow then runs only
 * the part of the graph they need). {@link #close} frees the session, graph and their native
 * memory.
 */
final class TensorFlowModelInstance implements ModelInstance {
  private final SavedModelBundle bundle;
  private final Signature tfSignature;
  private final ModelSignature signature;
  private final Map<String, IoSpec> outputs = new HashMap<>();
  private final Scrubber scrub;

  TensorFlowModelInstance(
      SavedModelBundle bundle, Signature tfSignature, ModelSignature signature, Scrubber scrub) {
    this.bundle = bundle;
    this.tfSignature = tfSignature;
    this.signature = signature;
    this.scrub = scrub;
    signature.outputs().forEach(o -> outputs.put(o.name(), o));
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public List<NamedTensor> infer(List<NamedTensor> inputs, List<String> requested)
      throws BackendException {
    Map<String, Signature.TensorDescription> feeds = tfSignature.getInputs();
    Map<String, Signature.TensorDescription> fetches = tfSignature.getOutputs();
    List<Tensor> created = new ArrayList<>(inputs.size());
    try {
      Session.Runner runner = bundle.session().runner();
      for (NamedTensor in : inputs) {
        Signature.TensorDescription d = feeds.get(in.name());
        if (d == null) {
          throw new BackendException("unknown input " + in.name(), true, null);
        }
        Tensor t = TfTensors.toTf(in.tensor());
        created.add(t);
        runner.feed(d.name, t);
      }
      for (String name : requested) {
        Signature.TensorDescription d = fetches.get(name);
        if (d == null || !outputs.containsKey(name)) {
          throw new BackendException("unknown output " + name, true, null);
        }
        runner.fetch(d.name);
      }
      try (Result result = runner.run()) {
        List<NamedTensor> out = new ArrayList<>(requested.size());
        for (int i = 0; i < requested.size(); i++) {
          String name = requested.get(i);
          IoSpec spec = java.util.Objects.requireNonNull(outputs.get(name), name);
          out.add(new NamedTensor(name, TfTensors.fromTf(result.get(i), spec.dataType())));
        }
        return out;
      }
    } catch (TFInvalidArgumentException e) {
      throw new BackendException(scrub.apply(e.getMessage()), true, null);
    } catch (IllegalArgumentException e) {
      throw new BackendException(scrub.apply(e.getMessage()), true, null);
    } catch (RuntimeException e) {
      throw new BackendException("TensorFlow failed: " + scrub.apply(e.getMessage()), false, null);
    } finally {
      created.forEach(Tensor::close);
    }
  }

  /** Outputs are copied out of TensorFlow's tensors, which are closed with the result. */
  @Override
  public boolean outputsMayShareInputs() {
    return false;
  }

  @Override
  public void close() {
    bundle.close();
  }
}
