package io.caracal.backend.tensorflow;

import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;

/**
 * Serves TensorFlow SavedModels with TF Java (TensorFlow 2.18, CPU). Backend name {@code
 * tensorflow}, platform {@code tensorflow_savedmodel} (Triton's), default model file {@code
 * model.savedmodel}: a folder {@code <version>/model.savedmodel/} with {@code saved_model.pb} and
 * {@code variables/}, which the repository resolves and confines like a file (every entry inside it
 * must stay in the repository). Chosen when a config names that platform or backend; Triton's other
 * TensorFlow platform, {@code tensorflow_graphdef} (frozen TF1 graphs), is not served.
 *
 * <p><b>Loading.</b> {@code saved_model.pb} is read with the protobuf classes first ({@link
 * SavedModelInspector}): a folder without it, a file that does not parse (truncated), a missing tag
 * set or signature, or a tensor TF Java cannot carry is refused with a message naming the folder
 * relative to the model's, never an absolute path. Then TensorFlow loads the meta graph tagged
 * {@code TF_GRAPH_TAG} (default {@code serve}) with the session settings of {@link TfSettings}, and
 * the signature named by {@code TF_SIGNATURE_DEF} (default {@code serving_default}) is what clients
 * see: inputs and outputs under their signature keys, with the signature's types and shapes, from
 * which the server's auto-complete fills a missing config as Triton does (inputs, outputs, dims,
 * and {@code max_batch_size} 4 when every tensor has a dynamic first dimension). An encrypted model
 * is refused: a SavedModel is a folder of several files, and TensorFlow reads them from disk.
 *
 * <p><b>Datatypes.</b> BOOL, UINT8, UINT16, INT32, INT64, FP16, BF16, FP32, FP64, and TensorFlow
 * strings as BYTES (byte for byte). TF Java 1.1 has no INT8, INT16, UINT32 or UINT64 tensors, so a
 * signature with those is refused at load.
 *
 * <p><b>Natives.</b> The first load initialises TensorFlow, which unpacks its natives (652 MB) into
 * JavaCPP's cache, {@code -Dorg.bytedeco.javacpp.cachedir} (the launcher sets it;
 * docs/operations.md).
 */
public final class TensorFlowBackendFactory implements BackendFactory {
  private static final Logger log = LoggerFactory.getLogger(TensorFlowBackendFactory.class);
  private static final String NAME = "tensorflow";
  private static final String PLATFORM = "tensorflow_savedmodel";

  /** Creates the factory; TensorFlow itself is initialised on the first load. */
  public TensorFlowBackendFactory() {}

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
    return platform.equals(PLATFORM) || (platform.isEmpty() && backend.equals(NAME));
  }

  @Override
  public String defaultModelFileName() {
    return "model.savedmodel";
  }

  /** Two, as Triton's TensorFlow backend on CPU. */
  @Override
  public int defaultInstanceCount() {
    return 2;
  }

  @Override
  public ModelInstance load(ModelArtifact artifact) throws ModelLoadException {
    Path dir = artifact.file().toAbsolutePath();
    Path modelDir = artifact.modelDir();
    String shown = artifact.shownFile();
    if (artifact.inMemory().isPresent()) {
      throw new ModelLoadException(
          shown
              + ": an encrypted TensorFlow model is not supported (a SavedModel is a folder of"
              + " files that TensorFlow reads from disk); store it unencrypted on an encrypted"
              + " volume instead");
    }
    TfSettings settings =
        TfSettings.of(
            artifact.options(),
            artifact.parameters(),
            artifact.instanceCount(),
            Runtime.getRuntime().availableProcessors());
    SavedModelInspector.Inspection inspection =
        new SavedModelInspector(dir, shown).inspect(settings.tag(), settings.signatureKey());
    Scrubber scrub = new Scrubber(modelDir);
    SavedModelBundle bundle;
    try {
      bundle =
          SavedModelBundle.loader(dir.toString())
              .withTags(settings.tag())
              .withConfigProto(settings.toConfig())
              .load();
    } catch (LinkageError e) {
      log.error("TensorFlow's native library cannot be loaded", e);
      throw new ModelLoadException(
          "TensorFlow's native library cannot be loaded (see the server log; its cache folder"
              + " -Dorg.bytedeco.javacpp.cachedir must be writable with 700 MB free)");
    } catch (RuntimeException e) {
      throw new ModelLoadException(
          "TensorFlow cannot load " + shown + ": " + scrub.apply(e.getMessage()));
    }
    try {
      Signature signature = bundle.function(inspection.signatureKey()).signature();
      return new TensorFlowModelInstance(bundle, signature, inspection.signature(), scrub);
    } catch (RuntimeException e) {
      bundle.close();
      throw new ModelLoadException(
          "TensorFlow cannot describe " + shown + ": " + scrub.apply(e.getMessage()));
    }
  }
}
