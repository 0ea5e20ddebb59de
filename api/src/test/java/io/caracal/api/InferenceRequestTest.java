package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class InferenceRequestTest {
  static final NamedTensor INPUT =
      new NamedTensor("INPUT0", Tensor.of(DataType.INT8, Shape.of(2), ByteBuffer.allocate(2)));

  @Test
  void collections_areCopied_andUnmodifiable() {
    List<NamedTensor> inputs = new ArrayList<>(List.of(INPUT));
    List<RequestedOutput> outputs = new ArrayList<>(List.of(RequestedOutput.of("OUTPUT0")));
    Map<String, ParameterValue> params =
        new HashMap<>(Map.of("priority", new ParameterValue.Int(1)));
    InferenceRequest r =
        new InferenceRequest("m", OptionalLong.of(1), "id", inputs, outputs, params);
    inputs.clear();
    outputs.clear();
    params.clear();
    assertThat(r.inputs()).containsExactly(INPUT);
    assertThat(r.outputs()).containsExactly(RequestedOutput.of("OUTPUT0"));
    assertThat(r.parameters()).containsEntry("priority", new ParameterValue.Int(1));
    assertThatThrownBy(() -> r.inputs().add(INPUT))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> r.parameters().put("x", new ParameterValue.Bool(true)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void inputs_keepTheClientsOrder() {
    NamedTensor second = new NamedTensor("INPUT1", INPUT.tensor());
    InferenceRequest r =
        new InferenceRequest(
            "m", OptionalLong.empty(), "", List.of(second, INPUT), List.of(), Map.of());
    assertThat(r.inputs()).extracting(NamedTensor::name).containsExactly("INPUT1", "INPUT0");
  }

  @Test
  void equality_comparesTensorPayloads() {
    NamedTensor sameBytes =
        new NamedTensor(
            "INPUT0", Tensor.of(DataType.INT8, Shape.of(2), ByteBuffer.allocateDirect(2)));
    assertThat(
            new InferenceRequest(
                "m", OptionalLong.empty(), "", List.of(INPUT), List.of(), Map.of()))
        .isEqualTo(
            new InferenceRequest(
                "m", OptionalLong.empty(), "", List.of(sameBytes), List.of(), Map.of()));
  }

  @Test
  void nulls_areRefused_namingTheComponent() {
    assertThatThrownBy(() ->
            new InferenceRequest(null, OptionalLong.empty(), "", List.of(), List.of(), Map.of()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("modelName");
    assertThatThrownBy(() -> new InferenceRequest("m", null, "", List.of(), List.of(), Map.of()))
        .hasMessage("version");
    assertThatThrownBy(() ->
            new InferenceRequest("m", OptionalLong.empty(), null, List.of(), List.of(), Map.of()))
        .hasMessage("id");
    List<NamedTensor> withNull = new ArrayList<>();
    withNull.add(null);
    assertThatThrownBy(() ->
            new InferenceRequest("m", OptionalLong.empty(), "", withNull, List.of(), Map.of()))
        .isInstanceOf(NullPointerException.class);
  }
}
