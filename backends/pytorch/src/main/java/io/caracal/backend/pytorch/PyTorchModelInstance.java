package io.caracal.backend.pytorch;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.JniUtils;
import io.caracal.api.DataType;
import io.caracal.api.NamedTensor;
import io.caracal.api.backend.BackendException;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelSignature;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One TorchScript module. Concurrent {@link #infer} calls share the module (its {@code forward} is
 * thread-safe in eval mode); each call turns autograd off on its thread, creates its tensors in an
 * {@code NDManager} of its own and closes it before returning, so nothing of a call outlives it.
 */
final class PyTorchModelInstance implements ModelInstance {
  private final Model model;
  private final PtSymbolBlock block;
  private final ModelSignature signature;
  private final Positions inputs;
  private final Positions outputs;
  private final boolean optimize;
  private final Map<String, DataType> outputTypes = new HashMap<>();

  PyTorchModelInstance(
      Model model,
      PtSymbolBlock block,
      ModelSignature signature,
      Positions inputs,
      Positions outputs,
      boolean optimize) {
    this.model = model;
    this.block = block;
    this.signature = signature;
    this.inputs = inputs;
    this.outputs = outputs;
    this.optimize = optimize;
    signature.outputs().forEach(o -> outputTypes.put(o.name(), o.dataType()));
  }

  @Override
  public ModelSignature signature() {
    return signature;
  }

  @Override
  public List<NamedTensor> infer(List<NamedTensor> given, List<String> requested)
      throws BackendException {
    // Both are thread-local in libtorch: this thread runs without autograd (torch.no_grad) and
    // with the model's graph-executor setting.
    JniUtils.setGradMode(false);
    JniUtils.setGraphExecutorOptimize(optimize);
    try (NDManager manager = model.getNDManager().newSubManager()) {
      IValue[] args = new IValue[signature.inputs().size()];
      List<IValue> values = new ArrayList<>();
      try {
        for (NamedTensor in : given) {
          int position = inputs.of(in.name());
          if (args[position] != null) {
            throw new BackendException("input " + in.name() + " given twice", true, null);
          }
          NDArray array = TensorConversion.toTorch(manager, in.tensor());
          args[position] = IValue.from((PtNDArray) array);
          values.add(args[position]);
        }
        for (IoSpec spec : signature.inputs()) {
          if (args[inputs.of(spec.name())] == null) {
            throw new BackendException("input " + spec.name() + " is missing", true, null);
          }
        }
        IValue result = block.forward(args);
        values.add(result);
        List<IValue> results = results(result, values);
        List<NamedTensor> out = new ArrayList<>(requested.size());
        for (String name : requested) {
          out.add(new NamedTensor(name, output(name, results, (PtNDManager) manager)));
        }
        return out;
      } finally {
        values.forEach(IValue::close);
      }
    } catch (IllegalArgumentException e) {
      throw new BackendException(TorchEngine.firstLine(e.getMessage()), true, null);
    } catch (RuntimeException e) {
      // libtorch's errors for inputs that passed the config's checks (a shape the config allows
      // but forward does not, a value out of range): the client's to fix
      throw new BackendException(
          "the model rejected the inputs: " + TorchEngine.firstLine(e.getMessage()), true, null);
    }
  }

  /** Returns forward's results in order: one tensor, or a tuple's or list's elements. */
  private static List<IValue> results(IValue result, List<IValue> owned) throws BackendException {
    if (result.isTensor()) {
      return List.of(result);
    }
    IValue[] elements;
    if (result.isTuple()) {
      elements = result.toIValueTuple();
    } else if (result.isList() || result.isTensorList()) {
      elements = result.toIValueArray();
    } else {
      throw new BackendException(
          "forward returned a "
              + result.getType()
              + "; the PyTorch backend serves a tensor, or a"
              + " tuple or list of tensors",
          false,
          null);
    }
    owned.addAll(List.of(elements));
    return List.of(elements);
  }

  private io.caracal.api.Tensor output(String name, List<IValue> results, PtNDManager manager)
      throws BackendException {
    int position = outputs.of(name);
    DataType expected = outputTypes.get(name);
    if (position >= results.size() || expected == null) {
      throw new BackendException(
          "output "
              + name
              + " is result "
              + position
              + " of forward, which returned "
              + results.size(),
          false,
          null);
    }
    IValue value = results.get(position);
    if (!value.isTensor()) {
      throw new BackendException(
          "output " + name + " is a " + value.getType() + ", not a tensor", false, null);
    }
    NDArray array = value.toTensor(manager);
    DataType actual = TensorConversion.fromTorch(array.getDataType()).orElse(null);
    if (actual != expected) {
      throw new BackendException(
          "output "
              + name
              + " is "
              + array.getDataType()
              + " but the config says "
              + expected
              + "; correct data_type in config.pbtxt",
          false,
          null);
    }
    return TensorConversion.fromTorch(array, expected);
  }

  /** Outputs are copied out of libtorch's tensors before the call's manager is closed. */
  @Override
  public boolean outputsMayShareInputs() {
    return false;
  }

  /** The model's manager (for tests: what is still allocated, whether it was closed). */
  NDManager manager() {
    return model.getNDManager();
  }

  @Override
  public void close() {
    model.close();
  }
}
