package io.caracal.backend.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.backend.BackendOptions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SessionSettingsTest {

  @Test
  void defaults_areOnnxRuntimesForOneInstance() throws Exception {
    assertThat(SessionSettings.of(BackendOptions.ofDefault(), Map.of(), 1, 8))
        .isEqualTo(new SessionSettings(0, 0, false, true, Optional.empty()));
  }

  @Test
  void severalInstances_shareTheCores_unlessAThreadCountIsSet() throws Exception {
    assertThat(SessionSettings.of(BackendOptions.ofDefault(), Map.of(), 2, 8).intraOpThreads())
        .isEqualTo(4);
    assertThat(SessionSettings.of(BackendOptions.ofDefault(), Map.of(), 2, 2).intraOpThreads())
        .isEqualTo(1);
    assertThat(SessionSettings.of(BackendOptions.ofDefault(), Map.of(), 3, 2).intraOpThreads())
        .isEqualTo(1);
    // the server flag wins over the division, the model parameter over both
    assertThat(SessionSettings.of(new BackendOptions(3, 0), Map.of(), 2, 8).intraOpThreads())
        .isEqualTo(3);
    assertThat(
            SessionSettings.of(new BackendOptions(3, 0), Map.of("intra_op_thread_count", "0"), 2, 8)
                .intraOpThreads())
        .isZero();
  }

  @Test
  void modelParametersOverrideTheServerOptions() throws Exception {
    SessionSettings s =
        SessionSettings.of(
            new BackendOptions(4, 2),
            Map.of(
                "intra_op_thread_count",
                "1",
                "inter_op_thread_count",
                "3",
                "execution_mode",
                "1",
                "enable_mem_arena",
                "0",
                "allow_spinning",
                "false"),
            1,
            8);
    assertThat(s).isEqualTo(new SessionSettings(1, 3, true, false, Optional.of(false)));
  }
}
