package io.caracal.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.trace.TraceSettings;
import io.caracal.core.trace.TraceSettings.Level;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TracingListenerTest {
  private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";
  private static final String INFER = "/v2/models/{model}/infer";
  private static final Instant T0 = Instant.parse("2026-12-03T07:00:00Z");
  private static final long N0 = 1_000_000_000L;

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider provider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  private final AtomicLong clock = new AtomicLong(N0);
  private final TraceSettings settings =
      TraceSettings.create(new TraceSettings.Values(Level.TIMESTAMPS, 1, -1, 0), Map.of());
  private final TracingListener listener =
      new TracingListener(
          () -> provider.get("test"), settings, new TraceSampler(100, clock::get), clock::get);

  @AfterEach
  void close() {
    provider.close();
  }

  private static CallRecord http(String route, Map<String, String> propagation) {
    return new CallRecord(
        CallRecord.Protocol.HTTP, "POST", route, "req-1", N0, T0, "10.0.0.7", "curl", propagation);
  }

  private static Map<String, String> traceparent(String flags) {
    return Map.of("traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-" + flags);
  }

  private static Instant at(long nanos) {
    return T0.plusNanos(nanos - N0);
  }

  @Test
  void aSampledCall_hasAServerSpanUnderTheClientsSpan_withQueueAndComputeChildren() {
    CallRecord call = http(INFER, traceparent("01"));
    listener.started(call);
    assertThat(call.sampled()).isTrue();
    assertThat(call.traceId()).isEqualTo(CLIENT_TRACE);
    assertThat(exporter.getFinishedSpanItems()).isEmpty(); // nothing ends before the answer

    call.requested("simple", "");
    call.resolved("simple", 3);
    call.dequeued(N0 + 100, N0 + 400);
    BatchExecution batch =
        new BatchExecution(
            "simple", 3, 1, "full", 0, List.of(call), N0 + 500, N0 + 600, N0 + 900, N0 + 950);
    call.executed(batch);
    call.cache(RequestObserver.CacheOutcome.MISS, 10);
    call.answered(200, "OK", null, 42, N0 + 1_000);
    listener.finished(call);

    SpanData server = span("POST " + INFER);
    assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(server.getTraceId()).isEqualTo(CLIENT_TRACE);
    assertThat(server.getParentSpanId()).isEqualTo(CLIENT_SPAN);
    assertThat(server.getSpanId()).isEqualTo(call.spanId());
    assertThat(server.getStartEpochNanos()).isEqualTo(nanos(T0));
    assertThat(server.getEndEpochNanos()).isEqualTo(nanos(at(N0 + 1_000)));
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(server.getAttributes().asMap())
        .containsEntry(TracingListener.HTTP_METHOD, "POST")
        .containsEntry(TracingListener.HTTP_ROUTE, INFER)
        .containsEntry(TracingListener.HTTP_STATUS, 200L)
        .containsEntry(TracingListener.REQUEST_ID, "req-1")
        .containsEntry(TracingListener.MODEL, "simple")
        .containsEntry(TracingListener.VERSION, "3")
        .containsEntry(TracingListener.CACHE, "miss")
        .doesNotContainKey(TracingListener.ERROR_TYPE);
    assertThat(server.getEvents())
        .extracting(EventData::getName)
        .containsExactly("REQUEST_START", "REQUEST_END");

    SpanData queue = span("queue");
    assertThat(queue.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(queue.getStartEpochNanos()).isEqualTo(nanos(at(N0 + 100)));
    assertThat(queue.getEndEpochNanos()).isEqualTo(nanos(at(N0 + 400)));
    assertThat(queue.getEvents()).extracting(EventData::getName).containsExactly("QUEUE_START");

    SpanData compute = span("compute");
    assertThat(compute.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(compute.getStartEpochNanos()).isEqualTo(nanos(at(N0 + 500)));
    assertThat(compute.getEndEpochNanos()).isEqualTo(nanos(at(N0 + 950)));
    assertThat(compute.getEvents())
        .extracting(EventData::getName, EventData::getEpochNanos)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("COMPUTE_START", nanos(at(N0 + 500))),
            org.assertj.core.groups.Tuple.tuple("COMPUTE_INPUT_END", nanos(at(N0 + 600))),
            org.assertj.core.groups.Tuple.tuple("COMPUTE_OUTPUT_START", nanos(at(N0 + 900))),
            org.assertj.core.groups.Tuple.tuple("COMPUTE_END", nanos(at(N0 + 950))));
    assertThat(span("batch").getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(exporter.getFinishedSpanItems()).hasSize(4);
  }

  @Test
  void aBatch_getsOneSpan_linkedToEveryMember_underItsFirstSampledMember() {
    CallRecord unsampled = http(INFER, traceparent("00"));
    CallRecord a = http(INFER, Map.of());
    CallRecord b = http(INFER, traceparent("01"));
    for (CallRecord c : List.of(unsampled, a, b)) {
      listener.started(c);
    }
    assertThat(unsampled.sampled()).isFalse();
    assertThat(unsampled.traceId()).isEqualTo(CLIENT_TRACE);
    assertThat(unsampled.traceState()).isNull(); // no span object for an unsampled call
    BatchExecution batch =
        new BatchExecution(
            "simple",
            1,
            3,
            "delay_expired",
            1,
            List.of(unsampled, RequestObserver.NONE, a, b),
            N0 + 10,
            N0 + 20,
            N0 + 30,
            N0 + 40);
    // members finish in any order; the batch span comes with a (first sampled in batch order)
    for (CallRecord c : List.of(b, unsampled, a)) {
      c.dequeued(N0 + 1, N0 + 10);
      c.executed(batch);
      c.answered(200, "OK", null, 1, N0 + 50);
      listener.finished(c);
    }
    List<SpanData> batches =
        exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals("batch")).toList();
    assertThat(batches).hasSize(1);
    SpanData span = batches.get(0);
    assertThat(span.getParentSpanId()).isEqualTo(a.spanId());
    assertThat(span.getLinks())
        .extracting(l -> l.getSpanContext().getSpanId())
        .containsExactly(unsampled.spanId(), a.spanId(), b.spanId());
    assertThat(span.getLinks())
        .extracting(LinkData::getSpanContext)
        .extracting(c -> c.isSampled())
        .containsExactly(false, true, true);
    assertThat(span.getAttributes().asMap())
        .containsEntry(TracingListener.BATCH_SIZE, 3L)
        .containsEntry(TracingListener.BATCH_CLOSE, "delay_expired")
        .containsEntry(TracingListener.INSTANCE, 1L);
    // two sampled calls: server + queue + compute each, plus the batch
    assertThat(exporter.getFinishedSpanItems()).hasSize(7);
  }

  @Test
  void serverErrors_setErrorType_butClientErrorsLeaveTheStatusUnset() {
    CallRecord bad = http(INFER, Map.of());
    listener.started(bad);
    bad.answered(400, "Bad Request", "InvalidInput", 10, N0 + 5);
    listener.finished(bad);
    CallRecord failed = http(INFER, Map.of());
    listener.started(failed);
    failed.answered(500, "Internal Server Error", "BackendFailure", 10, N0 + 5);
    listener.finished(failed);
    CallRecord grpc =
        new CallRecord(
            CallRecord.Protocol.GRPC,
            "ModelInfer",
            "inference.GRPCInferenceService/ModelInfer",
            "req-2",
            N0,
            T0,
            null,
            null,
            Map.of());
    listener.started(grpc);
    grpc.answered(14, "UNAVAILABLE", "QueueFull", 0, N0 + 5);
    listener.finished(grpc);

    List<SpanData> spans = exporter.getFinishedSpanItems();
    assertThat(spans).hasSize(3);
    assertThat(spans.get(0).getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(spans.get(0).getAttributes().get(TracingListener.ERROR_TYPE)).isNull();
    assertThat(spans.get(1).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(spans.get(1).getAttributes().get(TracingListener.ERROR_TYPE))
        .isEqualTo("BackendFailure");
    SpanData g = spans.get(2);
    assertThat(g.getName()).isEqualTo("inference.GRPCInferenceService/ModelInfer");
    assertThat(g.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(g.getAttributes().asMap())
        .containsEntry(TracingListener.RPC_SYSTEM, "grpc")
        .containsEntry(TracingListener.RPC_SERVICE, "inference.GRPCInferenceService")
        .containsEntry(TracingListener.RPC_METHOD, "ModelInfer")
        .containsEntry(TracingListener.RPC_STATUS, 14L)
        .containsEntry(TracingListener.ERROR_TYPE, "QueueFull");
  }

  @Test
  void offOrNotInference_recordsNothing_andSetsNoIds() {
    CallRecord health = http("/v2/health/ready", traceparent("01"));
    listener.started(health);
    assertThat(health.traceId()).isNull();
    settings.update(null, Map.of("trace_level", List.of("OFF")));
    CallRecord infer = http(INFER, traceparent("01"));
    listener.started(infer);
    assertThat(infer.traceId()).isNull();
    infer.answered(200, "OK", null, 1, N0 + 1);
    listener.finished(infer);
    assertThat(exporter.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void aModelsSettings_applyWhenTheTransportKnowsTheModelAtStart() {
    settings.update(null, Map.of("trace_level", List.of("OFF")));
    settings.update("traced", Map.of("trace_level", List.of("TIMESTAMPS")));
    CallRecord other = http(INFER, Map.of());
    other.requested("other", "");
    listener.started(other);
    CallRecord traced = http(INFER, Map.of());
    traced.requested("traced", "");
    listener.started(traced);
    assertThat(other.sampled()).isFalse();
    assertThat(traced.sampled()).isTrue();
  }

  @Test
  void aCacheHit_hasNoQueueOrComputeSpan() {
    CallRecord hit = http(INFER, Map.of());
    listener.started(hit);
    hit.resolved("simple", 1);
    hit.cache(RequestObserver.CacheOutcome.HIT, 5);
    hit.answered(200, "OK", null, 1, N0 + 7);
    listener.finished(hit);
    assertThat(exporter.getFinishedSpanItems())
        .extracting(SpanData::getName)
        .containsExactly("POST " + INFER);
    assertThat(span("POST " + INFER).getAttributes().get(TracingListener.CACHE)).isEqualTo("hit");
  }

  private SpanData span(String name) {
    return exporter.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name));
  }

  private static long nanos(Instant t) {
    return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
  }
}
