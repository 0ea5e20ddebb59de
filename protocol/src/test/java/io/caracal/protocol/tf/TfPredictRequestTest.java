package io.caracal.protocol.tf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import io.caracal.api.DataType;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.TensorMetadata;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TfPredictRequestTest {
  private static final JsonFactory JSON = TfPredictRequest.jsonFactory(100, 1 << 20);

  private static TensorMetadata spec(String name, DataType t) {
    return new TensorMetadata(name, t, Shape.of(-1), List.of());
  }

  private static TfPredictRequest.Decoded decode(String body, TensorMetadata... specs) {
    return TfPredictRequest.parse(JSON, body.getBytes(StandardCharsets.UTF_8))
        .tensors(List.of(specs));
  }

  private static String error(String body, TensorMetadata... specs) {
    try {
      decode(body, specs);
    } catch (TfJsonException e) {
      return (e.isUnimplemented() ? "501 " : "400 ") + e.getMessage();
    }
    throw new AssertionError("no error for " + body);
  }

  private static float[] floats(Tensor t) {
    ByteBuffer b = t.data();
    float[] f = new float[(int) t.elementCount()];
    for (int i = 0; i < f.length; i++) {
      f[i] = b.getFloat();
    }
    return f;
  }

  @Test
  void rowFormat_plainList_prependsBatch() {
    TfPredictRequest.Decoded d = decode("{\"instances\":[1.0,2.0,5.0]}", spec("x", DataType.FP32));
    assertThat(d.format()).isEqualTo(TfPredictRequest.Format.ROW);
    Tensor x = d.inputs().get(0).tensor();
    assertThat(x.shape()).isEqualTo(Shape.of(3));
    assertThat(floats(x)).containsExactly(1f, 2f, 5f);
  }

  @Test
  void rowFormat_objects_buildEachInput() {
    TfPredictRequest.Decoded d =
        decode(
            "{\"instances\":[{\"a\":[1,2],\"b\":\"x\"},{\"b\":\"y\",\"a\":[3,4]}]}",
            spec("a", DataType.INT32),
            spec("b", DataType.BYTES));
    assertThat(d.inputs()).extracting(NamedTensor::name).containsExactly("a", "b");
    assertThat(d.inputs().get(0).tensor().shape()).isEqualTo(Shape.of(2, 2));
    assertThat(d.inputs().get(1).tensor().bytesElements())
        .containsExactly(
            "x".getBytes(StandardCharsets.UTF_8), "y".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void columnarFormat_objectAndPlainValue() {
    TfPredictRequest.Decoded d =
        decode(
            "{\"inputs\":{\"a\":[[1,2]],\"b\":[true,false,true],\"extra\":1}}",
            spec("a", DataType.INT64),
            spec("b", DataType.BOOL));
    assertThat(d.format()).isEqualTo(TfPredictRequest.Format.COLUMNAR);
    assertThat(d.inputs().get(0).tensor().shape()).isEqualTo(Shape.of(1, 2));
    assertThat(d.inputs().get(1).tensor().shape()).isEqualTo(Shape.of(3));
    Tensor scalar = decode("{\"inputs\":7.5}", spec("x", DataType.FP64)).inputs().get(0).tensor();
    assertThat(scalar.shape().rank()).isZero();
    assertThat(scalar.data().getDouble()).isEqualTo(7.5);
  }

  @Test
  void base64_decodedForStrings() {
    Tensor t =
        decode("{\"instances\":[{\"b64\":\"aGVsbG8=\"}]}", spec("s", DataType.BYTES))
            .inputs()
            .get(0)
            .tensor();
    assertThat(t.bytesElements()).containsExactly("hello".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void int64_exactBeyondDoublePrecision() {
    Tensor t =
        decode("{\"inputs\":[9007199254740993,-9223372036854775808]}", spec("i", DataType.INT64))
            .inputs()
            .get(0)
            .tensor();
    ByteBuffer b = t.data();
    assertThat(b.getLong()).isEqualTo(9007199254740993L);
    assertThat(b.getLong()).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void uint64_acceptsUpToTwoToThe64MinusOne() {
    Tensor t =
        decode("{\"inputs\":[18446744073709551615]}", spec("u", DataType.UINT64))
            .inputs()
            .get(0)
            .tensor();
    assertThat(t.data().getLong()).isEqualTo(-1L);
  }

  @Test
  void nonFiniteFloats_accepted() {
    Tensor t =
        decode("{\"inputs\":[NaN,Infinity,-Infinity]}", spec("x", DataType.FP32))
            .inputs()
            .get(0)
            .tensor();
    assertThat(floats(t))
        .containsExactly(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
  }

  @Test
  void narrowIntegers_wrapAsTfDoes() {
    Tensor t = decode("{\"inputs\":[300,-1]}", spec("b", DataType.UINT8)).inputs().get(0).tensor();
    ByteBuffer b = t.data().order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.get()).isEqualTo((byte) 44);
    assertThat(b.get()).isEqualTo((byte) -1);
  }

  @ParameterizedTest(name = "{0} into {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"x\"|FP32|JSON Value: \"x\" Type: String is not of expected type: float",
        "1.0|INT32|JSON Value: 1.0 Type: Number is not of expected type: int32",
        "2147483648|INT32|JSON Value: 2147483648 Type: Number is not of expected type: int32",
        "9223372036854775808|INT64|JSON Value: 9223372036854775808 Type: Number is not of expected type: int64",
        "-1|UINT32|JSON Value: -1 Type: Number is not of expected type: uint32",
        "1|BOOL|JSON Value: 1 Type: Number is not of expected type: bool",
        "null|FP64|JSON Value: null Type: Null is not of expected type: double",
        "3|BYTES|JSON Value: 3 Type: Number is not of expected type: string",
        "{\"b64\":\"AA==\"}|FP32|JSON Value: {\"b64\":\"AA==\"} Type: Object is not of expected type: float",
      })
  void wrongTypes_areTfTypeErrors(String value, DataType t, String message) {
    assertThat(error("{\"inputs\":[" + value + "]}", spec("x", t))).isEqualTo("400 " + message);
  }

  @Test
  void halfAndUint16_areUnimplemented() {
    assertThat(error("{\"inputs\":[1.5]}", spec("h", DataType.FP16)))
        .isEqualTo("501 Conversion of JSON Value: 1.5 to type: half");
    assertThat(error("{\"inputs\":[1]}", spec("h", DataType.UINT16)))
        .isEqualTo("501 Conversion of JSON Value: 1 to type: uint16");
    // inside the row format the inner status is wrapped into an INVALID_ARGUMENT
    assertThat(error("{\"instances\":[1]}", spec("h", DataType.BF16)))
        .isEqualTo(
            "400 Failed to process element: 0 of 'instances' list. Error: UNIMPLEMENTED:"
                + " Conversion of JSON Value: 1 to type: bfloat16");
  }

  @Test
  void bodyErrors_haveTfTexts() {
    TensorMetadata x = spec("x", DataType.FP32);
    assertThat(error("", x)).isEqualTo("400 JSON Parse error: The document is empty");
    assertThat(error("[1]", x)).isEqualTo("400 JSON Value: [1] Is not object");
    assertThat(error("{\"nothing\":1}", x)).isEqualTo("400 Missing 'inputs' or 'instances' key");
    assertThat(error("{\"inputs\":[1],\"instances\":[1]}", x))
        .isEqualTo(
            "400 JSON Value: {\"inputs\":[1],\"instances\":[1]} Not formatted correctly expecting"
                + " only one of 'inputs' or 'instances' keys to exist ");
    assertThat(error("{\"instances\":1}", x))
        .isEqualTo("400 JSON Value: {\"instances\":1} Expecting 'instances' to be an list/array");
    assertThat(error("{\"instances\":[]}", x))
        .isEqualTo("400 JSON Value: {\"instances\":[]} No values in 'instances' array");
    assertThat(error("{\"signature_name\":1,\"instances\":[1]}", x))
        .isEqualTo(
            "400 JSON Value: {\"signature_name\":1,\"instances\":[1]} not formatted correctly."
                + " 'signature_name' key must be a string value.");
    assertThat(error("{\"instances\":[1]}"))
        .isEqualTo("400 Failed to get input map for signature: DEFAULT");
    assertThat(error("{\"instances\":[1] trailing garbage", x))
        .startsWith("400 JSON Parse error: ");
    assertThat(error("{\"instances\":[1.]}", x)).startsWith("400 JSON Parse error: ");
  }

  @Test
  void raggedAndMisplaced_haveTfTexts() {
    TensorMetadata x = spec("x", DataType.FP32);
    assertThat(error("{\"inputs\":[[1,2],[3]]}", x))
        .isEqualTo("400 Encountered list at unexpected size: 1 at level: 1 expected size: 2");
    assertThat(error("{\"inputs\":[[1],2]}", x))
        .isEqualTo(
            "400 JSON Value: 2 found at incorrect level: 2 in the JSON DOM. Expected at level: 2");
    assertThat(error("{\"inputs\":[1,[2]]}", x))
        .isEqualTo("400 Encountered list at unexpected level: 1 expected < 1");
    assertThat(error("{\"instances\":[[1,2],[3]]}", x))
        .isEqualTo(
            "400 Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT:"
                + " Expecting tensor size: 2 but got: 1");
    assertThat(error("{\"instances\":[[[1,2]],[[3],[4]]]}", x))
        .isEqualTo(
            "400 Failed to process element: 1 of 'instances' list. Error: INVALID_ARGUMENT:"
                + " Expecting shape [1,2] but got: [2,1]");
  }

  @Test
  void namedInputs_haveTfTexts() {
    TensorMetadata a = spec("a", DataType.FP32);
    TensorMetadata b = spec("b", DataType.FP32);
    assertThat(error("{\"instances\":[1,2]}", a, b))
        .isEqualTo(
            "400 instances is a plain list, but expecting list of objects as multiple input"
                + " tensors required as per tensorinfo_map");
    assertThat(error("{\"instances\":[{\"a\":1}]}", a, b))
        .isEqualTo(
            "400 Failed to process element: 0 of 'instances' list. JSON object: {\"a\":1} keys"
                + " must be equal to: a,b");
    assertThat(error("{\"instances\":[{\"a\":1,\"b\":2,\"c\":3}]}", a, b))
        .isEqualTo(
            "400 Failed to process element: 0 key: c of 'instances' list. Error:"
                + " INVALID_ARGUMENT: JSON object: does not have named input: c");
    assertThat(error("{\"instances\":[{\"a\":1,\"b\":2},[1]]}", a, b))
        .isEqualTo("400 Expecting object but got list at item 1 of input list");
    assertThat(error("{\"instances\":[1,{\"a\":1}]}", a))
        .isEqualTo("400 Expecting value/list but got object at item 1 of input list");
    assertThat(error("{\"inputs\":[1]}", a, b))
        .isEqualTo(
            "400 inputs is a plain value/list, but expecting an object as multiple input tensors"
                + " required as per tensorinfo_map");
    assertThat(error("{\"inputs\":{\"a\":1}}", a, b))
        .isEqualTo("400 Missing named input: b in 'inputs' object.");
  }

  @Test
  void base64Errors() {
    TensorMetadata s = spec("s", DataType.BYTES);
    assertThat(error("{\"inputs\":[{\"b64\":\"!!\"}]}", s))
        .isEqualTo("400 Unable to base64 decode");
    assertThat(error("{\"inputs\":{\"s\":[{\"b64\":1}]}}", s))
        .isEqualTo("400 JSON Value: {\"b64\":1} not formatted correctly for base64 data");
  }

  @Test
  void duplicateKeys_firstWins() {
    Tensor t =
        decode("{\"inputs\":[1],\"inputs\":[1,2]}", spec("x", DataType.FP32))
            .inputs()
            .get(0)
            .tensor();
    assertThat(t.shape()).isEqualTo(Shape.of(1));
  }

  @Test
  void deepNesting_isA400() {
    String deep = "[".repeat(5000) + "]".repeat(5000);
    assertThat(error("{\"ignored\":" + deep + ",\"inputs\":[1]}", spec("x", DataType.FP32)))
        .startsWith("400 JSON Parse error: ");
  }
}
