package io.caracal.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.core.trace.TraceSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceConfigTest {
  @Test
  void defaults_areTritonsAndOtlpHttp() {
    TraceConfig c = TraceConfig.ofDefault(Map.of());
    assertThat(c.initial()).isEqualTo(TraceSettings.Values.DEFAULTS);
    assertThat(c.protocol()).isEqualTo("http/protobuf");
    assertThat(c.endpoint()).isEqualTo("http://localhost:4318/v1/traces");
    assertThat(c.resource()).containsEntry("service.name", "caracal");
    assertThat(c.maxQueueSize()).isEqualTo(2048);
    assertThat(c.scheduleDelay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.maxExportBatchSize()).isEqualTo(512);
    assertThat(c.forcedPerSecond()).isEqualTo(100);
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.compression()).isEqualTo("none");
  }

  @Test
  void tritonSpelling_isRead_overTheEnvironment() {
    TraceConfig c =
        TraceConfig.parse(
            List.of(
                "level=TIMESTAMPS",
                "rate=10",
                "count=100",
                "mode=opentelemetry",
                "forced_per_second=7",
                "opentelemetry,url=http://collector:4318/v1/traces",
                "opentelemetry,resource=deployment.environment=prod",
                "opentelemetry,resource=service.name=ranker",
                "opentelemetry,bsp_max_queue_size=100",
                "opentelemetry,bsp_schedule_delay=50",
                "opentelemetry,bsp_max_export_batch_size=10"),
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4318",
                "OTEL_SERVICE_NAME", "from-env",
                "OTEL_BSP_MAX_QUEUE_SIZE", "5"));
    assertThat(c.initial())
        .isEqualTo(new TraceSettings.Values(TraceSettings.Level.TIMESTAMPS, 10, 100, 0));
    assertThat(c.forcedPerSecond()).isEqualTo(7);
    assertThat(c.endpoint()).isEqualTo("http://collector:4318/v1/traces");
    assertThat(c.resource())
        .containsEntry("service.name", "ranker")
        .containsEntry("deployment.environment", "prod");
    assertThat(c.exporterSettings())
        .containsExactly(
            Map.entry("url", "http://collector:4318/v1/traces"),
            Map.entry("resource", "service.name=ranker,deployment.environment=prod"),
            Map.entry("bsp_max_queue_size", "100"),
            Map.entry("bsp_schedule_delay", "50"),
            Map.entry("bsp_max_export_batch_size", "10"));
  }

  @Test
  void environment_choosesProtocolEndpointHeadersAndResource() {
    TraceConfig grpc =
        TraceConfig.ofDefault(
            Map.of(
                "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc",
                "OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20x,tenant=a",
                "OTEL_RESOURCE_ATTRIBUTES", "service.name=svc,team=ml"));
    assertThat(grpc.protocol()).isEqualTo("grpc");
    assertThat(grpc.endpoint()).isEqualTo("http://localhost:4317");
    assertThat(grpc.headers())
        .containsEntry("authorization", "Bearer x")
        .containsEntry("tenant", "a");
    assertThat(grpc.resource()).containsEntry("service.name", "svc").containsEntry("team", "ml");
    assertThat(grpc.exporterSettings()).doesNotContainKey("headers");
    TraceConfig tuned =
        TraceConfig.ofDefault(
            Map.of(
                "OTEL_EXPORTER_OTLP_TIMEOUT", "2500",
                "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"));
    assertThat(tuned.timeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(tuned.compression()).isEqualTo("gzip");
    TraceConfig cli =
        TraceConfig.parse(
            List.of("opentelemetry,protocol=grpc", "opentelemetry,compression=gzip"),
            Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317"));
    assertThat(cli.protocol()).isEqualTo("grpc");
    assertThat(cli.endpoint()).isEqualTo("http://c:4317");
    assertThat(cli.compression()).isEqualTo("gzip");
    assertThat(
            TraceConfig.ofDefault(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/"))
                .endpoint())
        .isEqualTo("http://c:4318/v1/traces");
    assertThat(
            TraceConfig.ofDefault(
                    Map.of(
                        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:9/x",
                        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://ignored"))
                .endpoint())
        .isEqualTo("http://c:9/x");
  }

  @Test
  void tritonMode_writesToTheFileNamedAtStart(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    TraceConfig c =
        TraceConfig.parse(
            List.of(
                "mode=triton",
                "triton,file=" + dir.resolve("trace.json"),
                "triton,log-frequency=50",
                "level=TIMESTAMPS"),
            Map.of());
    assertThat(c.mode()).isEqualTo("triton");
    assertThat(c.file()).isEqualTo(dir.resolve("trace.json"));
    assertThat(c.initial().logFrequency()).isEqualTo(50);
    assertThat(c.exporterSettings()).isEmpty();
  }

  @Test
  void refused_withTheEntryInTheMessage() {
    for (String bad :
        List.of(
            "mode=triton",
            "triton,file=/tmp/trace.json",
            "level=TENSORS",
            "level=LOUD",
            "rate=-1",
            "count=-2",
            "rate=ten",
            "opentelemetry,url=ftp://x",
            "opentelemetry,bsp_max_export_batch_size=4096",
            "opentelemetry,colour=red",
            "jaeger,url=http://x",
            "rate")) {
      assertThatThrownBy(() -> TraceConfig.parse(List.of(bad), Map.of()))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> TraceConfig.parse(List.of("triton,file=/tmp/t.json"), Map.of()))
        .hasMessageContaining("needs mode=triton");
    assertThatThrownBy(() -> TraceConfig.parse(List.of("mode=triton"), Map.of()))
        .hasMessageContaining("needs the trace file");
    assertThatThrownBy(() ->
            TraceConfig.parse(List.of("mode=triton", "triton,file=/no/such/dir/t.json"), Map.of()))
        .hasMessageContaining("directory does not exist");
    assertThatThrownBy(
            () -> TraceConfig.ofDefault(Map.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")))
        .hasMessageContaining("http/protobuf or grpc");
    assertThatThrownBy(
            () -> TraceConfig.ofDefault(Map.of("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")))
        .hasMessageContaining("gzip or none");
  }
}
