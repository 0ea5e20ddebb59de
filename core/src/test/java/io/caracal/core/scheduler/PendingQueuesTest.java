package io.caracal.core.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.core.repository.ModelSpec.TimeoutAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The queues on their own: scheduling order, taking a prefix, and admission places given back. */
class PendingQueuesTest {
  final Admission admission = new Admission(List.of(2, 2, 2));
  final PendingQueues queues = new PendingQueues(3, admission);

  Pending queue(int level) {
    assertThat(admission.tryAdmit(level)).isTrue();
    Pending p =
        new Pending(
            List.of(),
            List.of(),
            level,
            0,
            Long.MAX_VALUE,
            TimeoutAction.DELAY,
            1,
            List.of(),
            Map.of(),
            io.caracal.api.RequestObserver.NONE);
    queues.add(p);
    return p;
  }

  static List<Pending> list(Iterable<Pending> order) {
    List<Pending> out = new ArrayList<>();
    order.forEach(out::add);
    return out;
  }

  @Test
  void orderIsByLevelThenArrivalWithLateRequestsLast() {
    Pending a = queue(3);
    Pending b = queue(1);
    Pending c = queue(2);
    Pending d = queue(1);
    queues.makeLate(b);
    assertThat(list(queues.order())).containsExactly(d, c, a, b);
    assertThat(queues.head()).isSameAs(d);
    assertThat(b.queued).isTrue();
  }

  @Test
  void takeRemovesThePrefixOfTheOrderAndGivesTheirPlacesBack() {
    Pending a = queue(2);
    Pending b = queue(1);
    Pending c = queue(2);
    assertThat(admission.tryAdmit(2)).isFalse();
    assertThat(queues.take(2)).containsExactly(b, a);
    assertThat(b.queued || a.queued).isFalse();
    assertThat(list(queues.order())).containsExactly(c);
    assertThat(admission.tryAdmit(2)).isTrue();
  }

  @Test
  void withdrawnAndCompletedRequestsLeaveOnce() {
    Pending a = queue(1);
    Pending b = queue(1);
    assertThat(queues.withdraw(a)).isTrue();
    assertThat(queues.withdraw(a)).isFalse();
    b.future.cancel(false);
    queues.purgeDone();
    assertThat(queues.head()).isNull();
    assertThat(admission.tryAdmit(1)).isTrue();
    assertThat(admission.tryAdmit(1)).isTrue();
    assertThat(admission.tryAdmit(1)).isFalse();
  }

  @Test
  void drainHandsOutEveryRequestInOrder() {
    Pending a = queue(2);
    Pending b = queue(1);
    queues.makeLate(b);
    List<Pending> drained = new ArrayList<>();
    queues.drain(drained::add);
    assertThat(drained).containsExactly(a, b);
    assertThat(queues.head()).isNull();
  }
}
