package io.caracal.metrics;

import static io.caracal.testing.metrics.ExpositionParser.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.BatchExecution;
import io.caracal.core.cache.CachingInferenceService;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.observe.CallRecord.Protocol;
import io.caracal.testing.metrics.ExpositionParser;
import io.caracal.testing.metrics.ExpositionParser.Family;
import io.caracal.testing.metrics.ExpositionParser.Sample;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The families of a server view and of the calls the listener saw, in each format. */
class PrometheusMetricsTest {
  final FakeView view = new FakeView().serve("m", 1, true).serve("plain", 3, false);

  PrometheusMetrics metrics(MetricsConfig config) {
    return new PrometheusMetrics(view, config, false);
  }

  static String render(PrometheusMetrics metrics, ExpositionFormat format) {
    return new String(
        new Exposition(metrics.registry()).render(format, false).bytes(), StandardCharsets.UTF_8);
  }

  static Map<String, Family> text(PrometheusMetrics metrics) {
    return ExpositionParser.parsePrometheusText(render(metrics, ExpositionFormat.PROMETHEUS_TEXT));
  }

  @Test
  void theAccessLogsLinesAreCountedByOutcome_readAtEachScrape() {
    PrometheusMetrics metrics = metrics(MetricsConfig.DEFAULTS);
    long[] counts = {7, 0};
    metrics.accessLog(() -> counts[0], () -> counts[1]);
    Map<String, Family> f = text(metrics);
    assertThat(value(f, "caracal_access_log_lines_total", "outcome=written")).isEqualTo(7);
    assertThat(value(f, "caracal_access_log_lines_total", "outcome=dropped")).isZero();
    counts[0] = 9;
    counts[1] = 2;
    f = text(metrics);
    assertThat(value(f, "caracal_access_log_lines_total", "outcome=written")).isEqualTo(9);
    assertThat(value(f, "caracal_access_log_lines_total", "outcome=dropped")).isEqualTo(2);
  }

  @Test
  void tritonFamilies_equalTheStatistics_untypedWithTritonsNames() {
    Map<String, Family> f = text(metrics(MetricsConfig.DEFAULTS));
    String m = "model=m,version=1";
    assertThat(value(f, "nv_inference_request_success", m)).isEqualTo(30);
    assertThat(value(f, "nv_inference_count", m)).isEqualTo(40);
    assertThat(value(f, "nv_inference_exec_count", m)).isEqualTo(10);
    assertThat(value(f, "nv_inference_request_duration_us", m)).isEqualTo(30000);
    assertThat(value(f, "nv_inference_queue_duration_us", m)).isEqualTo(2500);
    assertThat(value(f, "nv_inference_compute_input_duration_us", m)).isEqualTo(1000);
    assertThat(value(f, "nv_inference_compute_infer_duration_us", m)).isEqualTo(20000);
    assertThat(value(f, "nv_inference_compute_output_duration_us", m)).isEqualTo(500);
    assertThat(value(f, "nv_inference_pending_request_count", m)).isEqualTo(6);
    assertThat(value(f, "nv_model_load_duration_secs", m)).isEqualTo(1.5);
    assertThat(value(f, "nv_cache_num_hits_per_model", m)).isEqualTo(5);
    assertThat(value(f, "nv_cache_num_misses_per_model", m)).isEqualTo(6);
    assertThat(value(f, "nv_cache_hit_duration_per_model", m)).isEqualTo(50);
    assertThat(value(f, "nv_cache_miss_duration_per_model", m)).isEqualTo(60);
    // fail 9 = REJECTED (4 queue full + 1 timeout) + BACKEND 4; cancellations apart
    assertThat(value(f, "nv_inference_request_failure", "model=m,version=1,reason=REJECTED"))
        .isEqualTo(5);
    assertThat(value(f, "nv_inference_request_failure", "model=m,version=1,reason=BACKEND"))
        .isEqualTo(4);
    assertThat(value(f, "nv_inference_request_failure", "model=m,version=1,reason=CANCELED"))
        .isEqualTo(2);
    assertThat(value(f, "nv_inference_request_failure", "model=m,version=1,reason=OTHER")).isZero();
    for (String name : f.keySet()) {
      if (name.startsWith("nv_inference_") && !name.equals("nv_inference_pending_request_count")) {
        assertThat(f.get(name).type()).as(name).isEqualTo("untyped");
      }
    }
    // the cache families only for the model with the cache on
    assertThat(f.get("nv_cache_num_hits_per_model").samples()).hasSize(1);
    assertThat(f.get("nv_inference_request_success").samples()).hasSize(2);
    assertThat(f)
        .containsKeys(
            "nv_cpu_utilization", "nv_cpu_memory_total_bytes", "nv_cpu_memory_used_bytes");
  }

  @Test
  void counterLatenciesFalse_omitsOnlyTheLatencyCounters() {
    Map<String, Family> f = text(metrics(MetricsConfig.parse(List.of("counter_latencies=false"))));
    assertThat(f)
        .doesNotContainKeys(
            "nv_inference_request_duration_us",
            "nv_inference_queue_duration_us",
            "nv_inference_compute_input_duration_us",
            "nv_inference_compute_infer_duration_us",
            "nv_inference_compute_output_duration_us",
            "nv_cache_hit_duration_per_model",
            "nv_cache_miss_duration_per_model");
    assertThat(value(f, "nv_inference_request_success", "model=m,version=1")).isEqualTo(30);
    assertThat(value(f, "nv_inference_count", "model=m,version=1")).isEqualTo(40);
    assertThat(value(f, "nv_cache_num_hits_per_model", "model=m,version=1")).isEqualTo(5);
  }

  @Test
  void caracalScrapeFamilies_fromTheRunners() {
    view.cache = Optional.of(new CachingInferenceService.Usage(1000, 4096, 3, 2));
    Map<String, Family> f = text(metrics(MetricsConfig.DEFAULTS));
    assertThat(value(f, "caracal_batches_total", "model=m,version=1,close_reason=full"))
        .isEqualTo(3);
    assertThat(value(f, "caracal_batches_total", "model=m,version=1,close_reason=preferred"))
        .isZero();
    assertThat(value(f, "caracal_queue_depth", "model=m,version=1,priority=1")).isEqualTo(5);
    assertThat(value(f, "caracal_queue_depth", "model=m,version=1,priority=2")).isEqualTo(1);
    assertThat(value(f, "caracal_inflight_requests", "model=m,version=1")).isEqualTo(7);
    assertThat(value(f, "caracal_instances", "model=m,version=1")).isEqualTo(2);
    assertThat(value(f, "caracal_model_artifact_bytes", "model=m,version=1")).isEqualTo(4096);
    assertThat(value(f, "caracal_instance_failures_total", "model=m,version=1")).isEqualTo(1);
    assertThat(value(f, "caracal_model_loads_total", "model=m")).isEqualTo(1);
    assertThat(value(f, "caracal_response_cache_bytes", "")).isEqualTo(1000);
    assertThat(value(f, "caracal_response_cache_max_bytes", "")).isEqualTo(4096);
    assertThat(value(f, "caracal_response_cache_entries", "")).isEqualTo(3);
    assertThat(value(f, "caracal_response_cache_evictions_total", "")).isEqualTo(2);
  }

  @Test
  void listener_recordsDurationsOutcomesAndOnceperBatch() {
    PrometheusMetrics metrics = metrics(MetricsConfig.DEFAULTS);
    metrics.listener().finished(Calls.ok(Protocol.HTTP, "m", 1));
    metrics.listener().finished(Calls.ok(Protocol.GRPC, "m", 1));
    metrics.listener().finished(Calls.hit("m", 1));
    metrics.listener().finished(Calls.failed("m", 1, "InvalidInput"));
    metrics.listener().finished(Calls.failed("m", 1, "QueueFull"));
    // two requests in one batch: compute, batch size and busy time once
    CallRecord a = Calls.started(Protocol.HTTP);
    CallRecord b = Calls.started(Protocol.HTTP);
    for (CallRecord c : List.of(a, b)) {
      c.resolved("m", 1);
      c.dequeued(c.startNanos(), c.startNanos() + 1_000_000);
    }
    BatchExecution batch =
        new BatchExecution(
            "m",
            1,
            2,
            "full",
            0,
            List.of(a, b),
            2_000_000_000L,
            2_001_000_000L,
            2_004_000_000L,
            2_005_000_000L);
    a.executed(batch);
    b.executed(batch);
    a.answered(200, "OK", null, 1, a.startNanos() + 6_000_000);
    b.answered(200, "OK", null, 1, b.startNanos() + 6_000_000);
    metrics.listener().finished(a);
    metrics.listener().finished(b);

    Map<String, Family> f = text(metrics);
    String httpOk = "model=m,version=1,protocol=http,outcome=ok";
    assertThat(value(f, "caracal_request_duration_seconds_count", httpOk)).isEqualTo(3);
    assertThat(
            value(
                f,
                "caracal_request_duration_seconds_count",
                "model=m,version=1,protocol=grpc,outcome=ok"))
        .isEqualTo(1);
    assertThat(
            value(
                f,
                "caracal_request_duration_seconds_count",
                "model=m,version=1,protocol=http,outcome=cache_hit"))
        .isEqualTo(1);
    assertThat(
            value(
                f,
                "caracal_request_duration_seconds_count",
                "model=m,version=1,protocol=http,outcome=error"))
        .isEqualTo(2);
    assertThat(value(f, "caracal_queue_duration_seconds_count", "model=m,version=1")).isEqualTo(4);
    assertThat(value(f, "caracal_queue_duration_seconds_sum", "model=m,version=1"))
        .isCloseTo(0.006, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(value(f, "caracal_compute_duration_seconds_count", "model=m,version=1,phase=infer"))
        .isEqualTo(3);
    assertThat(value(f, "caracal_batch_size_count", "model=m,version=1")).isEqualTo(3);
    assertThat(value(f, "caracal_batch_size_sum", "model=m,version=1")).isEqualTo(4);
    assertThat(value(f, "caracal_instance_busy_seconds_total", "model=m,version=1"))
        .isCloseTo(0.015, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(value(f, "caracal_requests_rejected_total", "model=m,version=1,reason=invalid"))
        .isEqualTo(1);
    assertThat(value(f, "caracal_requests_rejected_total", "model=m,version=1,reason=queue_full"))
        .isEqualTo(1);
    assertThat(value(f, "caracal_response_cache_requests_total", "model=m,version=1,result=hit"))
        .isEqualTo(1);
    assertThat(value(f, "caracal_response_cache_lookup_duration_seconds_sum", "model=m,version=1"))
        .isCloseTo(0.00002, org.assertj.core.data.Offset.offset(1e-12));
    // the invalid request never reached the scheduler: Triton's OTHER
    assertThat(value(f, "nv_inference_request_failure", "model=m,version=1,reason=OTHER"))
        .isEqualTo(1);
  }

  @Test
  void unknownModels_addNoSeries() {
    PrometheusMetrics metrics = metrics(MetricsConfig.DEFAULTS);
    metrics.listener().finished(Calls.ok(Protocol.HTTP, "m", 1));
    int before = seriesCount(render(metrics, ExpositionFormat.PROMETHEUS_TEXT));
    Random random = new Random(42);
    for (int i = 0; i < 1000; i++) {
      metrics.listener().finished(Calls.unknown("nope-" + random.nextInt()));
    }
    // a version that does not serve (any more) brings no series either
    metrics.listener().finished(Calls.ok(Protocol.HTTP, "m", 99));
    String after = render(metrics, ExpositionFormat.PROMETHEUS_TEXT);
    assertThat(seriesCount(after)).isEqualTo(before);
    assertThat(after).doesNotContain("nope-").doesNotContain("version=\"99\"");
  }

  static int seriesCount(String text) {
    return (int)
        text.lines()
            .filter(l -> !l.startsWith("#") && !l.startsWith("jvm_") && !l.startsWith("nv_cpu"))
            .count();
  }

  @Test
  void unload_removesTheVersionsSeries() {
    PrometheusMetrics metrics =
        metrics(MetricsConfig.parse(List.of("summary_latencies=true", "histogram_latencies=true")));
    metrics.listener().finished(Calls.ok(Protocol.HTTP, "m", 1));
    metrics.listener().finished(Calls.ok(Protocol.HTTP, "plain", 3));
    assertThat(render(metrics, ExpositionFormat.PROMETHEUS_TEXT)).contains("model=\"m\"");
    view.unload("m");
    metrics.changes().accept("m");
    String after = render(metrics, ExpositionFormat.PROMETHEUS_TEXT);
    Map<String, Family> f = ExpositionParser.parsePrometheusText(after);
    assertThat(value(f, "caracal_model_unloads_total", "model=m")).isEqualTo(1);
    assertThat(
            after.lines().filter(l -> l.contains("model=\"m\"") && !l.startsWith("caracal_model_")))
        .isEmpty();
    assertThat(after).contains("model=\"plain\"");
  }

  @Test
  void reload_countsALoad_andKeepsTheServingVersionsSeries() {
    PrometheusMetrics metrics = metrics(MetricsConfig.DEFAULTS);
    metrics.listener().finished(Calls.ok(Protocol.HTTP, "m", 1));
    metrics.changes().accept("m"); // a reload: version 1 still serves
    Map<String, Family> f = text(metrics);
    assertThat(value(f, "caracal_model_loads_total", "model=m")).isEqualTo(2);
    assertThat(
            value(
                f,
                "caracal_request_duration_seconds_count",
                "model=m,version=1,protocol=http,outcome=ok"))
        .isEqualTo(1);
  }

  @Test
  void exemplars_onlyForSampledCalls_inOpenMetricsAndProtobuf() throws IOException {
    PrometheusMetrics metrics = metrics(MetricsConfig.DEFAULTS);
    CallRecord sampled = Calls.ok(Protocol.HTTP, "m", 1);
    sampled.traced("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true, null);
    metrics.listener().finished(sampled);
    CallRecord unsampled = Calls.ok(Protocol.GRPC, "m", 1);
    unsampled.traced("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", false, null);
    metrics.listener().finished(unsampled);

    String om = render(metrics, ExpositionFormat.OPENMETRICS);
    Map<String, Family> f = ExpositionParser.parseOpenMetrics(om);
    List<Sample> exemplars =
        f.values().stream()
            .flatMap(x -> x.samples().stream())
            .filter(s -> s.exemplar() != null)
            .toList();
    assertThat(exemplars).isNotEmpty();
    assertThat(exemplars)
        .allMatch(s ->
            s.exemplar()
                .labels()
                .equals(
                    Map.of(
                        "trace_id",
                        "4bf92f3577b34da6a3ce929d0e0e4736",
                        "span_id",
                        "00f067aa0ba902b7")))
        .allMatch(s ->
            s.name().startsWith("caracal_request_duration")
                || s.name().startsWith("caracal_queue_duration"));
    assertThat(om).doesNotContain("0af7651916cd43dd8448eb211c80319c");
    assertThat(om).endsWith("# EOF\n");
    assertThat(f.get("caracal_request_duration_seconds").unit()).isEqualTo("seconds");
    assertThat(render(metrics, ExpositionFormat.PROMETHEUS_TEXT)).doesNotContain("trace_id");

    Map<String, Metrics.MetricFamily> proto = protobuf(metrics);
    Metrics.Histogram h =
        proto.get("caracal_request_duration_seconds").getMetricList().stream()
            .filter(x -> x.getLabelList().stream().anyMatch(l -> l.getValue().equals("http")))
            .findFirst()
            .orElseThrow()
            .getHistogram();
    assertThat(h.getSchema()).isEqualTo(StripedHistogram.NATIVE_SCHEMA); // native histogram
    assertThat(h.getPositiveSpanCount()).isPositive();
    assertThat(h.getBucketList()).isNotEmpty(); // and classic buckets
    assertThat(
            h.getBucketList().stream()
                .filter(Metrics.Bucket::hasExemplar)
                .map(x ->
                    x.getExemplar().getLabelList().stream()
                        .filter(l -> l.getName().equals("trace_id"))
                        .findFirst()
                        .orElseThrow()
                        .getValue()))
        .containsOnly("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(proto.get("nv_inference_request_success").getType())
        .isEqualTo(Metrics.MetricType.UNTYPED);
  }

  static Map<String, Metrics.MetricFamily> protobuf(PrometheusMetrics metrics) throws IOException {
    byte[] bytes =
        new Exposition(metrics.registry()).render(ExpositionFormat.PROTOBUF, false).bytes();
    ByteArrayInputStream in = new ByteArrayInputStream(bytes);
    Map<String, Metrics.MetricFamily> out = new HashMap<>();
    Metrics.MetricFamily f;
    while ((f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
      assertThat(out.put(f.getName(), f)).as("family %s twice", f.getName()).isNull();
    }
    return out;
  }

  @Test
  void tritonOptionalLatencies_addSummariesAndHistograms() {
    PrometheusMetrics metrics =
        metrics(
            MetricsConfig.parse(
                List.of(
                    "summary_latencies=true",
                    "histogram_latencies=true",
                    "summary_quantiles=0.5:0.05,0.99:0.001")));
    metrics.listener().finished(Calls.ok(Protocol.HTTP, "m", 1));
    Map<String, Family> f = text(metrics);
    assertThat(f.get("nv_inference_request_summary_us").type()).isEqualTo("summary");
    assertThat(f.get("nv_inference_request_summary_us").samples())
        .filteredOn(s -> s.labels().containsKey("quantile"))
        .extracting(s -> s.labels().get("quantile"))
        .containsExactlyInAnyOrder("0.5", "0.99");
    assertThat(value(f, "nv_inference_request_summary_us_count", "model=m,version=1")).isEqualTo(1);
    assertThat(value(f, "nv_inference_compute_infer_summary_us_sum", "model=m,version=1"))
        .isEqualTo(3000);
    assertThat(
            value(
                f,
                "nv_inference_queue_duration_histogram_us_bucket",
                "model=m,version=1,le=5000.0"))
        .isEqualTo(1);
    assertThat(value(f, "nv_inference_request_duration_histogram_us_count", "model=m,version=1"))
        .isEqualTo(1);
    assertThat(value(f, "nv_inference_first_response_histogram_ms_sum", "model=m,version=1"))
        .isEqualTo(10);
    assertThat(f)
        .containsKeys(
            "nv_inference_compute_input_duration_histogram_us",
            "nv_inference_compute_infer_duration_histogram_us",
            "nv_inference_compute_output_duration_histogram_us");
  }
}
