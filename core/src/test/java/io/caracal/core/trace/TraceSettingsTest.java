package io.caracal.core.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.trace.TraceSettings.Level;
import io.caracal.core.trace.TraceSettings.Values;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class TraceSettingsTest {
  private final TraceSettings settings =
      TraceSettings.create(new Values(Level.OFF, 1000, -1, 0), exporter());

  private static Map<String, String> exporter() {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("url", "http://localhost:4318/v1/traces");
    m.put("bsp_max_queue_size", "2048");
    return m;
  }

  private static Map<String, @Nullable List<String>> change(String key, String... values) {
    Map<String, @Nullable List<String>> m = new HashMap<>();
    m.put(key, Arrays.asList(values));
    return m;
  }

  private static Map<String, @Nullable List<String>> clear(String key) {
    Map<String, @Nullable List<String>> m = new HashMap<>();
    m.put(key, null);
    return m;
  }

  @Test
  void globalUpdate_changesOnlyTheGivenFields_andClearRestoresTheStartValue() {
    assertThat(settings.update(null, change("trace_level", "TIMESTAMPS")))
        .isEqualTo(new Values(Level.TIMESTAMPS, 1000, -1, 0));
    assertThat(settings.update(null, change("trace_rate", "10")))
        .isEqualTo(new Values(Level.TIMESTAMPS, 10, -1, 0));
    assertThat(settings.update(null, clear("trace_rate")))
        .isEqualTo(new Values(Level.TIMESTAMPS, 1000, -1, 0));
    assertThat(settings.update(null, change("trace_level", "OFF")).level()).isEqualTo(Level.OFF);
  }

  @Test
  void modelOverride_followsTheGlobalForUnspecifiedFields_andIsDroppedWhenAllAreCleared() {
    Values m = settings.update("m", change("trace_rate", "5"));
    assertThat(m).isEqualTo(new Values(Level.OFF, 5, -1, 0)); // the rest copied from the global
    settings.update(null, change("trace_level", "TIMESTAMPS"));
    assertThat(settings.get("m")).isEqualTo(new Values(Level.TIMESTAMPS, 5, -1, 0));
    assertThat(settings.get("other")).isEqualTo(new Values(Level.TIMESTAMPS, 1000, -1, 0));
    assertThat(settings.get(null).rate()).isEqualTo(1000);
    // clearing the model's only field makes it follow the global again
    assertThat(settings.update("m", clear("trace_rate")))
        .isEqualTo(new Values(Level.TIMESTAMPS, 1000, -1, 0));
    settings.update(null, change("trace_rate", "7"));
    assertThat(settings.get("m").rate()).isEqualTo(7);
  }

  @Test
  void traceFile_isRefusedWhateverItsValue_andNothingChanges() {
    Map<String, @Nullable List<String>> withNull = clear("trace_file");
    withNull.put("trace_rate", List.of("3"));
    for (Map<String, @Nullable List<String>> c :
        List.of(
            withNull,
            change("trace_file", ""),
            change("trace_file", "/etc/passwd"),
            change("trace_file", "../x"))) {
      for (String model : Arrays.asList(null, "m")) {
        assertThatThrownBy(() -> settings.update(model, c))
            .isInstanceOfSatisfying(
                InferenceException.class,
                e ->
                    assertThat(e.error())
                        .isEqualTo(
                            new InferenceError.Unsupported(
                                "trace file location can not be updated through network"
                                    + " protocol")));
      }
    }
    assertThat(settings.get(null)).isEqualTo(new Values(Level.OFF, 1000, -1, 0));
  }

  @Test
  void badValues_areRefusedWithTritonsTexts() {
    assertRefused(change("trace_rate", "abc"), "Unable to parse 'trace_rate', got: abc");
    assertRefused(
        change("trace_rate", "4294967296"),
        "Unable to parse 'trace_rate', value is out of range [ 0, 4294967295 ], got: 4294967296");
    assertRefused(
        change("trace_rate", "-1"),
        "Unable to parse 'trace_rate', value is out of range [ 0, 4294967295 ], got: -1");
    assertRefused(
        change("trace_count", "-2"),
        "Unable to parse 'trace_count'. Expecting value >= -1, got: -2");
    assertRefused(
        change("trace_count", "2147483648"),
        "Unable to parse 'trace_count', value is out of range [ -1, 2147483647 ], got: 2147483648");
    assertRefused(change("log_frequency", "1.5"), "Unable to parse 'log_frequency', got: 1.5");
    assertRefused(change("trace_rate", "1", "2"), "expect only 1 value for 'trace_rate'");
    assertRefused(
        change("trace_level", "OFF", "TIMESTAMPS"),
        "Expect only one trace level 'OFF' is specified");
    assertRefused(
        change("trace_level", "timestamps"),
        "unknown trace level 'timestamps' in 'trace_level': expected OFF or TIMESTAMPS");
    assertThatThrownBy(() -> settings.update(null, change("trace_level", "TENSORS")))
        .hasMessageContaining("'TENSORS' is not supported");
    assertRefused(change("trace_colour", "red"), "unknown trace setting 'trace_colour'");
    assertThat(settings.get(null)).isEqualTo(new Values(Level.OFF, 1000, -1, 0));
  }

  @Test
  void fixedSettings_areIgnoredInUpdates() {
    Map<String, @Nullable List<String>> c = change("trace_mode", "triton");
    c.put("url", List.of("http://evil"));
    c.put("trace_count", List.of("5"));
    assertThat(settings.update(null, c)).isEqualTo(new Values(Level.OFF, 1000, 5, 0));
    assertThat(settings.mode()).isEqualTo("opentelemetry");
    assertThat(settings.exporterSettings()).containsEntry("url", "http://localhost:4318/v1/traces");
  }

  @Test
  void describe_isTritonsOpenTelemetryModeAnswer() {
    settings.update("m", change("trace_level", "TIMESTAMPS"));
    assertThat(settings.describe("m"))
        .containsExactly(
            Map.entry("trace_level", List.of("TIMESTAMPS")),
            Map.entry("trace_rate", List.of("1000")),
            Map.entry("trace_count", List.of("-1")),
            Map.entry("trace_mode", List.of("opentelemetry")),
            Map.entry("url", List.of("http://localhost:4318/v1/traces")),
            Map.entry("bsp_max_queue_size", List.of("2048")));
    assertThat(settings.describe(null).get("trace_level")).containsExactly("OFF");
    TraceSettings triton =
        TraceSettings.create("triton", new Values(Level.TIMESTAMPS, 10, -1, 100), Map.of());
    assertThat(triton.describe(null))
        .containsExactly(
            Map.entry("trace_level", List.of("TIMESTAMPS")),
            Map.entry("trace_rate", List.of("10")),
            Map.entry("trace_count", List.of("-1")),
            Map.entry("log_frequency", List.of("100")),
            Map.entry("trace_file", List.of("")), // the path is never disclosed
            Map.entry("trace_mode", List.of("triton")));
  }

  @Test
  void takeRoot_tracesEveryRateThCall_withinTheCountBudget() {
    settings.update(null, change("trace_rate", "3"));
    settings.update(null, change("trace_count", "2"));
    TraceSettings.Scope s = settings.scope(null);
    StringBuilder taken = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      taken.append(s.takeRoot() ? 'x' : '.');
    }
    assertThat(taken.toString()).isEqualTo("..x..x......");
    assertThat(settings.get(null).count()).isZero();
    // a new budget starts counting again
    settings.update(null, change("trace_count", "-1"));
    TraceSettings.Scope again = settings.scope(null);
    assertThat(List.of(again.takeRoot(), again.takeRoot(), again.takeRoot()))
        .containsExactly(false, false, true);
  }

  @Test
  void rateZero_neverTracesRoots() {
    settings.update(null, change("trace_rate", "0"));
    TraceSettings.Scope s = settings.scope(null);
    for (int i = 0; i < 5; i++) {
      assertThat(s.takeRoot()).isFalse();
    }
  }

  @Test
  void aModelWithoutItsOwnCount_sharesTheGlobalBudget() {
    settings.update(null, change("trace_rate", "1"));
    settings.update(null, change("trace_count", "1"));
    settings.update("m", change("trace_level", "TIMESTAMPS"));
    assertThat(settings.scope("m").isEnabled()).isTrue();
    assertThat(settings.scope(null).isEnabled()).isFalse();
    assertThat(settings.scope("m").takeRoot()).isTrue();
    assertThat(settings.get(null).count()).isZero();
    assertThat(settings.scope("m").takeRoot()).isFalse();
  }

  private void assertRefused(Map<String, @Nullable List<String>> c, String message) {
    assertThatThrownBy(() -> settings.update(null, c))
        .isInstanceOfSatisfying(
            InferenceException.class,
            e -> {
              assertThat(e.error()).isInstanceOf(InferenceError.InvalidInput.class);
              assertThat(e.getMessage()).isEqualTo(message);
            });
  }
}
