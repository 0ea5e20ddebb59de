package io.caracal.backend.onnxruntime;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.api.backend.ModelSignature;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Serves {@code .onnx} models with ONNX Runtime (CPU). Backend name {@code onnxruntime}, platform
 * {@code onnxruntime_onnx}, default file {@code model.onnx}; chosen when a config names either, or
 * names neither (ONNX is the default format).
 *
 * <p><b>Loading.</b> Before ONNX Runtime sees the file it is parsed with our own {@code
 * onnx.proto}: files that do not parse are refused ("not a valid ONNX model"), and so are tensors
 * with external data at an absolute location, with a {@code ..} component, or resolving (after
 * symlinks) outside the version folder. Then one {@code OrtSession} is created with the configured
 * intra-/inter-op thread counts (0 = ORT's default) and no custom operator libraries. Messages name
 * files relative to the model folder, never by absolute path. A model the server holds in memory
 * ({@link ModelArtifact#inMemory()}, an encrypted model) is inspected and handed to ONNX Runtime as
 * bytes, never read from disk, and the array is zeroed once the session exists; such a model may
 * not use external data.
 *
 * <p><b>Datatypes.</b> Every ONNX tensor type with a V2 equivalent is mapped (STRING is BYTES,
 * UTF-8). ONNX Runtime Java cannot create UINT16, UINT32 or UINT64 tensors, so a model with an
 * input of those types is rewritten in memory before the session is created ({@link
 * UnsignedInputRewriter}: the input is declared signed of the same width and cast back to unsigned
 * inside the model); the signature still reports the unsigned type and the client's bytes are fed
 * unchanged. Such a model with external data is refused (a session made from bytes cannot find the
 * data files), as is one with a default-domain opset below 6. Outputs of those types are served
 * (ORT returns them as the signed type of the same width; the bytes are the same). Complex and
 * float8 types are refused. Symbolic or unknown dimensions are {@code -1}.
 *
 * <p><b>Non-tensor outputs.</b> A classifier output of type {@code seq(map(int64|string → float))}
 * produced by an ai.onnx.ml {@code ZipMap} node (scikit-learn, XGBoost and LightGBM exports) is
 * served as an FP32 tensor {@code [batch, nClasses]} under the same name: the signature declares it
 * {@code [-1, nClasses]} with {@link IoSpec#labels()} = the ZipMap's {@code classlabels_int64s} or
 * {@code classlabels_strings} in column order, and column {@code j} of row {@code i} holds row
 * {@code i}'s probability for label {@code j}. Any other non-tensor input or output (sequences of
 * tensors, maps, optionals, a map not made by ZipMap) is refused at load with a message naming it;
 * export such classifiers without ZipMap (skl2onnx: {@code options={id(clf): {'zipmap': False}}}).
 */
public final class OnnxRuntimeBackendFactory implements BackendFactory {
  private static final String NAME = "onnxruntime";
  private static final String PLATFORM = "onnxruntime_onnx";
  private static final String ZIPMAP_HINT =
      "; export the model without ZipMap (skl2onnx: options={id(clf): {'zipmap': False}})";

  /** Creates the factory; ONNX Runtime itself is initialised on the first load. */
  public OnnxRuntimeBackendFactory() {}

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
    if (platform.isEmpty() && backend.isEmpty()) {
      return true;
    }
    return platform.equals(PLATFORM) || backend.equals(NAME);
  }

  @Override
  public String defaultModelFileName() {
    return "model.onnx";
  }

  /**
   * Two, as Triton's ONNX Runtime backend on CPU: two calls run at once, each on its share of the
   * cores.
   */
  @Override
  public int defaultInstanceCount() {
    return 2;
  }

  @Override
  public ModelInstance load(ModelArtifact artifact) throws ModelLoadException {
    Path file = artifact.file().toAbsolutePath();
    Path modelDir = artifact.modelDir();
    String displayName = artifact.shownFile();
    byte @Nullable [] plain =
        artifact.inMemory().isPresent() ? artifact.inMemory().get().read() : null;
    try {
      return load(artifact, file, modelDir, displayName, plain);
    } finally {
      if (plain != null) {
        Arrays.fill(plain, (byte) 0); // ONNX Runtime holds its own copy once the session exists
      }
    }
  }

  private ModelInstance load(
      ModelArtifact artifact, Path file, Path modelDir, String displayName, byte @Nullable [] plain)
      throws ModelLoadException {
    ModelFileInspector.Inspection inspection =
        new ModelFileInspector(file, displayName, plain).inspect();
    if (plain != null && inspection.hasExternalData()) {
      throw new ModelLoadException(
          displayName
              + ": an encrypted model cannot use external data (its weights would sit in plain"
              + " files beside it, and a session made from memory cannot find them); store the"
              + " weights inside the .onnx file before encrypting it");
    }
    Map<String, ZipMapOutput> zipMaps = inspection.zipMaps();
    Optional<UnsignedInputRewriter.Result> rewritten =
        UnsignedInputRewriter.rewrite(inspection.model(), displayName);
    if (rewritten.isPresent() && inspection.hasExternalData()) {
      throw new ModelLoadException(
          displayName
              + ": input '"
              + rewritten.get().unsignedTypes().keySet().iterator().next()
              + "' is UINT16, UINT32 or UINT64, which ONNX Runtime Java can only feed after rewriting the model in"
              + " memory, and a rewritten model cannot use external data; store the weights inside the .onnx file"
              + " or change the input to a signed type");
    }
    Map<String, DataType> unsignedTypes =
        rewritten.map(UnsignedInputRewriter.Result::unsignedTypes).orElse(Map.of());
    byte @Nullable [] bytes = rewritten.map(r -> r.model().toByteArray()).orElse(plain);

    SessionSettings settings =
        SessionSettings.of(
            artifact.options(),
            artifact.parameters(),
            artifact.instanceCount(),
            Runtime.getRuntime().availableProcessors());
    OrtEnvironment env = OrtEnv.get();
    OrtSession session;
    try (OrtSession.SessionOptions options = settings.toOptions()) {
      session =
          bytes == null
              ? env.createSession(file.toString(), options)
              : env.createSession(bytes, options);
    } catch (OrtException e) {
      throw new ModelLoadException(
          "ONNX Runtime cannot load "
              + displayName
              + ": "
              + Messages.scrub(e.getMessage(), modelDir));
    } finally {
      if (bytes != null && bytes != plain) {
        Arrays.fill(bytes, (byte) 0); // the rewritten model: as sensitive as the decrypted one
      }
    }
    try {
      ModelSignature signature = signature(session, zipMaps, unsignedTypes);
      return new OnnxRuntimeModelInstance(env, session, signature, zipMaps, modelDir);
    } catch (ModelLoadException | RuntimeException e) {
      closeQuietly(session);
      throw e;
    } catch (OrtException e) {
      closeQuietly(session);
      throw new ModelLoadException(
          "ONNX Runtime cannot describe "
              + displayName
              + ": "
              + Messages.scrub(e.getMessage(), modelDir));
    }
  }

  /**
   * Describes the session; {@code unsignedTypes} names the inputs (and pass-through outputs) that
   * {@link UnsignedInputRewriter} declared signed, which are reported with their unsigned type.
   */
  static ModelSignature signature(
      OrtSession session, Map<String, ZipMapOutput> zipMaps, Map<String, DataType> unsignedTypes)
      throws OrtException, ModelLoadException {
    List<IoSpec> inputs = new ArrayList<>();
    for (NodeInfo node : session.getInputInfo().values()) {
      if (!(node.getInfo() instanceof TensorInfo info)) {
        throw new ModelLoadException(
            "input '"
                + node.getName()
                + "' is not a tensor ("
                + kind(node.getInfo())
                + "); only tensor inputs are served");
      }
      DataType type = unsignedType(node.getName(), "input", info, unsignedTypes);
      if (!TensorConversion.canFeed(type)) {
        throw new ModelLoadException(
            "input '"
                + node.getName()
                + "' has type "
                + type
                + ", which ONNX Runtime Java cannot feed");
      }
      inputs.add(IoSpec.of(node.getName(), type, Shape.of(info.getShape())));
    }
    List<IoSpec> outputs = new ArrayList<>();
    for (NodeInfo node : session.getOutputInfo().values()) {
      String name = node.getName();
      ValueInfo info = node.getInfo();
      if (info instanceof TensorInfo t) {
        outputs.add(
            IoSpec.of(
                name, unsignedType(name, "output", t, unsignedTypes), Shape.of(t.getShape())));
      } else if (isProbabilityMaps(info) && zipMaps.containsKey(name)) {
        List<String> labels = zipMaps.get(name).labels();
        outputs.add(new IoSpec(name, DataType.FP32, Shape.of(-1, labels.size()), labels));
      } else {
        throw new ModelLoadException(
            "output '"
                + name
                + "' is a "
                + kind(info)
                + ", not a tensor; only tensors and ZipMap class-probability"
                + " maps are served"
                + ZIPMAP_HINT);
      }
    }
    return new ModelSignature(inputs, outputs);
  }

  private static boolean isProbabilityMaps(ValueInfo info) {
    if (!(info instanceof SequenceInfo s) || !s.isSequenceOfMaps()) {
      return false;
    }
    MapInfo m = s.mapInfo;
    return m.valueType == OnnxJavaType.FLOAT
        && (m.keyType == OnnxJavaType.INT64 || m.keyType == OnnxJavaType.STRING);
  }

  private static DataType unsignedType(
      String name, String kind, TensorInfo info, Map<String, DataType> unsignedTypes)
      throws ModelLoadException {
    DataType type = tensorType(name, kind, info);
    DataType unsigned = unsignedTypes.get(name);
    if (unsigned == null) {
      return type;
    }
    if (TensorConversion.signedOfSameWidth(unsigned) != type) {
      throw new IllegalStateException(
          kind
              + " '"
              + name
              + "' is "
              + type
              + " after the rewrite, expected the signed form of "
              + unsigned);
    }
    return unsigned;
  }

  private static DataType tensorType(String name, String kind, TensorInfo info)
      throws ModelLoadException {
    return TensorConversion.dataType(info.onnxType)
        .orElseThrow(() ->
            new ModelLoadException(
                kind
                    + " '"
                    + name
                    + "' has element type "
                    + info.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", "")
                    + ", which has no KServe V2 datatype"));
  }

  private static String kind(ValueInfo info) {
    if (info instanceof SequenceInfo s) {
      return s.isSequenceOfMaps() ? "sequence of maps" : "sequence";
    }
    if (info instanceof MapInfo) {
      return "map";
    }
    return info.getClass().getSimpleName();
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException e) {
      // already failing
    }
  }
}
