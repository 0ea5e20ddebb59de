package io.caracal.backend.tensorflow;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.api.backend.ModelSignature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Reads a SavedModel folder's {@code saved_model.pb} with the protobuf classes, before TensorFlow's
 * loader sees it, so that a broken or unsuitable model is refused with a message of ours: not a
 * folder, no {@code saved_model.pb}, a {@code variables/} folder without its index, a file that
 * does not parse (truncated), no meta graph with the tag set, no signature with the key (listing
 * the ones there are), a tensor of a type TF Java cannot carry, or of unknown rank. The signature's
 * inputs and outputs become a {@link ModelSignature} under their signature keys, sorted by key (as
 * TensorFlow's own {@code saved_model_cli} lists them); unknown dimensions are {@code -1}.
 *
 * @param shown the model folder as messages name it ({@code 1/model.savedmodel})
 */
record SavedModelInspector(Path dir, String shown) {
  /** The file TensorFlow's loader reads first. */
  static final String GRAPH_FILE = "saved_model.pb";

  /** What the inspection found: the signature key TensorFlow is called with, and its tensors. */
  record Inspection(String signatureKey, ModelSignature signature) {}

  /**
   * Inspects the folder.
   *
   * @throws ModelLoadException naming what is wrong, with the folder as {@link #shown}
   */
  Inspection inspect(String tag, String signatureKey) throws ModelLoadException {
    if (!Files.isDirectory(dir)) {
      throw new ModelLoadException(
          shown
              + " is not a folder; a TensorFlow SavedModel is a folder holding "
              + GRAPH_FILE
              + " and variables/");
    }
    Path graph = dir.resolve(GRAPH_FILE);
    if (!Files.isRegularFile(graph, LinkOption.NOFOLLOW_LINKS)) {
      throw new ModelLoadException(
          shown + "/" + GRAPH_FILE + " does not exist (or is not a regular file)");
    }
    Path variables = dir.resolve("variables");
    if (Files.isDirectory(variables)
        && !Files.isRegularFile(variables.resolve("variables.index"), LinkOption.NOFOLLOW_LINKS)) {
      // TensorFlow would skip restoring the variables and fail on every call instead
      throw new ModelLoadException(
          shown + "/variables/variables.index does not exist: the variables cannot be restored");
    }
    SavedModel model;
    try (InputStream in = Files.newInputStream(graph)) {
      CodedInputStream coded = CodedInputStream.newInstance(in);
      coded.setSizeLimit(Integer.MAX_VALUE); // graphs with constants exceed the default 64 MiB
      coded.setRecursionLimit(1000);
      model = SavedModel.parseFrom(coded);
    } catch (InvalidProtocolBufferException e) {
      throw new ModelLoadException(
          shown
              + "/"
              + GRAPH_FILE
              + " is not a valid SavedModel (it does not parse: truncated or not a SavedModel)");
    } catch (IOException e) {
      throw new ModelLoadException(shown + "/" + GRAPH_FILE + " cannot be read");
    }
    MetaGraphDef meta = null;
    List<String> tagSets = new ArrayList<>();
    for (MetaGraphDef m : model.getMetaGraphsList()) {
      List<String> tags = m.getMetaInfoDef().getTagsList();
      tagSets.add(String.join(",", tags));
      if (meta == null && tags.contains(tag)) {
        meta = m;
      }
    }
    if (meta == null) {
      throw new ModelLoadException(
          shown
              + " has no meta graph tagged '"
              + tag
              + "' (tag sets: "
              + (tagSets.isEmpty() ? "none" : String.join("; ", tagSets))
              + "); set the config parameter "
              + TfSettings.GRAPH_TAG
              + " to one of them");
    }
    SignatureDef def = meta.getSignatureDefMap().get(signatureKey);
    if (def == null) {
      throw new ModelLoadException(
          shown
              + " has no signature '"
              + signatureKey
              + "' (signatures: "
              + (meta.getSignatureDefCount() == 0
                  ? "none"
                  : new TreeMap<>(meta.getSignatureDefMap())
                      .keySet().stream().collect(Collectors.joining(", ")))
              + "); set the config parameter "
              + TfSettings.SIGNATURE_DEF
              + " to one of them");
    }
    return new Inspection(
        signatureKey,
        new ModelSignature(
            specs(def.getInputsMap(), "input"), specs(def.getOutputsMap(), "output")));
  }

  private List<IoSpec> specs(Map<String, TensorInfo> tensors, String kind)
      throws ModelLoadException {
    List<IoSpec> out = new ArrayList<>();
    for (Map.Entry<String, TensorInfo> e : new TreeMap<>(tensors).entrySet()) {
      String name = e.getKey();
      TensorInfo info = e.getValue();
      if (!info.hasName()) {
        throw new ModelLoadException(
            kind
                + " '"
                + name
                + "' is a composite or sparse tensor; only dense tensors are served");
      }
      DataType type =
          TfTypes.dataType(info.getDtype())
              .orElseThrow(() ->
                  new ModelLoadException(
                      kind
                          + " '"
                          + name
                          + "' has type "
                          + TfTypes.name(info.getDtype())
                          + ", which TF Java cannot carry (served: BOOL, UINT8, UINT16, INT32,"
                          + " INT64, FP16, BF16, FP32, FP64, STRING as BYTES)"));
      TensorShapeProto shape = info.getTensorShape();
      if (shape.getUnknownRank()) {
        throw new ModelLoadException(
            kind
                + " '"
                + name
                + "' has an unknown rank; export it with a shape (dims may be None)");
      }
      long[] dims = new long[shape.getDimCount()];
      for (int i = 0; i < dims.length; i++) {
        long d = shape.getDim(i).getSize();
        dims[i] = d < 0 ? -1 : d;
      }
      out.add(IoSpec.of(name, type, Shape.of(dims)));
    }
    return out;
  }
}
