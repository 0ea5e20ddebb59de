package io.caracal.core.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.InferenceException;
import io.caracal.core.logging.LogSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogSettingsTest {
  @Test
  void updates_areValidated_andAPathIsNeverAccepted() {
    List<LogSettings.Values> applied = new ArrayList<>();
    LogSettings s = new LogSettings(LogSettings.Values.DEFAULTS, applied::add);
    LogSettings.Values v =
        s.update(Map.of("log_info", false, "log_verbose_level", 2L, "log_file", ""));
    assertThat(v).isEqualTo(new LogSettings.Values("", false, true, true, 2, "default"));
    assertThat(applied).containsExactly(v);
    for (Map<String, ?> bad :
        List.of(
            Map.of("log_file", "/root/.bashrc"),
            Map.of("log_file", "x.log"),
            Map.of("log_verbose_level", -1L),
            Map.of("log_verbose_level", 99999999999L),
            Map.of("log_verbose_level", (long) Integer.MAX_VALUE + 1),
            Map.of("log_info", "true"),
            Map.of("log_format", "ISO9999"),
            Map.of("log_path", ""))) {
      assertThatThrownBy(() -> s.update(bad)).isInstanceOf(InferenceException.class);
    }
    assertThatThrownBy(() -> s.update(Map.of("log_file", "/tmp/x")))
        .hasMessage("log_file cannot be set through the API");
    assertThat(s.get()).isEqualTo(v);
    assertThat(applied).hasSize(1);
  }
}
