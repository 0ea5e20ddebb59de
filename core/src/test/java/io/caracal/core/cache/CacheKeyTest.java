package io.caracal.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.DataType;
import io.caracal.api.InferenceRequest;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.RequestedOutput;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CacheKeyTest {

  static NamedTensor fp32(String name, Shape shape, float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return new NamedTensor(name, Tensor.of(DataType.FP32, shape, b.flip()));
  }

  static NamedTensor strings(String name, String... values) {
    return new NamedTensor(name, Tensor.ofStrings(Shape.of(values.length), List.of(values)));
  }

  static InferenceRequest request(
      String model,
      OptionalLong version,
      String id,
      List<NamedTensor> inputs,
      List<RequestedOutput> outputs,
      Map<String, ParameterValue> parameters) {
    return new InferenceRequest(model, version, id, inputs, outputs, parameters);
  }

  static final NamedTensor X = fp32("x", Shape.of(1, 4), 1, 2, 3, 4);
  static final NamedTensor Y = fp32("y", Shape.of(2), 5, 6);

  static final InferenceRequest BASE =
      request(
          "m",
          OptionalLong.of(1),
          "id-1",
          List.of(X, Y),
          List.of(
              RequestedOutput.of("a"), new RequestedOutput("b", Map.of("classification", pi(2)))),
          Map.of("custom", new ParameterValue.Str("v")));

  static ParameterValue pi(long v) {
    return new ParameterValue.Int(v);
  }

  static CacheKey key(InferenceRequest r) {
    return CacheKey.of(r, 0);
  }

  @Test
  void digestIsTheFullSha256_andKeysOfEqualRequestsAreEqual() {
    CacheKey k = key(BASE);
    assertThat(k.digest()).hasSize(32);
    assertThat(key(BASE)).isEqualTo(k).hasSameHashCodeAs(k);
    assertThat(k.model()).isEqualTo("m");
  }

  @Test
  void canonical_orderOfInputsOutputsAndParametersDoesNotMatter_norTheIdNorTransportParameters() {
    InferenceRequest reordered =
        request(
            "m",
            OptionalLong.of(1),
            "another-id",
            List.of(Y, X),
            List.of(
                new RequestedOutput(
                    "b",
                    Map.of("classification", pi(2), "binary_data", new ParameterValue.Bool(true))),
                RequestedOutput.of("a")),
            Map.of(
                "custom",
                new ParameterValue.Str("v"),
                "priority",
                pi(3),
                "timeout",
                pi(1000),
                "binary_data_output",
                new ParameterValue.Bool(true)));
    assertThat(key(reordered)).isEqualTo(key(BASE));
  }

  @Test
  void everyComponentChangesTheKey() {
    List<InferenceRequest> variants = new ArrayList<>();
    variants.add(
        with(BASE, "m2", BASE.version(), BASE.inputs(), BASE.outputs(), BASE.parameters()));
    variants.add(
        with(BASE, "m", OptionalLong.of(2), BASE.inputs(), BASE.outputs(), BASE.parameters()));
    variants.add(
        with(BASE, "m", OptionalLong.empty(), BASE.inputs(), BASE.outputs(), BASE.parameters()));
    // input name, datatype, shape, bytes; a missing input
    variants.add(inputs(fp32("z", Shape.of(1, 4), 1, 2, 3, 4), Y));
    variants.add(
        inputs(
            new NamedTensor("x", Tensor.of(DataType.INT32, Shape.of(1, 4), X.tensor().data())), Y));
    variants.add(inputs(fp32("x", Shape.of(2, 2), 1, 2, 3, 4), Y)); // same bytes, other shape
    variants.add(inputs(fp32("x", Shape.of(4), 1, 2, 3, 4), Y)); // other rank
    variants.add(inputs(fp32("x", Shape.of(1, 4), 1, 2, 3, 5), Y));
    variants.add(inputs(X));
    // requested outputs: which ones, and their parameters
    variants.add(outputs(List.of(RequestedOutput.of("a"))));
    variants.add(outputs(List.of()));
    variants.add(
        outputs(
            List.of(
                RequestedOutput.of("a"),
                new RequestedOutput("b", Map.of("classification", pi(3))))));
    variants.add(outputs(List.of(RequestedOutput.of("a"), RequestedOutput.of("b"))));
    // request parameters: value, type, presence
    variants.add(parameters(Map.of("custom", new ParameterValue.Str("w"))));
    variants.add(parameters(Map.of("custom", pi(1))));
    variants.add(parameters(Map.of()));
    variants.add(
        parameters(
            Map.of(
                "custom", new ParameterValue.Str("v"), "other", new ParameterValue.Bool(false))));

    CacheKey base = key(BASE);
    List<CacheKey> keys = variants.stream().map(CacheKeyTest::key).toList();
    assertThat(keys).doesNotContain(base).doesNotHaveDuplicates();
    assertThat(CacheKey.of(BASE, 1)).isNotEqualTo(base); // a reload's generation
  }

  @Test
  void fieldBoundariesAreEncoded_soShiftingBytesBetweenFieldsChangesTheKey() {
    // the same concatenated bytes "abc", cut at different places
    InferenceRequest nameAb = inputs(strings("ab", "c"));
    InferenceRequest nameA = inputs(strings("a", "bc"));
    assertThat(key(nameAb)).isNotEqualTo(key(nameA));

    // raw data moved from one input to the next
    NamedTensor u8a = new NamedTensor("p", Tensor.of(DataType.UINT8, Shape.of(2), bytes("ab")));
    NamedTensor u8b = new NamedTensor("q", Tensor.of(DataType.UINT8, Shape.of(1), bytes("c")));
    NamedTensor u8a2 = new NamedTensor("p", Tensor.of(DataType.UINT8, Shape.of(1), bytes("a")));
    NamedTensor u8b2 = new NamedTensor("q", Tensor.of(DataType.UINT8, Shape.of(2), bytes("bc")));
    assertThat(key(inputs(u8a, u8b))).isNotEqualTo(key(inputs(u8a2, u8b2)));

    // a parameter name/value boundary, and a model name that swallows the next field
    assertThat(key(parameters(Map.of("ab", new ParameterValue.Str("c")))))
        .isNotEqualTo(key(parameters(Map.of("a", new ParameterValue.Str("bc")))));
    assertThat(key(with(BASE, "m\u0000", OptionalLong.empty(), List.of(), List.of(), Map.of())))
        .isNotEqualTo(key(with(BASE, "m", OptionalLong.empty(), List.of(), List.of(), Map.of())));
    // output names vs output parameters
    assertThat(key(outputs(List.of(RequestedOutput.of("ab"), RequestedOutput.of("c")))))
        .isNotEqualTo(key(outputs(List.of(RequestedOutput.of("a"), RequestedOutput.of("bc")))));
  }

  @Test
  void equalValuesFromDifferentBuffersGiveEqualKeys() {
    ByteBuffer direct = ByteBuffer.allocateDirect(16);
    direct.put(X.tensor().data()).flip();
    NamedTensor fromDirect = new NamedTensor("x", Tensor.of(DataType.FP32, Shape.of(1, 4), direct));
    assertThat(key(inputs(fromDirect, Y))).isEqualTo(key(inputs(X, Y)));
  }

  @Test
  void sequenceRequestsBypass() {
    assertThat(CacheKey.bypasses(BASE)).isFalse();
    for (String p : List.of("sequence_id", "sequence_start", "sequence_end")) {
      assertThat(CacheKey.bypasses(parameters(Map.of(p, pi(1))))).as(p).isTrue();
    }
  }

  static ByteBuffer bytes(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  static InferenceRequest with(
      InferenceRequest r,
      String model,
      OptionalLong version,
      List<NamedTensor> inputs,
      List<RequestedOutput> outputs,
      Map<String, ParameterValue> parameters) {
    return request(model, version, r.id(), inputs, outputs, parameters);
  }

  static InferenceRequest inputs(NamedTensor... inputs) {
    return with(BASE, "m", BASE.version(), List.of(inputs), BASE.outputs(), BASE.parameters());
  }

  static InferenceRequest outputs(List<RequestedOutput> outputs) {
    return with(BASE, "m", BASE.version(), BASE.inputs(), outputs, BASE.parameters());
  }

  static InferenceRequest parameters(Map<String, ParameterValue> parameters) {
    return with(BASE, "m", BASE.version(), BASE.inputs(), BASE.outputs(), parameters);
  }
}
