package io.caracal.backend.onnxruntime;

import io.caracal.api.DataType;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.proto.onnx.AttributeProto;
import io.caracal.proto.onnx.GraphProto;
import io.caracal.proto.onnx.ModelProto;
import io.caracal.proto.onnx.NodeProto;
import io.caracal.proto.onnx.OperatorSetIdProto;
import io.caracal.proto.onnx.TensorProto;
import io.caracal.proto.onnx.TypeProto;
import io.caracal.proto.onnx.ValueInfoProto;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Makes models with UINT16, UINT32 or UINT64 graph inputs loadable from Java.
 *
 * <p><b>Why.</b> ONNX Runtime Java cannot create input tensors of those element types ({@code
 * OnnxJavaType} has no unsigned type wider than 8 bits), so such a model could not be fed at all.
 * Before the session is created, the parsed model is rewritten in memory: each such graph input
 * {@code X} keeps its name and shape but is declared as the signed type of the same width (INT16,
 * INT32, INT64), and a first node {@code Cast(to = UINT16/32/64)} turns it into a fresh internal
 * name ({@code X__caracal_unsigned}, unique against every name in the model, subgraphs included).
 * Every use of {@code X} as a node input — in the main graph and in the subgraphs (Loop, If, Scan
 * bodies) that read it from the outer scope, unless a subgraph defines its own {@code X} — reads
 * the cast value instead, so the model computes exactly as before. Integer Cast between signed and
 * unsigned types of the same width is a {@code static_cast} in ONNX Runtime, i.e. bit-preserving,
 * so the backend feeds the client's unsigned bytes unchanged as a tensor of the signed type.
 *
 * <p>If {@code X} is itself a graph output, that output keeps the name {@code X} (it cannot be
 * produced by a node, since {@code X} is a graph input) and is declared with the signed type too;
 * ONNX Runtime returns the same bytes, and the signature still reports it with the unsigned type.
 * An input that also has an initializer (a default value) gets its initializer retyped the same
 * way.
 *
 * <p>Refused with a message: models whose default-domain opset is below 6 (there {@code Cast}'s
 * {@code to} is a string and ONNX Runtime has no kernel) or that import no default-domain opset.
 * Models with external data need the rewrite refused by the caller, since a session made from bytes
 * cannot find the data files.
 */
final class UnsignedInputRewriter {
  static final String SUFFIX = "__caracal_unsigned";

  /**
   * The rewritten model and the V2 types to report for the renamed inputs (and for graph outputs
   * that are one of those inputs), by name.
   */
  record Result(ModelProto model, Map<String, DataType> unsignedTypes) {}

  private UnsignedInputRewriter() {}

  /** Returns the rewritten model, or empty if no graph input is UINT16, UINT32 or UINT64. */
  static Optional<Result> rewrite(ModelProto model, String displayName) throws ModelLoadException {
    GraphProto graph = model.getGraph();
    Map<String, Integer> unsigned = new LinkedHashMap<>();
    for (ValueInfoProto in : graph.getInputList()) {
      if (in.getType().hasTensorType()) {
        int elem = in.getType().getTensorType().getElemType();
        if (signedOf(elem) != 0) {
          unsigned.put(in.getName(), elem);
        }
      }
    }
    if (unsigned.isEmpty()) {
      return Optional.empty();
    }
    checkOpset(model, displayName, unsigned.keySet().iterator().next());

    Set<String> used = new HashSet<>();
    collectNames(graph, used);
    Map<String, String> renames = new LinkedHashMap<>();
    Map<String, DataType> types = new HashMap<>();
    for (Map.Entry<String, Integer> e : unsigned.entrySet()) {
      String fresh = e.getKey() + SUFFIX;
      for (int i = 1; used.contains(fresh); i++) {
        fresh = e.getKey() + SUFFIX + "_" + i;
      }
      used.add(fresh);
      renames.put(e.getKey(), fresh);
      types.put(e.getKey(), v2Type(e.getValue()));
    }

    GraphProto.Builder g = graph.toBuilder();
    for (ValueInfoProto.Builder in : g.getInputBuilderList()) {
      if (unsigned.containsKey(in.getName())) {
        retype(in, signedOf(unsigned.get(in.getName())));
      }
    }
    for (ValueInfoProto.Builder out : g.getOutputBuilderList()) {
      if (unsigned.containsKey(out.getName())) {
        retype(out, signedOf(unsigned.get(out.getName())));
      }
    }
    for (ValueInfoProto.Builder vi : g.getValueInfoBuilderList()) {
      if (unsigned.containsKey(vi.getName())) {
        retype(vi, signedOf(unsigned.get(vi.getName())));
      }
    }
    for (int i = 0; i < g.getInitializerCount(); i++) {
      TensorProto t = g.getInitializer(i);
      if (unsigned.containsKey(t.getName())) {
        g.setInitializer(i, signedInitializer(t, displayName));
      }
    }
    for (int i = 0; i < g.getNodeCount(); i++) {
      g.setNode(i, renameNode(g.getNode(i), renames));
    }
    int at = 0;
    for (Map.Entry<String, String> e : renames.entrySet()) {
      int elem = Objects.requireNonNull(unsigned.get(e.getKey())); // renames: unsigned inputs only
      g.addNode(at++, castNode(e.getKey(), e.getValue(), elem));
    }
    return Optional.of(new Result(model.toBuilder().setGraph(g).build(), Map.copyOf(types)));
  }

  private static void checkOpset(ModelProto model, String displayName, String input)
      throws ModelLoadException {
    long opset = -1;
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        opset = Math.max(opset, o.getVersion());
      }
    }
    String what =
        displayName
            + ": input '"
            + input
            + "' is unsigned wider than 8 bits, which ONNX Runtime Java can only feed"
            + " through an added Cast node, ";
    if (opset < 0) {
      throw new ModelLoadException(
          what + "but the model imports no default-domain (ai.onnx) opset");
    }
    if (opset < 6) {
      throw new ModelLoadException(
          what
              + "but the model's opset "
              + opset
              + " is below 6 (the first with an integer Cast 'to'); "
              + "convert the model to a newer opset");
    }
  }

  /**
   * Renames uses of the keys as node inputs, here and in subgraphs that do not define their own.
   */
  private static NodeProto renameNode(NodeProto node, Map<String, String> renames) {
    NodeProto.Builder b = node.toBuilder();
    for (int i = 0; i < b.getInputCount(); i++) {
      String to = renames.get(b.getInput(i));
      if (to != null) {
        b.setInput(i, to);
      }
    }
    for (AttributeProto.Builder a : b.getAttributeBuilderList()) {
      if (a.hasG()) {
        a.setG(renameSubgraph(a.getG(), renames));
      }
      for (int i = 0; i < a.getGraphsCount(); i++) {
        a.setGraphs(i, renameSubgraph(a.getGraphs(i), renames));
      }
    }
    return b.build();
  }

  private static GraphProto renameSubgraph(GraphProto sub, Map<String, String> renames) {
    Set<String> defined = new HashSet<>();
    sub.getInputList().forEach(v -> defined.add(v.getName()));
    sub.getInitializerList().forEach(t -> defined.add(t.getName()));
    sub.getNodeList().forEach(n -> defined.addAll(n.getOutputList()));
    Map<String, String> inner = new HashMap<>(renames);
    inner.keySet().removeAll(defined);
    if (inner.isEmpty()) {
      return sub;
    }
    GraphProto.Builder b = sub.toBuilder();
    for (int i = 0; i < b.getNodeCount(); i++) {
      b.setNode(i, renameNode(b.getNode(i), inner));
    }
    // a subgraph output naming an outer value directly (ORT refuses that anyway) follows the rename
    for (ValueInfoProto.Builder out : b.getOutputBuilderList()) {
      String to = inner.get(out.getName());
      if (to != null) {
        out.setName(to);
      }
    }
    return b.build();
  }

  private static void collectNames(GraphProto g, Set<String> names) {
    g.getInputList().forEach(v -> names.add(v.getName()));
    g.getOutputList().forEach(v -> names.add(v.getName()));
    g.getValueInfoList().forEach(v -> names.add(v.getName()));
    g.getInitializerList().forEach(t -> names.add(t.getName()));
    for (NodeProto n : g.getNodeList()) {
      names.add(n.getName());
      names.addAll(n.getInputList());
      names.addAll(n.getOutputList());
      for (AttributeProto a : n.getAttributeList()) {
        if (a.hasG()) {
          collectNames(a.getG(), names);
        }
        a.getGraphsList().forEach(sub -> collectNames(sub, names));
      }
    }
  }

  private static NodeProto castNode(String from, String to, int unsignedElemType) {
    return NodeProto.newBuilder()
        .setName("Cast" + to)
        .setOpType("Cast")
        .addInput(from)
        .addOutput(to)
        .addAttribute(
            AttributeProto.newBuilder()
                .setName("to")
                .setType(AttributeProto.AttributeType.INT)
                .setI(unsignedElemType))
        .build();
  }

  private static void retype(ValueInfoProto.Builder v, int elemType) {
    TypeProto.Builder t = v.getTypeBuilder();
    if (t.hasTensorType()) {
      t.getTensorTypeBuilder().setElemType(elemType);
    }
  }

  /** Retypes an unsigned initializer (an input's default value) as the signed type, same bits. */
  private static TensorProto signedInitializer(TensorProto t, String displayName)
      throws ModelLoadException {
    int signed = signedOf(t.getDataType());
    if (signed == 0) {
      throw new ModelLoadException(
          displayName
              + ": initializer '"
              + t.getName()
              + "' has a different type than the graph input of that name");
    }
    TensorProto.Builder b = t.toBuilder().setDataType(signed);
    if (!t.getRawData().isEmpty() || t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
      return b.build();
    }
    // UINT16 lives in int32_data (as does INT16); UINT32 and UINT64 live in uint64_data
    if (t.getDataType() == TensorProto.DataType.UINT32_VALUE) {
      b.clearUint64Data();
      t.getUint64DataList().forEach(v -> b.addInt32Data((int) (long) v));
    } else if (t.getDataType() == TensorProto.DataType.UINT64_VALUE) {
      b.clearUint64Data();
      b.addAllInt64Data(t.getUint64DataList());
    }
    return b.build();
  }

  /** Returns the signed element type of the same width for UINT16/32/64, else 0. */
  static int signedOf(int elemType) {
    return switch (elemType) {
      case TensorProto.DataType.UINT16_VALUE -> TensorProto.DataType.INT16_VALUE;
      case TensorProto.DataType.UINT32_VALUE -> TensorProto.DataType.INT32_VALUE;
      case TensorProto.DataType.UINT64_VALUE -> TensorProto.DataType.INT64_VALUE;
      default -> 0;
    };
  }

  private static DataType v2Type(int unsignedElemType) {
    return switch (unsignedElemType) {
      case TensorProto.DataType.UINT16_VALUE -> DataType.UINT16;
      case TensorProto.DataType.UINT32_VALUE -> DataType.UINT32;
      default -> DataType.UINT64;
    };
  }
}
