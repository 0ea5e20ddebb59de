package io.caracal.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batch numbers and preserve_ordering on their own. */
class OrderedReleaseTest {
  final List<Long> completed = new ArrayList<>();

  @Test
  void preserveOrderingHoldsABatchUntilEveryEarlierOneCompleted() {
    OrderedRelease ordered = new OrderedRelease(true);
    long first = ordered.next();
    long second = ordered.next();
    long third = ordered.next();
    ordered.release(third, () -> completed.add(third));
    ordered.release(second, () -> {});
    assertThat(completed).isEmpty();
    ordered.release(first, () -> completed.add(first));
    assertThat(completed).containsExactly(first, third);
  }

  @Test
  void withoutPreserveOrderingACompletionRunsAtOnce() {
    OrderedRelease ordered = new OrderedRelease(false);
    ordered.next();
    long second = ordered.next();
    ordered.release(second, () -> completed.add(second));
    assertThat(completed).containsExactly(1L);
  }
}
