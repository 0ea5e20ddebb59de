package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {
  @TempDir Path dir;

  @Test
  void defaults_whenOnlyRepositoryGiven() {
    ServerSettings s = new SettingsLoader(Map.of()).load(List.of("--model-repository", "/models"));
    assertThat(s.modelRepository()).isEqualTo(Path.of("/models"));
    assertThat(s.host()).isEqualTo("127.0.0.1");
    assertThat(s.httpPort()).isEqualTo(8000);
    assertThat(s.serverName()).isEqualTo("caracal");
    assertThat(s.maxRequestBytes()).isEqualTo(64L * 1024 * 1024);
    assertThat(s.maxJsonDepth()).isEqualTo(100);
    assertThat(s.queueCapacity()).isEqualTo(128);
  }

  @Test
  void flagsWinOverEnvironmentWhichWinsOverFile() throws IOException {
    Path file = dir.resolve("caracal.properties");
    Files.writeString(file, "model-repository=/from-file\nhttp-port=1111\nserver-name=file\nqueue-capacity=7\n");
    Map<String, String> env = Map.of("CARACAL_CONFIG", file.toString(), "CARACAL_HTTP_PORT", "2222", "CARACAL_SERVER_NAME", "env");
    ServerSettings s = new SettingsLoader(env).load(List.of("--http-port=0"));
    assertThat(s.modelRepository()).isEqualTo(Path.of("/from-file"));
    assertThat(s.httpPort()).isZero();
    assertThat(s.serverName()).isEqualTo("env");
    assertThat(s.queueCapacity()).isEqualTo(7);
  }

  @Test
  void shutdownTimings_defaultsFlagsEnvironmentAndRange() {
    ServerSettings d = new SettingsLoader(Map.of()).load(List.of("--model-repository", "/m"));
    assertThat(d.drainDelaySecs()).isEqualTo(5);
    assertThat(d.exitTimeoutSecs()).isEqualTo(30);
    ServerSettings s = new SettingsLoader(Map.of("CARACAL_EXIT_TIMEOUT_SECS", "12"))
        .load(List.of("--model-repository", "/m", "--drain-delay-secs", "0"));
    assertThat(s.drainDelaySecs()).isZero();
    assertThat(s.exitTimeoutSecs()).isEqualTo(12);
    assertThat(s.toBuilder().build()).isEqualTo(s);
    assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(List.of("--model-repository", "/m", "--drain-delay-secs", "-1")))
        .hasMessageContaining("drain-delay-secs must be 0..3600, got -1");
    assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(List.of("--model-repository", "/m", "--exit-timeout-secs", "x")))
        .hasMessageContaining("exit-timeout-secs must be a whole number");
  }

  @Test
  void strictReadiness_defaultsTrue_takesTrueOrFalseOnly() {
    assertThat(new SettingsLoader(Map.of()).load(List.of("--model-repository", "/m")).strictReadiness()).isTrue();
    ServerSettings s = new SettingsLoader(Map.of("CARACAL_STRICT_READINESS", "FALSE")).load(List.of("--model-repository", "/m"));
    assertThat(s.strictReadiness()).isFalse();
    assertThat(s.toBuilder().build()).isEqualTo(s);
    assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(List.of("--model-repository", "/m", "--strict-readiness", "yes")))
        .hasMessageContaining("strict-readiness must be true or false, got 'yes'");
  }

  @Test
  void configFlagNamesTheFile() throws IOException {
    Path file = dir.resolve("c.properties");
    Files.writeString(file, "model-repository=/m\nhost=0.0.0.0\n");
    ServerSettings s = new SettingsLoader(Map.of()).load(List.of("--config", file.toString()));
    assertThat(s.host()).isEqualTo("0.0.0.0");
  }

  @Test
  void unknownFlag_isRefusedByName() {
    assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(List.of("--model-repository", "/m", "--htp-port", "1")))
        .hasMessageContaining("unknown flag --htp-port");
  }

  @Test
  void unknownFileKey_isRefusedWithFileAndKey() throws IOException {
    Path file = dir.resolve("bad.properties");
    Files.writeString(file, "model-repository=/m\nhttp_port=1\n");
    assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(List.of("--config", file.toString())))
        .hasMessageContaining("bad.properties")
        .hasMessageContaining("http_port");
  }

  @Test
  void badValues_nameTheKeyAndValue() {
    assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(List.of("--model-repository", "/m", "--http-port", "eighty")))
        .hasMessage("http-port must be a whole number, got 'eighty'");
    assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(List.of("--model-repository", "/m", "--http-port", "70000")))
        .hasMessage("http-port must be 0..65535, got 70000");
    assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(List.of("--model-repository", "/m", "--http-port")))
        .hasMessage("flag --http-port needs a value");
  }

  @Test
  void missingRepository_saysHowToGiveIt() {
    assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(List.of()))
        .hasMessageContaining("--model-repository DIR");
  }

  @Test
  void help_listsEveryKey() {
    String help = SettingsLoader.help();
    for (SettingKey k : SettingKey.values()) {
      assertThat(help).contains("--" + k.key());
    }
  }
}
