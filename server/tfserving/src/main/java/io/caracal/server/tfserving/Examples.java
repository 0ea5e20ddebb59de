package io.caracal.server.tfserving;

import io.caracal.api.DataType;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.TensorMetadata;
import io.caracal.proto.tensorflow.Example;
import io.caracal.proto.tensorflow.Feature;
import io.caracal.proto.tfserving.Input;
import io.caracal.protocol.tf.TfJson;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The examples of a classify or regress call ({@code tensorflow.Example}s, with an optional
 * context), and their mapping onto an ONNX model, which has no {@code ParseExample}: every model
 * input {@code k} takes feature {@code k} of each example (the context's when the example has none;
 * the example's wins when both have it, as parsing {@code context ++ example} does) and becomes
 * {@code [N, len]} ({@code [N]} for a rank-1 input) of the input's type. A Caracal extension, not
 * TF behaviour: TF feeds the serialized examples to a single {@code inputs} string tensor.
 *
 * @param examples the examples' features, in order
 * @param context the context's features, empty when none
 */
record Examples(List<Map<String, Feature>> examples, Map<String, Feature> context) {

  Examples {
    examples = List.copyOf(examples);
    context = Map.copyOf(context);
  }

  /** Reads a gRPC {@code Input}. */
  static Examples of(Input input) {
    return switch (input.getKindCase()) {
      case EXAMPLE_LIST ->
          new Examples(features(input.getExampleList().getExamplesList()), Map.of());
      case EXAMPLE_LIST_WITH_CONTEXT ->
          new Examples(
              features(input.getExampleListWithContext().getExamplesList()),
              input.getExampleListWithContext().getContext().getFeatures().getFeatureMap());
      case KIND_NOT_SET -> new Examples(List.of(), Map.of());
    };
  }

  private static List<Map<String, Feature>> features(List<Example> es) {
    List<Map<String, Feature>> out = new ArrayList<>(es.size());
    es.forEach(e -> out.add(e.getFeatures().getFeatureMap()));
    return out;
  }

  /**
   * Reads a REST body's {@code context} and {@code examples}, inferring each feature's kind as TF
   * does ({@code json_tensor.cc}: strings and b64 → bytes, decimal tokens → float, integer tokens
   * and booleans → int64), with TF's messages.
   */
  static Examples of(TfJson.JObject doc, String method) {
    Map<String, Feature> context = Map.of();
    TfJson c = doc.get("context");
    if (c != null) {
      context = example(c);
    }
    TfJson e = doc.get("examples");
    String quoted = TfJson.renderDocument(doc);
    if (e == null) {
      throw TfStatus.invalid(
              "JSON Value: "
                  + quoted
                  + " When method is "
                  + method
                  + ", key 'examples' is expected and was not found")
          .toException();
    }
    if (!(e instanceof TfJson.JArray list)) {
      throw TfStatus.invalid(
              "JSON Value: " + quoted + " Expecting 'examples' value to be an list/array")
          .toException();
    }
    if (list.elements().isEmpty()) {
      throw TfStatus.invalid("JSON Value: " + quoted + " 'examples' value is an empty array")
          .toException();
    }
    List<Map<String, Feature>> out = new ArrayList<>();
    for (TfJson x : list.elements()) {
      out.add(example(x));
    }
    return new Examples(out, context);
  }

  private static Map<String, Feature> example(TfJson v) {
    if (!(v instanceof TfJson.JObject o)) {
      throw TfStatus.invalid("Example must be JSON object but got JSON " + v.typeName())
          .toException();
    }
    Map<String, Feature> out = new LinkedHashMap<>();
    for (Map.Entry<String, TfJson> kv : o.members().entrySet()) {
      Feature.Builder f = Feature.newBuilder();
      if (kv.getValue() instanceof TfJson.JArray a) {
        for (TfJson x : a.elements()) {
          add(kv.getKey(), x, f);
        }
      } else {
        add(kv.getKey(), kv.getValue(), f);
      }
      out.put(kv.getKey(), f.build());
    }
    return out;
  }

  private static void add(String name, TfJson v, Feature.Builder f) {
    switch (v) {
      case TfJson.JBool b -> ints(name, f).addValue(b.value() ? 1 : 0);
      case TfJson.JString s ->
          bytes(name, f).addValue(com.google.protobuf.ByteString.copyFromUtf8(s.value()));
      case TfJson.JObject o when o.isBase64() -> {
        byte[] decoded;
        try {
          decoded =
              Base64.getDecoder()
                  .decode(((TfJson.JString) Objects.requireNonNull(o.get("b64"))).value());
        } catch (IllegalArgumentException e) {
          throw TfStatus.invalid("Unable to base64 decode").toException();
        }
        bytes(name, f).addValue(com.google.protobuf.ByteString.copyFrom(decoded));
      }
      case TfJson.JNumber n when !n.integral() -> floats(name, f).addValue((float) n.doubleValue());
      case TfJson.JNumber n -> {
        BigInteger x = Objects.requireNonNull(n.integer());
        if (x.bitLength() > 63) {
          if (x.signum() > 0 && x.bitLength() <= 64) {
            throw TfStatus.invalid(
                    "Feature: " + name + " has uint64 element. Only int64 is supported.")
                .toException();
          }
          floats(name, f).addValue(x.floatValue()); // rapidjson keeps larger integers as doubles
        } else {
          ints(name, f).addValue(x.longValue());
        }
      }
      default ->
          throw TfStatus.invalid(
                  "Feature: " + name + " has element with unexpected JSON type: " + v.typeName())
              .toException();
    }
  }

  private static io.caracal.proto.tensorflow.Int64List.Builder ints(String n, Feature.Builder f) {
    kind(n, f, Feature.KindCase.INT64_LIST);
    return f.getInt64ListBuilder();
  }

  private static io.caracal.proto.tensorflow.FloatList.Builder floats(String n, Feature.Builder f) {
    kind(n, f, Feature.KindCase.FLOAT_LIST);
    return f.getFloatListBuilder();
  }

  private static io.caracal.proto.tensorflow.BytesList.Builder bytes(String n, Feature.Builder f) {
    kind(n, f, Feature.KindCase.BYTES_LIST);
    return f.getBytesListBuilder();
  }

  private static void kind(String name, Feature.Builder f, Feature.KindCase want) {
    if (f.getKindCase() != Feature.KindCase.KIND_NOT_SET && f.getKindCase() != want) {
      String kind =
          switch (f.getKindCase()) {
            case BYTES_LIST -> "bytes";
            case FLOAT_LIST -> "float";
            case INT64_LIST -> "int64";
            case KIND_NOT_SET -> "UNKNOWN";
          };
      throw TfStatus.invalid(
              "Unexpected element type in feature: " + name + " expecting type: " + kind)
          .toException();
    }
  }

  /**
   * Returns the model's inputs built from the examples' features.
   *
   * @throws TfStatus.Failure {@code Input is empty.}, a missing feature, features of unequal
   *     length, or a feature kind the input's type cannot take
   */
  List<NamedTensor> tensors(List<TensorMetadata> inputs) {
    if (examples.isEmpty()) {
      throw TfStatus.invalid("Input is empty.").toException();
    }
    List<NamedTensor> out = new ArrayList<>();
    for (TensorMetadata in : inputs) {
      out.add(new NamedTensor(in.name(), tensor(in)));
    }
    return out;
  }

  private Tensor tensor(TensorMetadata in) {
    String k = in.name();
    int n = examples.size();
    List<Feature> fs = new ArrayList<>(n);
    int len = -1;
    for (int i = 0; i < n; i++) {
      Feature f = examples.get(i).getOrDefault(k, context.get(k));
      if (f == null) {
        throw TfStatus.invalid("Feature: " + k + " is missing in example " + i).toException();
      }
      int l = length(f);
      if (len >= 0 && l != len) {
        throw TfStatus.invalid(
                "Feature: " + k + " has " + l + " values in example " + i + ", expected " + len)
            .toException();
      }
      len = l;
      fs.add(f);
    }
    Shape shape = in.shape().rank() == 1 && len == 1 ? Shape.of(n) : Shape.of(n, len);
    DataType t = in.dataType();
    if (t == DataType.BYTES) {
      List<byte[]> els = new ArrayList<>();
      for (Feature f : fs) {
        if (!f.hasBytesList()) {
          throw kindError(k, t);
        }
        f.getBytesList().getValueList().forEach(b -> els.add(b.toByteArray()));
      }
      return Tensor.ofBytes(shape, els);
    }
    ByteBuffer buf =
        ByteBuffer.allocateDirect(n * len * t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    for (Feature f : fs) {
      switch (t) {
        case FP32, FP64 -> {
          if (!f.hasFloatList()) {
            throw kindError(k, t);
          }
          for (float v : f.getFloatList().getValueList()) {
            if (t == DataType.FP32) {
              buf.putFloat(v);
            } else {
              buf.putDouble(v);
            }
          }
        }
        case INT64, INT32, INT16, INT8, UINT8, BOOL -> {
          if (!f.hasInt64List()) {
            throw kindError(k, t);
          }
          for (long v : f.getInt64List().getValueList()) {
            switch (t.byteSize()) {
              case 8 -> buf.putLong(v);
              case 4 -> buf.putInt((int) v);
              case 2 -> buf.putShort((short) v);
              default -> buf.put((byte) v);
            }
          }
        }
        default -> throw kindError(k, t);
      }
    }
    return Tensor.of(t, shape, buf.flip());
  }

  private static int length(Feature f) {
    return switch (f.getKindCase()) {
      case BYTES_LIST -> f.getBytesList().getValueCount();
      case FLOAT_LIST -> f.getFloatList().getValueCount();
      case INT64_LIST -> f.getInt64List().getValueCount();
      case KIND_NOT_SET -> 0;
    };
  }

  private static TfStatus.Failure kindError(String feature, DataType t) {
    return TfStatus.invalid(
            "Feature: "
                + feature
                + " cannot feed input of type "
                + io.caracal.protocol.tf.TfDtypes.shortName(t))
        .toException();
  }
}
