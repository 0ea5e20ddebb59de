package io.caracal.backend.onnxruntime;

import com.google.protobuf.InvalidProtocolBufferException;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.proto.onnx.AttributeProto;
import io.caracal.proto.onnx.GraphProto;
import io.caracal.proto.onnx.ModelProto;
import io.caracal.proto.onnx.NodeProto;
import io.caracal.proto.onnx.StringStringEntryProto;
import io.caracal.proto.onnx.TensorProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads a model file with our own {@code onnx.proto} before ONNX Runtime sees it: refuses files
 * that are not ONNX models and tensors whose external data would be read from outside the version
 * folder (absolute locations, {@code ..} components, or a location that leaves the folder after
 * following symlinks; CVE-2022-25882, CVE-2024-27318 and their symlink follow-ups), and collects
 * the class labels of ZipMap nodes. The parsed model is handed back so that the loader can rewrite
 * it ({@link UnsignedInputRewriter}) without parsing the file again.
 */
final class ModelFileInspector {
  private static final Pattern SEPARATORS = Pattern.compile("[/\\\\]");
  private static final Pattern DRIVE = Pattern.compile("^[A-Za-z]:.*");
  private static final String ML_DOMAIN = "ai.onnx.ml";

  private final Path file;
  private final Path versionDir;
  private final String displayName;
  private final byte @Nullable [] contents;

  /**
   * @param file the model file
   * @param displayName how messages name the file (never an absolute path)
   */
  ModelFileInspector(Path file, String displayName) {
    this(file, displayName, null);
  }

  /**
   * @param file the model file
   * @param displayName how messages name the file (never an absolute path)
   * @param contents the model's bytes when they are held in memory (a decrypted model), else null:
   *     read {@code file}
   */
  ModelFileInspector(Path file, String displayName, byte @Nullable [] contents) {
    this.contents = contents;
    this.file = file;
    Path parent = file.toAbsolutePath().getParent();
    this.versionDir = parent == null ? file.toAbsolutePath() : parent;
    this.displayName = displayName;
  }

  private boolean externalData;

  /**
   * What inspection found.
   *
   * @param model the parsed model
   * @param zipMaps the ZipMap outputs of the main graph by output name
   * @param hasExternalData whether any tensor keeps its data in another file
   */
  record Inspection(ModelProto model, Map<String, ZipMapOutput> zipMaps, boolean hasExternalData) {}

  /** Parses and checks the file. */
  Inspection inspect() throws ModelLoadException {
    ModelProto model = parse();
    if (!model.hasGraph()
        || model.getGraph().getNodeCount() == 0 && model.getGraph().getOutputCount() == 0) {
      throw new ModelLoadException(displayName + " is not a valid ONNX model: it has no graph");
    }
    checkGraph(model.getGraph());
    return new Inspection(model, zipMaps(model.getGraph()), externalData);
  }

  private ModelProto parse() throws ModelLoadException {
    byte[] inMemory = contents;
    if (inMemory != null) {
      try {
        if (inMemory.length == 0) {
          throw new ModelLoadException(
              displayName + " is not a valid ONNX model: the decrypted model is empty");
        }
        return ModelProto.parseFrom(inMemory);
      } catch (InvalidProtocolBufferException e) {
        throw new ModelLoadException(
            displayName + " is not a valid ONNX model (the decrypted protobuf does not parse)");
      }
    }
    try (InputStream in = Files.newInputStream(file)) {
      if (Files.size(file) == 0) {
        throw new ModelLoadException(displayName + " is not a valid ONNX model: the file is empty");
      }
      return ModelProto.parseFrom(in);
    } catch (InvalidProtocolBufferException e) {
      throw new ModelLoadException(
          displayName + " is not a valid ONNX model (the protobuf does not parse)");
    } catch (IOException e) {
      throw new ModelLoadException(
          "cannot read " + displayName + ": " + e.getClass().getSimpleName());
    }
  }

  private void checkGraph(GraphProto graph) throws ModelLoadException {
    for (TensorProto t : graph.getInitializerList()) {
      checkTensor(t);
    }
    for (NodeProto node : graph.getNodeList()) {
      for (AttributeProto a : node.getAttributeList()) {
        if (a.hasT()) {
          checkTensor(a.getT());
        }
        for (TensorProto t : a.getTensorsList()) {
          checkTensor(t);
        }
        if (a.hasG()) {
          checkGraph(a.getG());
        }
        for (GraphProto g : a.getGraphsList()) {
          checkGraph(g);
        }
      }
    }
  }

  private void checkTensor(TensorProto t) throws ModelLoadException {
    if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL && t.getExternalDataCount() == 0) {
      return;
    }
    externalData = true;
    String what = displayName + ": tensor '" + t.getName() + "' has external data ";
    String location = null;
    for (StringStringEntryProto e : t.getExternalDataList()) {
      if (e.getKey().equals("location")) {
        location = e.getValue();
      }
    }
    if (location == null || location.isEmpty()) {
      throw new ModelLoadException(what + "without a location");
    }
    if (location.indexOf('\0') >= 0) {
      throw new ModelLoadException(what + "with a NUL character in its location");
    }
    if (location.startsWith("/")
        || location.startsWith("\\")
        || DRIVE.matcher(location).matches()) {
      throw new ModelLoadException(
          what
              + "at an absolute location; only locations relative to the version folder are allowed");
    }
    for (String part : SEPARATORS.split(location)) {
      if (part.equals("..")) {
        throw new ModelLoadException(
            what + "at '" + location + "', which leaves the version folder ('..')");
      }
    }
    Path resolved;
    try {
      resolved = versionDir.resolve(location);
    } catch (InvalidPathException e) {
      throw new ModelLoadException(what + "at an invalid location");
    }
    if (!Files.exists(resolved)) {
      throw new ModelLoadException(what + "at '" + location + "', which does not exist");
    }
    try {
      if (!resolved.toRealPath().startsWith(versionDir.toRealPath())) {
        throw new ModelLoadException(
            what
                + "at '"
                + location
                + "', which resolves (through a symlink) outside the version folder");
      }
    } catch (IOException e) {
      throw new ModelLoadException(what + "at '" + location + "', which cannot be resolved");
    }
  }

  private static Map<String, ZipMapOutput> zipMaps(GraphProto graph) {
    Map<String, ZipMapOutput> out = new HashMap<>();
    for (NodeProto node : graph.getNodeList()) {
      if (!node.getOpType().equals("ZipMap")
          || !node.getDomain().equals(ML_DOMAIN)
          || node.getOutputCount() != 1) {
        continue;
      }
      for (AttributeProto a : node.getAttributeList()) {
        List<String> labels = new ArrayList<>();
        if (a.getName().equals("classlabels_int64s")) {
          a.getIntsList().forEach(l -> labels.add(Long.toString(l)));
          out.put(node.getOutput(0), new ZipMapOutput(node.getOutput(0), labels, true));
        } else if (a.getName().equals("classlabels_strings")) {
          a.getStringsList().forEach(s -> labels.add(s.toString(StandardCharsets.UTF_8)));
          out.put(node.getOutput(0), new ZipMapOutput(node.getOutput(0), labels, false));
        }
      }
    }
    return out;
  }
}
