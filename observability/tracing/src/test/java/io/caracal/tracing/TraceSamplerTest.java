package io.caracal.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.core.trace.TraceSettings;
import io.caracal.core.trace.TraceSettings.Level;
import io.caracal.tracing.TraceSampler.Decision;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TraceSamplerTest {
  private static final SpanContext SAMPLED_PARENT =
      SpanContext.createFromRemoteParent(
          "4bf92f3577b34da6a3ce929d0e0e4736",
          "00f067aa0ba902b7",
          TraceFlags.getSampled(),
          TraceState.getDefault());
  private static final SpanContext UNSAMPLED_PARENT =
      SpanContext.createFromRemoteParent(
          "4bf92f3577b34da6a3ce929d0e0e4736",
          "00f067aa0ba902b7",
          TraceFlags.getDefault(),
          TraceState.getDefault());

  private final AtomicLong clock = new AtomicLong(123_456_789_000L);

  private static TraceSettings.Scope scope(long rate, int count) {
    return TraceSettings.create(
            new TraceSettings.Values(Level.TIMESTAMPS, rate, count, 0), Map.of())
        .scope(null);
  }

  @Test
  void roots_everyRateThCall_untilTheCountIsUsedUp() {
    TraceSampler sampler = new TraceSampler(10, clock::get);
    TraceSettings.Scope scope = scope(4, 2);
    List<Decision> out = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      out.add(sampler.decide(scope, SpanContext.getInvalid()));
    }
    assertThat(out.stream().filter(d -> d == Decision.SAMPLED)).hasSize(2);
    assertThat(out.get(3)).isEqualTo(Decision.SAMPLED);
    assertThat(out.get(7)).isEqualTo(Decision.SAMPLED);
    assertThat(out.subList(8, 16)).containsOnly(Decision.NONE);
  }

  @Test
  void anUnsampledParent_isRespected_andUsesNoBudget() {
    TraceSampler sampler = new TraceSampler(10, clock::get);
    TraceSettings.Scope scope = scope(1, -1);
    for (int i = 0; i < 5; i++) {
      assertThat(sampler.decide(scope, UNSAMPLED_PARENT)).isEqualTo(Decision.UNSAMPLED);
    }
  }

  @Test
  void forcedTraces_areCappedPerSecond_whateverTheRate() {
    TraceSampler sampler = new TraceSampler(5, clock::get);
    TraceSettings.Scope scope = scope(0, -1); // rate 0: Triton's "only propagated traces"
    int sampled = 0;
    for (int i = 0; i < 10_000; i++) {
      if (sampler.decide(scope, SAMPLED_PARENT) == Decision.SAMPLED) {
        sampled++;
      }
    }
    assertThat(sampled).isEqualTo(5); // a burst of one second's worth, then nothing
    clock.addAndGet(200_000_000L); // 0.2 s refills one permit
    assertThat(sampler.decide(scope, SAMPLED_PARENT)).isEqualTo(Decision.SAMPLED);
    assertThat(sampler.decide(scope, SAMPLED_PARENT)).isEqualTo(Decision.UNSAMPLED);
    clock.addAndGet(10_000_000_000L); // a long pause refills only one second's worth
    int burst = 0;
    for (int i = 0; i < 100; i++) {
      if (sampler.decide(scope, SAMPLED_PARENT) == Decision.SAMPLED) {
        burst++;
      }
    }
    assertThat(burst).isEqualTo(5);
    // roots still sample by rate/count, unaffected by the forced budget
    assertThat(sampler.decide(scope, SpanContext.getInvalid())).isEqualTo(Decision.NONE);
  }

  @Test
  void zeroForcedPerSecond_followsNoClient() {
    TraceSampler sampler = new TraceSampler(0, clock::get);
    assertThat(sampler.decide(scope(1000, -1), SAMPLED_PARENT)).isEqualTo(Decision.UNSAMPLED);
  }
}
