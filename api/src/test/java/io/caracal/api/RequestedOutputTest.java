package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestedOutputTest {

  @Test
  void of_hasNoParameters() {
    assertThat(RequestedOutput.of("OUTPUT0")).isEqualTo(new RequestedOutput("OUTPUT0", Map.of()));
    assertThat(RequestedOutput.of("OUTPUT0").parameters()).isEmpty();
  }

  @Test
  void parameters_areCopied() {
    Map<String, ParameterValue> params =
        new HashMap<>(Map.of("binary_data", new ParameterValue.Bool(true)));
    RequestedOutput o = new RequestedOutput("OUTPUT0", params);
    params.clear();
    assertThat(o.parameters()).containsEntry("binary_data", new ParameterValue.Bool(true));
    assertThatThrownBy(() -> o.parameters().clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void nullName_isRefused() {
    assertThatThrownBy(() -> RequestedOutput.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
  }
}
