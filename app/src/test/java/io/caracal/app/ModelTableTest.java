package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.ModelState;
import io.caracal.api.ModelStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelTableTest {
  @Test
  void format_listsEveryVersionWithStateAndReason() {
    String table =
        ModelTable.format(
            List.of(
                new ModelStatus("simple", 1, ModelState.READY, ""),
                new ModelStatus("broken_model", 0, ModelState.UNAVAILABLE, "config.pbtxt: bad")));
    assertThat(table.lines())
        .containsExactly(
            "MODEL         VERSION  STATE        REASON",
            "simple        1        READY",
            "broken_model  -        UNAVAILABLE  config.pbtxt: bad");
  }

  @Test
  void format_saysSoWhenEmpty() {
    assertThat(ModelTable.format(List.of())).isEqualTo("no models found in the repository");
  }
}
