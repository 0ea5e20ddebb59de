package io.caracal.bench;

import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver;
import io.caracal.core.observe.CallRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Realistic finished calls for the benchmarks of call listeners (metrics, access log). */
public final class SampleCalls {
  private SampleCalls() {}

  /** Another member of a call's batch. */
  private static final RequestObserver OTHER = new RequestObserver() {};

  /**
   * A finished call of resnet v1: 4 requests per batch, some hits; every duration varies at
   * nanosecond resolution, as real timings do (client_java's summaries degrade badly on long runs
   * of identical values, which fixed durations would make).
   */
  public static CallRecord call(int i) {
    CallRecord.Protocol protocol = i % 2 == 0 ? CallRecord.Protocol.HTTP : CallRecord.Protocol.GRPC;
    long t0 = 1_000_000_000L + i * 1_000_000L;
    CallRecord c =
        new CallRecord(
            protocol,
            "POST",
            "/v2/models/{model}/infer",
            "r" + i,
            t0,
            Instant.EPOCH,
            "127.0.0.1",
            null,
            Map.of());
    c.requested("resnet", "");
    if (i % 10 == 0) {
      c.traced("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true, null);
    }
    long jitter = (i * 7919L) % 5_000_000L;
    if (i % 10 == 5) {
      c.cache(RequestObserver.CacheOutcome.HIT, 15_000 + jitter / 500);
      c.resolved("resnet", 1);
      c.answered(200, "OK", null, 4096, t0 + 100_000 + jitter / 10);
      return c;
    }
    c.cache(RequestObserver.CacheOutcome.MISS, 15_000 + jitter / 500);
    c.resolved("resnet", 1);
    long dequeued = t0 + 200_000 + jitter;
    c.dequeued(t0 + 50_000 + jitter / 100, dequeued);
    List<RequestObserver> members =
        i % 4 == 0 ? List.of(c, OTHER, OTHER, OTHER) : List.of(OTHER, c, OTHER, OTHER);
    c.executed(
        new BatchExecution(
            "resnet",
            1,
            4,
            "full",
            i % 2,
            members,
            dequeued,
            dequeued + 100_000 + jitter / 50,
            dequeued + 3_000_000 + jitter,
            dequeued + 3_100_000 + jitter + jitter / 70));
    c.answered(200, "OK", null, 4096, dequeued + 3_300_000 + jitter);
    return c;
  }
}
