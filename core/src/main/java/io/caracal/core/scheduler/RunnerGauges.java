package io.caracal.core.scheduler;

import java.util.List;

/**
 * What a model version's runner holds at one moment, for metrics read at scrape time.
 *
 * @param queueDepths requests admitted and waiting to be batched, per priority level (index 0 is
 *     level 1); a request leaves its level's count when its batch forms (Triton's pending request
 *     count)
 * @param inflight requests admitted and not yet answered: queued or executing
 * @param instances model instances in service (not retired)
 */
public record RunnerGauges(List<Integer> queueDepths, int inflight, int instances) {
  /** A runner that reports nothing. */
  public static final RunnerGauges NONE = new RunnerGauges(List.of(), 0, 0);

  public RunnerGauges {
    queueDepths = List.copyOf(queueDepths);
  }

  /** Returns the requests waiting over every priority level. */
  public int queueDepth() {
    int n = 0;
    for (int d : queueDepths) {
      n += d;
    }
    return n;
  }
}
