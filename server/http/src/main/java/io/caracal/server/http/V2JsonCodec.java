package io.caracal.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.caracal.api.DataType;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.api.ModelMetadata;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.RequestedOutput;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.TensorMetadata;
import io.caracal.protocol.v2.BinaryTensorData;
import io.caracal.protocol.v2.JsonTensorReader;
import io.caracal.protocol.v2.JsonTensorWriter;
import io.caracal.protocol.v2.TensorDataException;
import io.caracal.protocol.v2.TensorDataProblem;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The KServe V2 JSON codec, with the binary tensor data extension. Streaming Jackson only: tensor
 * data goes straight from JSON tokens into a little-endian buffer of the right type.
 *
 * <p>Binary inputs are copied once from the request body into a direct buffer of their own, so the
 * request's Netty buffer can be released as soon as decoding ends and no pooled memory outlives the
 * request (core may keep tensors, e.g. in a cache). Binary outputs are not copied: the response
 * wraps the tensors' buffers.
 *
 * <p>JSON output: floats in shortest round-trip form; FP16 and BF16 as their float values; NaN and
 * infinities as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} (JSON has no
 * such numbers); BYTES elements as strings, where byte sequences that are not valid UTF-8 are
 * replaced by U+FFFD (clients that need exact bytes ask for binary output).
 *
 * <p>The tensor elements themselves are read and written by {@code caracal-protocol}'s {@link
 * JsonTensorReader} and {@link JsonTensorWriter}, and binary sizes checked by {@link
 * BinaryTensorData}, which the Java client shares; this class frames requests and responses,
 * applies the {@link HttpLimits} and words each {@link TensorDataProblem} as Triton does.
 */
final class V2JsonCodec {
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";

  private final HttpLimits limits;
  private final JsonFactory factory;
  private final JsonTensorReader tensorReader;

  V2JsonCodec(HttpLimits limits) {
    this.limits = limits;
    this.factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    // the root object, "inputs", one input and its "data" array come before the
                    // data's own nesting
                    .maxNestingDepth(limits.maxJsonDepth() + 3)
                    .maxNumberLength(limits.maxNumberLength())
                    .maxStringLength(Math.max(limits.maxBodyBytes(), 1))
                    .maxNameLength(Math.min(limits.maxBodyBytes(), 50_000))
                    .build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();
    this.tensorReader = JsonTensorReader.forRequests(limits.maxJsonDepth());
  }

  /** A decoded infer request and how its outputs are to be sent. */
  record DecodedInfer(
      InferenceRequest request, boolean binaryOutputDefault, Map<String, Boolean> binaryPerOutput) {
    boolean isBinary(String output) {
      Boolean b = binaryPerOutput.get(output);
      return b != null ? b : binaryOutputDefault;
    }
  }

  /**
   * An encoded infer response: the body, and the JSON part's length when binary outputs follow it.
   */
  record Encoded(ByteBuf body, int jsonLength, boolean binary) {}

  // ---------------------------------------------------------------------------------------------
  // Decoding

  /**
   * Decodes an infer request.
   *
   * @param headerLength the {@code Inference-Header-Content-Length} header's value, or null
   * @throws InferenceException (InvalidInput) naming the offending field
   */
  DecodedInfer decodeInfer(
      String model, OptionalLong version, ByteBuf body, @Nullable String headerLength) {
    int bodyLen = body.readableBytes();
    int jsonLen = bodyLen;
    boolean hasHeader = headerLength != null;
    if (headerLength != null) {
      jsonLen = parseHeaderLength(headerLength, bodyLen);
    }
    if (jsonLen == 0) {
      throw invalid("", "request body is empty: expected a JSON inference request");
    }
    ByteBuf json = body.slice(body.readerIndex(), jsonLen);
    checkJsonStart(json);
    JsonUtf8.check(json);
    Parsed parsed;
    try (JsonParser p = factory.createParser((InputStream) new ByteBufInputStream(json))) {
      parsed = parseRoot(p, model, jsonLen);
    } catch (StreamConstraintsException e) {
      throw constraintError(e);
    } catch (JsonParseException e) {
      throw invalid("", sanitizeParseError(e));
    } catch (IOException e) {
      throw invalid("", "malformed JSON in request body");
    }
    // Resolve the inputs: JSON data (maybe captured before its datatype and shape were known) or
    // binary.
    int offset = body.readerIndex() + jsonLen;
    long remaining = bodyLen - (long) jsonLen;
    List<NamedTensor> inputs = new ArrayList<>(parsed.inputs.size());
    for (PendingInput in : parsed.inputs) {
      boolean hasData = in.tensor != null || in.capturedData != null;
      if (hasData == (in.binarySize >= 0)) {
        throw invalid(
            in.name,
            "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', "
                + "'shared_memory_region' in 'parameters'. But input '"
                + in.name
                + "' has "
                + (hasData ? "set both 'data' and 'binary_data_size'" : "set none of them"));
      }
      Tensor t;
      if (in.binarySize >= 0) {
        if (!hasHeader) {
          throw invalid(
              in.name,
              "must specify valid 'Infer-Header-Content-Length' in request header and 'binary_data_size' "
                  + "when passing inputs in binary data format");
        }
        if (in.binarySize > remaining) {
          throw invalid(
              in.name,
              "unexpected size for input '"
                  + in.name
                  + "', expecting "
                  + (in.binarySize - remaining)
                  + " additional bytes for model '"
                  + model
                  + "'");
        }
        int size = (int) in.binarySize;
        try {
          BinaryTensorData.checkSize(in.dataType, in.shape, size, limits.maxTensorElements());
          ByteBuffer copy = ByteBuffer.allocateDirect(size).order(ByteOrder.LITTLE_ENDIAN);
          body.getBytes(offset, copy);
          copy.flip();
          offset += size;
          remaining -= size;
          t = BinaryTensorData.toTensor(in.dataType, in.shape, copy);
        } catch (TensorDataException e) {
          throw dataError(in, model, e.problem());
        }
      } else if (in.tensor != null) {
        t = in.tensor;
      } else {
        try (JsonParser p = factory.createParser(in.capturedData)) {
          p.nextToken();
          t = decodeData(p, in, model, jsonLen);
        } catch (StreamConstraintsException e) {
          throw constraintError(e);
        } catch (IOException e) {
          throw invalid(in.name, "malformed JSON in 'data' of input '" + in.name + "'");
        }
      }
      inputs.add(new NamedTensor(in.name, t));
    }
    if (remaining > 0) {
      throw invalid("", "unexpected additional input data for model '" + model + "'");
    }
    InferenceRequest request =
        new InferenceRequest(model, version, parsed.id, inputs, parsed.outputs, parsed.parameters);
    return new DecodedInfer(request, parsed.binaryOutputDefault, parsed.binaryPerOutput);
  }

  private static int parseHeaderLength(String raw, int bodyLen) {
    String v = raw.trim();
    if (!v.matches("-?[0-9]{1,18}")) {
      throw invalid(
          HEADER_LENGTH, "Unable to parse Inference-Header-Content-Length, got: " + quote(v));
    }
    long n = Long.parseLong(v);
    if (n == 0) {
      throw invalid(
          HEADER_LENGTH,
          "raw binary requests (Inference-Header-Content-Length: 0) are not supported: "
              + "send a JSON inference header before the binary data");
    }
    if (n < 0 || n > bodyLen) {
      throw invalid(
          HEADER_LENGTH,
          "Inference-Header-Content-Length: inference header size should be in range (0, "
              + bodyLen
              + "], got: "
              + n);
    }
    return (int) n;
  }

  private static void checkJsonStart(ByteBuf json) {
    int n = json.readableBytes();
    for (int i = 0; i < Math.min(n, 4); i++) {
      if (json.getByte(json.readerIndex() + i) == 0) {
        throw invalid("", "malformed JSON: the request must be UTF-8 encoded");
      }
    }
    for (int i = 0; i < n; i++) {
      byte b = json.getByte(json.readerIndex() + i);
      if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
        continue;
      }
      if (b != '{') {
        throw invalid("", "malformed JSON: the request must be a JSON object (no byte order mark)");
      }
      return;
    }
    throw invalid("", "request body is empty: expected a JSON inference request");
  }

  @SuppressWarnings(
      "NullAway.Init") // the parser sets name, datatype and shape; input() checks them
  private static final class PendingInput {
    String name;
    DataType dataType;
    Shape shape;
    long binarySize = -1;
    @Nullable Tensor tensor;
    byte @Nullable [] capturedData;
  }

  private static final class Parsed {
    String id = "";
    Map<String, ParameterValue> parameters = Map.of();
    List<PendingInput> inputs = new ArrayList<>();
    List<RequestedOutput> outputs = List.of();
    boolean binaryOutputDefault;
    Map<String, Boolean> binaryPerOutput = new LinkedHashMap<>();
  }

  private Parsed parseRoot(JsonParser p, String model, int jsonLen) throws IOException {
    Parsed r = new Parsed();
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw invalid("", "malformed JSON: the request must be a JSON object");
    }
    boolean sawInputs = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      switch (f) {
        case "id" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw invalid("id", "'id' must be a string");
          }
          r.id = p.getText();
        }
        case "parameters" -> {
          Map<String, ParameterValue> params = new LinkedHashMap<>(parameters(p, "the request"));
          ParameterValue b = params.remove("binary_data_output");
          if (b != null) {
            r.binaryOutputDefault = bool(b, "binary_data_output");
          }
          r.parameters = params;
        }
        case "inputs" -> {
          sawInputs = true;
          if (t != JsonToken.START_ARRAY) {
            throw invalid("inputs", "'inputs' must be an array");
          }
          Set<String> names = new HashSet<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            PendingInput in = input(p, model, jsonLen);
            if (!names.add(in.name)) {
              throw invalid(in.name, "input '" + in.name + "' is given more than once");
            }
            r.inputs.add(in);
          }
        }
        case "outputs" -> r.outputs = outputs(p, r);
        default -> p.skipChildren();
      }
    }
    if (p.nextToken() != null) {
      throw invalid("", "malformed JSON: unexpected data after the request object");
    }
    if (!sawInputs) {
      throw invalid("inputs", "the request has no 'inputs'");
    }
    return r;
  }

  private List<RequestedOutput> outputs(JsonParser p, Parsed r) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw invalid("outputs", "'outputs' must be an array");
    }
    List<RequestedOutput> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        throw invalid("outputs", "each entry of 'outputs' must be an object");
      }
      String name = null;
      Map<String, ParameterValue> params = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        JsonToken t = p.nextToken();
        switch (f) {
          case "name" -> {
            if (t != JsonToken.VALUE_STRING) {
              throw invalid("outputs", "'name' of a requested output must be a string");
            }
            name = p.getText();
          }
          case "parameters" -> params = new LinkedHashMap<>(parameters(p, "a requested output"));
          default -> p.skipChildren();
        }
      }
      if (name == null) {
        throw invalid("outputs", "a requested output has no 'name'");
      }
      if (!seen.add(name)) {
        throw invalid(name, "output '" + name + "' already exists in request");
      }
      ParameterValue b = params.remove("binary_data");
      if (b != null) {
        r.binaryPerOutput.put(name, bool(b, "binary_data"));
      }
      rejectSharedMemory(params, "output", name);
      out.add(new RequestedOutput(name, params));
    }
    return out;
  }

  private PendingInput input(JsonParser p, String model, int jsonLen) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw invalid("inputs", "each entry of 'inputs' must be an object");
    }
    PendingInput in = new PendingInput();
    Map<String, ParameterValue> params = Map.of();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken t = p.nextToken();
      switch (f) {
        case "name" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw invalid("inputs", "'name' of an input must be a string");
          }
          in.name = p.getText();
        }
        case "datatype" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw invalid(nameOr(in), "'datatype' of input '" + nameOr(in) + "' must be a string");
          }
          String s = p.getText();
          in.dataType =
              DataType.fromWireName(s)
                  .orElseThrow(() ->
                      invalid(
                          nameOr(in),
                          "invalid datatype " + quote(s) + " for input '" + nameOr(in) + "'"));
        }
        case "shape" -> in.shape = shape(p, in, model);
        case "parameters" -> params = parameters(p, "input '" + nameOr(in) + "'");
        case "data" -> {
          if (in.dataType != null && in.shape != null && in.name != null) {
            in.tensor = decodeData(p, in, model, jsonLen);
          } else {
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (JsonGenerator g = factory.createGenerator((OutputStream) bos)) {
              g.copyCurrentStructure(p);
            }
            in.capturedData = bos.toByteArray();
          }
        }
        default -> p.skipChildren();
      }
    }
    if (in.name == null) {
      throw invalid("inputs", "an input has no 'name'");
    }
    if (in.dataType == null) {
      throw invalid(in.name, "input '" + in.name + "' has no 'datatype'");
    }
    if (in.shape == null) {
      throw invalid(in.name, "input '" + in.name + "' has no 'shape'");
    }
    ParameterValue size = params.get("binary_data_size");
    if (size != null) {
      if (!(size instanceof ParameterValue.Int(long v)) || v < 0) {
        throw invalid(
            in.name,
            "'binary_data_size' of input '" + in.name + "' must be a non-negative integer");
      }
      in.binarySize = v;
    }
    rejectSharedMemory(params, "input", in.name);
    return in;
  }

  private static void rejectSharedMemory(
      Map<String, ParameterValue> params, String kind, String name) {
    for (String k : params.keySet()) {
      if (k.startsWith("shared_memory_")) {
        throw invalid(
            name,
            "shared memory is not supported by this server (parameter '"
                + k
                + "' of "
                + kind
                + " '"
                + name
                + "')");
      }
    }
  }

  private static String nameOr(PendingInput in) {
    return in.name == null ? "?" : in.name;
  }

  private Shape shape(JsonParser p, PendingInput in, String model) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw invalid(
          nameOr(in), "'shape' of input '" + nameOr(in) + "' must be an array of integers");
    }
    long[] dims = new long[8];
    int n = 0;
    boolean negative = false;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
          || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        throw invalid(
            nameOr(in), "'shape' of input '" + nameOr(in) + "' must be an array of integers");
      }
      if (n == 64) {
        throw invalid(
            nameOr(in), "'shape' of input '" + nameOr(in) + "' has more than 64 dimensions");
      }
      if (n == dims.length) {
        dims = Arrays.copyOf(dims, n * 2);
      }
      long d = p.getLongValue();
      negative |= d < 0;
      dims[n++] = d;
    }
    Shape s = Shape.of(Arrays.copyOf(dims, n));
    if (negative) {
      throw invalid(
          nameOr(in),
          "All input dimensions should be specified for input '"
              + nameOr(in)
              + "' for model '"
              + model
              + "', got "
              + s);
    }
    return s;
  }

  /**
   * Decodes {@code data} (the parser is on its first token) into a tensor of the input's type and
   * shape.
   */
  private Tensor decodeData(JsonParser p, PendingInput in, String model, int jsonLen)
      throws IOException {
    if (in.dataType == DataType.FP16 || in.dataType == DataType.BF16) {
      throw invalid(
          in.name,
          "receiving "
              + in.dataType
              + " data via JSON is not supported. Please use the binary data format for input "
              + in.name);
    }
    try {
      return tensorReader.read(
          p, in.dataType, in.shape, Math.min(limits.maxTensorElements(), jsonLen));
    } catch (TensorDataException e) {
      throw dataError(in, model, e.problem());
    }
  }

  /** Words a problem with an input's data (JSON or binary) as Triton does, naming the input. */
  private InferenceException dataError(PendingInput in, String model, TensorDataProblem problem) {
    String input = "input '" + in.name + "'";
    String message =
        switch (problem) {
          case TensorDataProblem.CountOverflow() ->
              "shape " + in.shape + " of " + input + " has too many elements";
          case TensorDataProblem.TooManyElements(long count) ->
              "shape "
                  + in.shape
                  + " of "
                  + input
                  + " declares "
                  + count
                  + " elements, more than the request can hold";
          case TensorDataProblem.NotAnArray() -> "'data' of " + input + " must be an array";
          case TensorDataProblem.DepthLimit() -> depthMessage();
          case TensorDataProblem.NestedTooDeep(int depth) ->
              "'data' of "
                  + input
                  + " is nested "
                  + depth
                  + " deep, deeper than its shape "
                  + in.shape;
          case TensorDataProblem.Truncated() -> "malformed JSON in 'data' of " + input;
          case TensorDataProblem.TooManyValues(long count) -> shapeMismatch(in, count, "more");
          case TensorDataProblem.TooFewValues(long count, long found) ->
              shapeMismatch(in, count, String.valueOf(found));
          case TensorDataProblem.BadElement(String expected, String found) ->
              "unable to parse 'data' of "
                  + input
                  + ": expected "
                  + expected
                  + " for "
                  + in.dataType
                  + ", got "
                  + found;
          case TensorDataProblem.OutOfRange(String text) ->
              "value "
                  + truncate(text, 40)
                  + " in 'data' of "
                  + input
                  + " is out of range for "
                  + in.dataType;
          case TensorDataProblem.BytesTooLarge() -> "BYTES data is too large";
          case TensorDataProblem.SizeMismatch(long expected, long size) ->
              "input byte size mismatch for "
                  + input
                  + " for model '"
                  + model
                  + "'. Expected "
                  + expected
                  + ", got "
                  + size;
          case TensorDataProblem.BytesTooShort(long count, long size) ->
              "shape "
                  + in.shape
                  + " of "
                  + input
                  + " needs at least "
                  + count
                  + " length-prefixed elements, more than its "
                  + size
                  + " bytes of binary data hold";
          case TensorDataProblem.BytesOverrun() ->
              "malformed BYTES data for "
                  + input
                  + " for model '"
                  + model
                  + "': an element length runs past the end of its binary data";
          case TensorDataProblem.BytesCountMismatch(long expected, long found) ->
              "expected "
                  + expected
                  + " string elements for "
                  + input
                  + " for model '"
                  + model
                  + "', got "
                  + found;
        };
    // the limits of the whole request name no input
    boolean requestLimit =
        problem instanceof TensorDataProblem.DepthLimit
            || problem instanceof TensorDataProblem.BytesTooLarge;
    return invalid(requestLimit ? "" : in.name, message);
  }

  private static String shapeMismatch(PendingInput in, long count, String got) {
    return "Failed to parse 'data' field of input '"
        + in.name
        + "': shape "
        + in.shape
        + " needs "
        + count
        + " elements, got "
        + got;
  }

  /** Parses a parameters object (the parser is on its first token). */
  private static Map<String, ParameterValue> parameters(JsonParser p, String where)
      throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw invalid("parameters", "'parameters' of " + where + " must be an object");
    }
    Map<String, ParameterValue> out = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String k = p.currentName();
      if (k.startsWith("triton_")) {
        throw invalid(
            k,
            "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.");
      }
      JsonToken t = p.nextToken();
      ParameterValue v =
          switch (t) {
            case VALUE_STRING -> new ParameterValue.Str(p.getText());
            case VALUE_TRUE -> new ParameterValue.Bool(true);
            case VALUE_FALSE -> new ParameterValue.Bool(false);
            case VALUE_NUMBER_INT -> {
              if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw invalid(k, "parameter " + quote(k) + " of " + where + " is out of range");
              }
              yield new ParameterValue.Int(p.getLongValue());
            }
            case VALUE_NUMBER_FLOAT -> {
              double d = p.getDoubleValue();
              if (!Double.isFinite(d)) {
                throw invalid(k, "parameter " + quote(k) + " of " + where + " is out of range");
              }
              yield new ParameterValue.Real(d);
            }
            default -> {
              p.skipChildren(); // a nesting beyond the JSON depth limit reports that limit first
              throw invalid(
                  k,
                  "parameter "
                      + quote(k)
                      + " of "
                      + where
                      + " must be a string, number or boolean");
            }
          };
      out.put(k, v);
    }
    return out;
  }

  private static boolean bool(ParameterValue v, String key) {
    if (v instanceof ParameterValue.Bool(boolean b)) {
      return b;
    }
    throw invalid(key, "parameter '" + key + "' must be a boolean");
  }

  private InferenceException constraintError(StreamConstraintsException e) {
    String m = String.valueOf(e.getOriginalMessage());
    if (m.contains("nesting depth")) {
      return invalid("", depthMessage());
    }
    if (m.contains("Number value length")) {
      return invalid(
          "",
          "a JSON number exceeds the maximum allowed length of "
              + limits.maxNumberLength()
              + " characters");
    }
    if (m.contains("String value length")) {
      return invalid("", "a JSON string exceeds the maximum allowed length");
    }
    if (m.contains("Name length")) {
      return invalid("", "a JSON member name exceeds the maximum allowed length");
    }
    return invalid("", "the JSON request exceeds a parser limit");
  }

  private String depthMessage() {
    return "JSON nesting depth exceeds maximum allowed limit (" + limits.maxJsonDepth() + ")";
  }

  /** Turns a Jackson parse error into a message with no class names or source excerpts. */
  static String sanitizeParseError(JsonParseException e) {
    String m = String.valueOf(e.getOriginalMessage());
    String where =
        e.getLocation() == null
            ? ""
            : " at line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr();
    String what;
    if (m.startsWith("Duplicate Object property") || m.startsWith("Duplicate field")) {
      int q1 = m.indexOf('"') >= 0 ? m.indexOf('"') : m.indexOf('\'');
      int q2 = q1 < 0 ? -1 : m.indexOf(m.charAt(q1), q1 + 1);
      what = q2 > q1 ? "duplicate key " + quote(m.substring(q1 + 1, q2)) : "duplicate key";
    } else if (m.contains("Invalid UTF-8") || m.contains("Invalid UTF8")) {
      what = "invalid UTF-8";
    } else if (m.contains("end-of-input")) {
      what = "unexpected end of input";
    } else if (m.contains("Non-standard token") || m.contains("NaN") || m.contains("Infinity")) {
      what = "NaN and Infinity are not valid JSON numbers";
    } else if (m.contains("Illegal unquoted character") || m.contains("Illegal character")) {
      what = "illegal character";
    } else if (m.contains("Unexpected character")) {
      what = "unexpected character";
    } else if (m.contains("Invalid numeric value") || m.contains("Invalid number")) {
      what = "invalid number";
    } else {
      what = "syntax error";
    }
    return "malformed JSON" + where + ": " + what;
  }

  // ---------------------------------------------------------------------------------------------
  // Encoding

  /** Encodes an infer response; the body holds the JSON and, after it, the binary outputs. */
  Encoded encodeInfer(InferenceResponse r, DecodedInfer d, ByteBufAllocator alloc) {
    ByteBuf json = alloc.buffer(256);
    List<ByteBuffer> binaries = new ArrayList<>();
    try (JsonGenerator g = factory.createGenerator((OutputStream) new ByteBufOutputStream(json))) {
      g.writeStartObject();
      g.writeStringField("model_name", r.modelName());
      g.writeStringField("model_version", Long.toString(r.modelVersion()));
      if (!r.id().isEmpty()) {
        g.writeStringField("id", r.id());
      }
      if (!r.parameters().isEmpty()) {
        g.writeFieldName("parameters");
        writeParameters(g, r.parameters());
      }
      g.writeArrayFieldStart("outputs");
      for (NamedTensor nt : r.outputs()) {
        Tensor t = nt.tensor();
        g.writeStartObject();
        g.writeStringField("name", nt.name());
        g.writeStringField("datatype", t.dataType().wireName());
        JsonTensorWriter.writeShape(g, t.shape());
        if (d.isBinary(nt.name())) {
          g.writeObjectFieldStart("parameters");
          g.writeNumberField("binary_data_size", t.byteSize());
          g.writeEndObject();
          binaries.add(t.data());
        } else {
          g.writeFieldName("data");
          JsonTensorWriter.writeData(g, t);
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException | RuntimeException e) {
      json.release();
      throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
    }
    int jsonLength = json.readableBytes();
    if (binaries.isEmpty()) {
      return new Encoded(json, jsonLength, false);
    }
    CompositeByteBuf all = alloc.compositeBuffer(binaries.size() + 1);
    all.addComponent(true, json);
    for (ByteBuffer b : binaries) {
      if (b.hasRemaining()) {
        all.addComponent(true, Unpooled.wrappedBuffer(b));
      }
    }
    return new Encoded(all, jsonLength, true);
  }

  private static void writeParameters(JsonGenerator g, Map<String, ParameterValue> params)
      throws IOException {
    g.writeStartObject();
    for (Map.Entry<String, ParameterValue> e : params.entrySet()) {
      g.writeFieldName(e.getKey());
      switch (e.getValue()) {
        case ParameterValue.Bool(boolean b) -> g.writeBoolean(b);
        case ParameterValue.Int(long v) -> g.writeNumber(v);
        case ParameterValue.Real(double v) -> g.writeNumber(v);
        case ParameterValue.Str(String s) -> g.writeString(s);
      }
    }
    g.writeEndObject();
  }

  /** Encodes server metadata. */
  byte[] serverMetadata(
      String name, String version, List<String> extensions, List<String> backends) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("name", name);
      g.writeStringField("version", version);
      g.writeArrayFieldStart("extensions");
      for (String e : extensions) {
        g.writeString(e);
      }
      g.writeEndArray();
      if (!backends.isEmpty()) {
        g.writeArrayFieldStart("backends");
        for (String b : backends) {
          g.writeString(b);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    });
  }

  /** Encodes model metadata; an output with class labels gets a {@code "labels"} array. */
  byte[] modelMetadata(ModelMetadata m) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("name", m.name());
      g.writeArrayFieldStart("versions");
      for (String v : m.versions()) {
        g.writeString(v);
      }
      g.writeEndArray();
      g.writeStringField("platform", m.platform());
      writeTensors(g, "inputs", m.inputs());
      writeTensors(g, "outputs", m.outputs());
      g.writeEndObject();
    });
  }

  private static void writeTensors(JsonGenerator g, String field, List<TensorMetadata> ts)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (TensorMetadata t : ts) {
      g.writeStartObject();
      g.writeStringField("name", t.name());
      g.writeStringField("datatype", t.dataType().wireName());
      JsonTensorWriter.writeShape(g, t.shape());
      if (!t.labels().isEmpty()) {
        g.writeArrayFieldStart("labels");
        for (String l : t.labels()) {
          g.writeString(l);
        }
        g.writeEndArray();
      }
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** Encodes {@code {"error": message}}. */
  byte[] error(String message) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("error", message);
      g.writeEndObject();
    });
  }

  /** Encodes {@code {"key": value}}. */
  byte[] flag(String key, boolean value) {
    return write(g -> {
      g.writeStartObject();
      g.writeBooleanField(key, value);
      g.writeEndObject();
    });
  }

  /** Encodes a model-ready answer. */
  byte[] modelReady(String name, boolean ready) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("name", name);
      g.writeBooleanField("ready", ready);
      g.writeEndObject();
    });
  }

  private interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  private byte[] write(Writer w) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream(128);
    try (JsonGenerator g = factory.createGenerator((OutputStream) bos)) {
      w.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  // ---------------------------------------------------------------------------------------------

  static InferenceException invalid(String field, String message) {
    return InferenceException.invalid(field, message);
  }

  /**
   * Quotes a client-given string for a message: control characters escaped, at most 64 characters.
   */
  static String quote(String s) {
    return "'" + truncate(s, 64) + "'";
  }

  static String truncate(String s, int max) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && i < max; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (s.length() > max) {
      sb.append("...");
    }
    return sb.toString();
  }
}
