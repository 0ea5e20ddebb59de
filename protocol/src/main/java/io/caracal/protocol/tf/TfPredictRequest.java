package io.caracal.protocol.tf;

import com.fasterxml.jackson.core.JsonFactory;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.TensorMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The body of a TF Serving {@code :predict} call, parsed in TF's order: the JSON first, then {@code
 * signature_name}; the tensors are built later ({@link #tensors}), once the model and its signature
 * are known, so a malformed body sent to a missing model is a 400, not a 404.
 *
 * @param document the whole body
 * @param signatureName the {@code signature_name} member, empty when absent
 */
public record TfPredictRequest(TfJson.JObject document, String signatureName) {

  /** How the request carried its tensors, which decides the response's shape and key. */
  public enum Format {
    /** {@code instances}: answered with {@code predictions}, one entry per instance. */
    ROW,
    /** {@code inputs}: answered with {@code outputs}, whole tensors. */
    COLUMNAR
  }

  /**
   * The tensors of a request and the format it used.
   *
   * @param format row or columnar
   * @param inputs the tensors, in the signature's input order
   */
  public record Decoded(Format format, List<NamedTensor> inputs) {
    public Decoded {
      Objects.requireNonNull(format, "format");
      inputs = List.copyOf(inputs);
    }
  }

  /**
   * Returns the parser settings for bodies up to {@code maxBytes}, nested up to {@code maxDepth}.
   */
  public static JsonFactory jsonFactory(int maxDepth, int maxBytes) {
    return TfJson.factory(maxDepth, maxBytes);
  }

  /**
   * Parses a body and reads its {@code signature_name}.
   *
   * @throws TfJsonException for an unparsable body, a body that is not an object, or a {@code
   *     signature_name} that is not a string
   */
  public static TfPredictRequest parse(JsonFactory factory, byte[] body) {
    TfJson.JObject doc = object(TfJson.parse(factory, body));
    return new TfPredictRequest(doc, signatureName(doc));
  }

  /** Returns the body as an object, or TF's {@code Is not object} error. */
  static TfJson.JObject object(TfJson doc) {
    if (doc instanceof TfJson.JObject o) {
      return o;
    }
    throw TfJsonException.invalid("JSON Value: " + TfJson.renderDocument(doc) + " Is not object");
  }

  /** Returns the {@code signature_name} member, empty when absent. */
  static String signatureName(TfJson.JObject doc) {
    TfJson s = doc.get("signature_name");
    if (s == null) {
      return "";
    }
    if (s instanceof TfJson.JString str) {
      return str.value();
    }
    throw TfJsonException.invalid(
        "JSON Value: "
            + TfJson.renderDocument(doc)
            + " not formatted correctly. 'signature_name' key must be a string value.");
  }

  /**
   * Builds the input tensors for a signature with these inputs.
   *
   * @throws TfJsonException with TF's message for every malformed or mistyped body
   */
  public Decoded tensors(List<TensorMetadata> signatureInputs) {
    if (signatureInputs.isEmpty()) {
      throw TfJsonException.invalid(
          "Failed to get input map for signature: "
              + (signatureName.isEmpty() ? "DEFAULT" : signatureName));
    }
    TfJson instances = document.get("instances");
    TfJson inputs = document.get("inputs");
    if (instances != null && inputs != null) {
      throw formatError(
          "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist ");
    }
    if (instances != null) {
      if (!(instances instanceof TfJson.JArray list)) {
        throw formatError("Expecting 'instances' to be an list/array");
      }
      if (list.elements().isEmpty()) {
        throw formatError("No values in 'instances' array");
      }
      return new Decoded(Format.ROW, rows(list.elements(), signatureInputs));
    }
    if (inputs != null) {
      return new Decoded(Format.COLUMNAR, columns(inputs, signatureInputs));
    }
    throw TfJsonException.invalid("Missing 'inputs' or 'instances' key");
  }

  private TfJsonException formatError(String what) {
    return TfJsonException.invalid("JSON Value: " + TfJson.renderDocument(document) + " " + what);
  }

  private static boolean isNamedObject(TfJson v) {
    return v instanceof TfJson.JObject o && !o.isBase64();
  }

  /** One input's elements across instances: shape and size fixed by the first instance. */
  private static final class Column {
    final TensorBuilder builder;
    List<Long> dims = List.of();
    int size = -1;

    Column(TensorMetadata spec) {
      this.builder = new TensorBuilder(spec.dataType());
    }

    void add(TfJson item) {
      List<Long> d = TensorBuilder.shapeOf(item);
      int n = builder.add(item, d);
      if (size < 0) {
        size = n;
        dims = d;
      } else if (size != n) {
        throw TfJsonException.invalid("Expecting tensor size: " + size + " but got: " + n);
      } else if (!dims.equals(d)) {
        throw TfJsonException.invalid(
            "Expecting shape " + shapeString(dims) + " but got: " + shapeString(d));
      }
    }
  }

  private static String shapeString(List<Long> dims) {
    return dims.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"));
  }

  private static List<NamedTensor> rows(List<TfJson> list, List<TensorMetadata> specs) {
    if (!(list.get(0) instanceof TfJson.JObject) && specs.size() > 1) {
      throw TfJsonException.invalid(
          "instances is a plain list, but expecting list of objects as multiple input tensors"
              + " required as per tensorinfo_map");
    }
    boolean objects = isNamedObject(list.get(0));
    Map<String, TensorMetadata> byName = new HashMap<>();
    Set<String> names = new TreeSet<>();
    for (TensorMetadata s : specs) {
      byName.put(s.name(), s);
      names.add(s.name());
    }
    Map<String, Column> columns = new LinkedHashMap<>();
    for (int i = 0; i < list.size(); i++) {
      TfJson elem = list.get(i);
      if (objects) {
        if (!isNamedObject(elem)) {
          throw TfJsonException.invalid(
              "Expecting object but got list at item " + i + " of input list");
        }
        TfJson.JObject o = (TfJson.JObject) elem;
        for (Map.Entry<String, TfJson> kv : o.members().entrySet()) {
          String key = kv.getKey();
          try {
            TensorMetadata spec = byName.get(key);
            if (spec == null) {
              throw TfJsonException.invalid("JSON object: does not have named input: " + key);
            }
            columns.computeIfAbsent(key, k -> new Column(spec)).add(kv.getValue());
          } catch (TfJsonException e) {
            throw TfJsonException.invalid(
                "Failed to process element: "
                    + i
                    + " key: "
                    + key
                    + " of 'instances' list. Error: "
                    + e.statusString());
          }
        }
        if (!o.members().keySet().equals(names)) {
          throw TfJsonException.invalid(
              "Failed to process element: "
                  + i
                  + " of 'instances' list. JSON object: "
                  + TfJson.render(o)
                  + " keys must be equal to: "
                  + String.join(",", names));
        }
      } else {
        if (isNamedObject(elem)) {
          throw TfJsonException.invalid(
              "Expecting value/list but got object at item " + i + " of input list");
        }
        TensorMetadata spec = specs.get(0);
        try {
          columns.computeIfAbsent(spec.name(), k -> new Column(spec)).add(elem);
        } catch (TfJsonException e) {
          throw TfJsonException.invalid(
              "Failed to process element: "
                  + i
                  + " of 'instances' list. Error: "
                  + e.statusString());
        }
      }
    }
    List<NamedTensor> out = new ArrayList<>(specs.size());
    for (TensorMetadata s : specs) {
      Column c = Objects.requireNonNull(columns.get(s.name()));
      List<Long> dims = new ArrayList<>();
      dims.add((long) list.size());
      dims.addAll(c.dims);
      out.add(new NamedTensor(s.name(), c.builder.build(Shape.of(dims))));
    }
    return out;
  }

  private static List<NamedTensor> columns(TfJson inputs, List<TensorMetadata> specs) {
    List<NamedTensor> out = new ArrayList<>(specs.size());
    if (!isNamedObject(inputs)) {
      if (specs.size() > 1) {
        throw TfJsonException.invalid(
            "inputs is a plain value/list, but expecting an object as multiple input tensors"
                + " required as per tensorinfo_map");
      }
      out.add(whole(specs.get(0), inputs));
      return out;
    }
    TfJson.JObject o = (TfJson.JObject) inputs;
    for (TensorMetadata s : specs) {
      TfJson v = o.get(s.name());
      if (v == null) {
        throw TfJsonException.invalid("Missing named input: " + s.name() + " in 'inputs' object.");
      }
      out.add(whole(s, v));
    }
    return out;
  }

  private static NamedTensor whole(TensorMetadata spec, TfJson v) {
    TensorBuilder b = new TensorBuilder(spec.dataType());
    List<Long> dims = TensorBuilder.shapeOf(v);
    b.add(v, dims);
    return new NamedTensor(spec.name(), b.build(Shape.of(dims)));
  }
}
