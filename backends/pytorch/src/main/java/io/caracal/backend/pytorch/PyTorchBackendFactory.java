package io.caracal.backend.pytorch;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import io.caracal.api.DataType;
import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.api.backend.ModelSignature;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Serves TorchScript files with libtorch (DJL's PyTorch engine, CPU). Backend name {@code pytorch},
 * platform {@code pytorch_libtorch}, default file {@code model.pt}, as in Triton.
 *
 * <p><b>Config.</b> A TorchScript file names neither the types nor the shapes of its inputs and
 * outputs, so, as in Triton, the model's {@code config.pbtxt} must list every input of {@code
 * forward} and the outputs to serve, with {@code data_type} and {@code dims} (and {@code
 * max_batch_size > 0} for a batch dimension); a model without is UNAVAILABLE with a reason saying
 * so. Names map to positions by Triton's rules ({@link Positions}): {@code INPUT__0}, {@code
 * OUTPUT__1} ({@code <name>__<index>}), or else the config's order. {@code forward} may return a
 * tensor, a tuple or a list of tensors. Parameter {@code DISABLE_OPTIMIZED_EXECUTION: "true"}
 * switches libtorch's graph-executor optimisation off for the model (on by default, as in Triton).
 *
 * <p><b>Datatypes.</b> BOOL, UINT8, INT8, INT32, INT64, FP16, FP32, FP64. Refused at load with the
 * reason: BYTES (torch has no string tensor) and INT16, UINT16, UINT32, UINT64, BF16 (torch has
 * them, but DJL 0.36's JNI binding aborts the process on them).
 *
 * <p><b>Running.</b> Inference runs with autograd off and the module in eval mode; each call owns
 * an {@code NDManager} closed at its end, so inputs and outputs are freed with the call; {@link
 * ModelInstance#close()} frees the module. Thread counts come from {@link
 * io.caracal.api.backend.BackendOptions} and are process-wide ({@link TorchEngine}).
 *
 * <p><b>Loading.</b> A file that is not TorchScript (a {@code torch.save} pickle or state_dict, a
 * truncated file) is refused with libtorch's reason and no path. A model the server holds in memory
 * (encrypted) is loaded from its bytes, never from disk.
 */
public final class PyTorchBackendFactory implements BackendFactory {
  static final String NAME = "pytorch";
  static final String PLATFORM = "pytorch_libtorch";
  static final String NO_OPTIMIZATION = "DISABLE_OPTIMIZED_EXECUTION";

  private final TorchEngine engine = new TorchEngine();

  /** Creates the factory; libtorch itself is loaded on the first model load. */
  public PyTorchBackendFactory() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String platform() {
    return PLATFORM;
  }

  @Override
  public boolean supports(String platform, String backend) {
    return platform.equals(PLATFORM) || backend.equals(NAME);
  }

  @Override
  public String defaultModelFileName() {
    return "model.pt";
  }

  @Override
  public ModelInstance load(ModelArtifact artifact) throws ModelLoadException {
    Path file = artifact.file().toAbsolutePath();
    Path versionDir = file.getParent();
    String displayName =
        versionDir == null || versionDir.getFileName() == null
            ? String.valueOf(file.getFileName())
            : versionDir.getFileName() + "/" + file.getFileName();
    ModelSignature declared = checked(artifact.declared());
    Positions inputs = Positions.of(declared.inputs(), "input");
    Positions outputs = Positions.of(declared.outputs(), "output");
    boolean optimize = !"true".equalsIgnoreCase(artifact.parameters().get(NO_OPTIMIZATION));
    engine.start(artifact.options());
    byte @Nullable [] plain =
        artifact.inMemory().isPresent() ? artifact.inMemory().get().read() : null;
    Model model = Model.newInstance(artifact.id().name(), Device.cpu(), TorchEngine.ENGINE_NAME);
    try {
      if (plain == null) {
        model.load(file, null, Map.of("mapLocation", "true"));
      } else {
        model.load(new ByteArrayInputStream(plain), Map.of("mapLocation", "true"));
        deleteEmptyFolder(model.getModelPath());
      }
      if (!(model.getBlock() instanceof PtSymbolBlock block)) {
        throw new ModelLoadException(displayName + " did not load as a TorchScript module");
      }
      JniUtils.enableInferenceMode(block);
      return new PyTorchModelInstance(model, block, declared, inputs, outputs, optimize);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new ModelLoadException(
          "libtorch cannot load "
              + displayName
              + " as TorchScript (save it with torch.jit.script(m).save(...) or"
              + " torch.jit.trace(m, x).save(...); a torch.save pickle or state_dict is not"
              + " TorchScript): "
              + scrub(TorchEngine.firstLine(e.getMessage()), file));
    } catch (ModelLoadException e) {
      model.close();
      throw e;
    } finally {
      if (plain != null) {
        Arrays.fill(plain, (byte) 0); // libtorch holds its own copy once the module exists
      }
    }
  }

  /** Refuses a config that does not describe the model as a TorchScript model needs. */
  private static ModelSignature checked(ModelSignature declared) throws ModelLoadException {
    if (declared.inputs().isEmpty() || declared.outputs().isEmpty()) {
      throw new ModelLoadException(
          "a TorchScript model does not describe its inputs and outputs, so the PyTorch backend"
              + " needs a config.pbtxt that lists every input of forward and the outputs to serve"
              + " (name, data_type, dims; max_batch_size > 0 for a batch dimension), named"
              + " INPUT__0, INPUT__1, ... and OUTPUT__0, ... or listed in forward's order, as in"
              + " Triton");
    }
    for (List<IoSpec> specs : List.of(declared.inputs(), declared.outputs())) {
      for (IoSpec spec : specs) {
        if (TensorConversion.toTorch(spec.dataType()).isEmpty()) {
          throw new ModelLoadException(
              (specs == declared.inputs() ? "input '" : "output '")
                  + spec.name()
                  + "' is "
                  + (spec.dataType() == DataType.BYTES
                      ? "TYPE_STRING (BYTES), which the PyTorch backend does not serve: torch has no"
                          + " string tensor"
                      : "TYPE_"
                          + spec.dataType()
                          + ", which the PyTorch backend does not serve (DJL's libtorch binding"
                          + " cannot create or read such tensors); it serves BOOL, UINT8, INT8,"
                          + " INT32, INT64, FP16, FP32 and FP64"));
        }
      }
    }
    return declared;
  }

  /** Removes the empty folder DJL makes for a model loaded from a stream. */
  private static void deleteEmptyFolder(@Nullable Path folder) {
    if (folder == null) {
      return;
    }
    try {
      Files.deleteIfExists(folder);
    } catch (IOException e) {
      // not empty or already gone: DJL deletes it on exit
    }
  }

  private static String scrub(String message, Path file) {
    String out = message;
    Path parent = file.getParent();
    for (Path p : parent == null ? List.of(file) : List.of(file, parent)) {
      out = out.replace(p.toString(), String.valueOf(p.getFileName()));
      try {
        out = out.replace(p.toRealPath().toString(), String.valueOf(p.getFileName()));
      } catch (IOException e) {
        // gone: the absolute spelling was replaced
      }
    }
    return out;
  }
}
