package io.caracal.metrics;

import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver;
import io.caracal.core.observe.CallRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Builds finished CallRecords as the transports and core would fill them. */
final class Calls {
  private static final AtomicLong ids = new AtomicLong();

  private Calls() {}

  /** A call of {@code protocol} that arrived at ticker 1 s. */
  static CallRecord started(CallRecord.Protocol protocol) {
    return new CallRecord(
        protocol,
        protocol == CallRecord.Protocol.HTTP ? "POST" : "ModelInfer",
        protocol == CallRecord.Protocol.HTTP
            ? "/v2/models/{model}/infer"
            : "inference.GRPCInferenceService/ModelInfer",
        "r" + ids.incrementAndGet(),
        1_000_000_000L,
        Instant.parse("2026-12-03T07:00:00Z"),
        "127.0.0.1",
        "test",
        Map.of());
  }

  /**
   * A successful call of model m version v: 2 ms queued, alone in a batch of size 1 (input 1 ms,
   * infer 3 ms, output 1 ms), answered 10 ms after arrival.
   */
  static CallRecord ok(CallRecord.Protocol protocol, String model, long version) {
    CallRecord c = started(protocol);
    c.requested(model, "");
    c.resolved(model, version);
    long t0 = c.startNanos();
    c.dequeued(t0 + 1_000_000, t0 + 3_000_000);
    c.executed(
        new BatchExecution(
            model,
            version,
            1,
            "full",
            0,
            List.of(c),
            t0 + 3_000_000,
            t0 + 4_000_000,
            t0 + 7_000_000,
            t0 + 8_000_000));
    c.answered(200, "OK", null, 10, t0 + 10_000_000);
    return c;
  }

  /** A call that failed with {@code errorType} before reaching the queue. */
  static CallRecord failed(String model, long version, String errorType) {
    CallRecord c = started(CallRecord.Protocol.HTTP);
    c.requested(model, "");
    c.resolved(model, version);
    c.answered(400, "Bad Request", errorType, 10, c.startNanos() + 1_000_000);
    return c;
  }

  /** A call answered from the cache. */
  static CallRecord hit(String model, long version) {
    CallRecord c = started(CallRecord.Protocol.HTTP);
    c.requested(model, "");
    c.cache(RequestObserver.CacheOutcome.HIT, 20_000);
    c.resolved(model, version);
    c.answered(200, "OK", null, 10, c.startNanos() + 100_000);
    return c;
  }

  /** A call for a model the registry does not know. */
  static CallRecord unknown(String requested) {
    CallRecord c = started(CallRecord.Protocol.HTTP);
    c.requested(requested, "");
    c.answered(400, "Bad Request", "ModelNotFound", 10, c.startNanos() + 100_000);
    return c;
  }
}
