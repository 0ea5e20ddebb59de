package io.caracal.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.core.repository.ModelSpec.TimeoutAction;
import io.caracal.core.scheduler.BatchRule.Decision;
import io.caracal.core.scheduler.BatchRule.Leave;
import io.caracal.core.scheduler.BatchRule.Wait;
import io.caracal.core.scheduler.ReferenceScheduler.Formed;
import io.caracal.core.scheduler.ReferenceScheduler.Req;
import io.caracal.core.scheduler.SchedulerStats.CloseReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The batch-forming rule on its own: random queue states (levels, late requests, shapes, sizes,
 * arrival times, the clock at and around the max delay) over random policies, each decided by
 * {@link BatchRule} and by {@link ReferenceScheduler#form}, the independent statement of the rules
 * that {@link DynamicBatcherPropertyTest} also uses; both must agree on whether a batch leaves,
 * which requests and why, or until when it waits. Seeded: a failure names the seed; {@code
 * -Dcaracal.seed=N} reruns only that one.
 */
class BatchRuleTest {
  private static final int STATES = 3_000;

  /** A reference request as the rule sees it. */
  record Queued(Req req) implements BatchRule.Candidate {
    @Override
    public Object key() {
      return req.shape;
    }

    @Override
    public long size() {
      return req.size;
    }

    @Override
    public long enqueued() {
      return req.arrival;
    }
  }

  @Test
  void ruleAgreesWithTheReferenceModel() {
    String only = System.getProperty("caracal.seed");
    for (long seed = 0; seed < STATES; seed++) {
      if (only != null && !only.isBlank() && Long.parseLong(only.trim()) != seed) {
        continue;
      }
      check(seed);
    }
  }

  private static void check(long seed) {
    Random rnd = new Random(seed);
    boolean dynamic = rnd.nextInt(5) > 0;
    int max = dynamic ? List.of(1, 2, 4, 8, 32).get(rnd.nextInt(5)) : 0;
    List<Integer> preferred = new ArrayList<>();
    for (int s = 1; dynamic && s <= max; s++) {
      if (rnd.nextInt(6) == 0) {
        preferred.add(s);
      }
    }
    long delay = List.of(0L, 1L, 100_000L, 1_000_000L).get(rnd.nextInt(4));
    ReferenceScheduler.Rules rules =
        new ReferenceScheduler.Rules(
            max, dynamic, preferred, delay, false, 1, 1, 1, TimeoutAction.REJECT, 0, false);

    // The scheduling order: each level in arrival order, then the late requests.
    List<Req> order = new ArrayList<>();
    long clock = rnd.nextInt(1_000);
    int levels = 1 + rnd.nextInt(3);
    int id = 0;
    long latest = 0;
    for (int level = 1; level <= levels + 1; level++) {
      boolean late = level == levels + 1;
      int n =
          rnd.nextInt(3) == 0
              ? 0
              : rnd.nextInt(4) == 0 ? rnd.nextInt(late ? 3 : 12) : rnd.nextInt(3);
      for (int i = 0; i < n; i++) {
        long size = dynamic ? 1 + rnd.nextInt(Math.min(max, rnd.nextBoolean() ? 3 : max)) : 1;
        int shape = rnd.nextInt(10) == 0 ? 3 : 2;
        long arrival =
            late
                ? rnd.nextInt(1_000)
                : (clock += rnd.nextInt(3) == 0 ? 0 : rnd.nextInt((int) delay / 4 + 2));
        Req r = new Req(++id, late ? 1 : level, size, shape, false, arrival, Long.MAX_VALUE);
        r.late = late;
        order.add(r);
        latest = Math.max(latest, arrival);
      }
    }
    long oldest = order.stream().mapToLong(r -> r.arrival).min().orElse(0);
    long now =
        switch (rnd.nextInt(4)) {
          case 0 -> latest;
          case 1 -> Math.max(latest, oldest + delay - 1);
          case 2 -> Math.max(latest, oldest + delay);
          default -> latest + rnd.nextInt((int) delay + 2);
        };

    Formed expected = ReferenceScheduler.form(rules, order, now);
    Decision actual =
        new BatchRule(dynamic, max, preferred, delay)
            .decide(order.stream().map(Queued::new).toList(), now);
    Decision wanted =
        expected == null
            ? new Wait(Long.MAX_VALUE)
            : expected.leaves()
                ? new Leave(expected.reqs().size(), expected.reason())
                : new Wait(expected.dueAt());
    if (!actual.equals(wanted)
        || expected != null && !order.subList(0, expected.reqs().size()).equals(expected.reqs())) {
      throw new AssertionError(
          "seed "
              + seed
              + " (rerun with -Dcaracal.seed="
              + seed
              + "): max "
              + max
              + (dynamic ? "" : " unbatched")
              + " preferred "
              + preferred
              + " delay "
              + delay
              + "ns, t="
              + now
              + ", order "
              + order
              + " arrivals "
              + order.stream().map(r -> r.arrival).toList()
              + ": the rules "
              + (expected == null
                  ? "wait for a request"
                  : expected.leaves()
                      ? "send " + expected.reqs() + " (" + expected.why() + ")"
                      : "wait until " + expected.dueAt())
              + ", the rule decided "
              + actual);
    }
  }

  @Test
  void emptyQueueWaitsForAnEvent() {
    assertThat(new BatchRule(true, 8, List.of(), 100).decide(List.of(), 5))
        .isEqualTo(new Wait(Long.MAX_VALUE));
  }

  @Test
  void expiredDelaySendsTheWholeRunNotItsPreferredPart() {
    List<Queued> order = List.of(queued(1, 2, 0), queued(2, 1, 10), queued(3, 1, 20));
    BatchRule rule = new BatchRule(true, 8, List.of(2), 100);
    assertThat(rule.decide(order, 99)).isEqualTo(new Leave(1, CloseReason.PREFERRED));
    assertThat(rule.decide(order, 100)).isEqualTo(new Leave(3, CloseReason.DELAY_EXPIRED));
  }

  @Test
  void requestThatDoesNotMixClosesTheRunBeforeIt() {
    Queued other = new Queued(new Req(3, 1, 1, 3, false, 20, Long.MAX_VALUE));
    List<Queued> order = List.of(queued(1, 1, 0), queued(2, 1, 10), other);
    assertThat(new BatchRule(true, 8, List.of(), 100).decide(order, 50))
        .isEqualTo(new Leave(2, CloseReason.FULL));
    assertThat(new BatchRule(true, 8, List.of(), 100).decide(order.subList(0, 2), 50))
        .isEqualTo(new Wait(100));
  }

  private static Queued queued(int id, long size, long arrival) {
    return new Queued(new Req(id, 1, size, 2, false, arrival, Long.MAX_VALUE));
  }
}
